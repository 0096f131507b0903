package dev.tollgate.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 of gateway keys, in the {@code sha256:<hex>} form the rules store. Keys are random secrets of high
 * entropy, so an unsalted fast hash is the right tool (as for API tokens elsewhere): it cannot be reversed, and
 * it costs about a microsecond per call. Thread-safe.
 */
public final class KeyHasher {

    public static final String PREFIX = "sha256:";

    private static final MessageDigest PROTOTYPE;

    static {
        try {
            PROTOTYPE = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private KeyHasher() {
    }

    /** {@code sha256:<64 lowercase hex digits>} of the key's UTF-8 bytes. */
    public static String hash(String key) {
        MessageDigest digest;
        try {
            digest = (MessageDigest) PROTOTYPE.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
        return PREFIX + HexFormat.of().formatHex(digest.digest(key.getBytes(StandardCharsets.UTF_8)));
    }
}
