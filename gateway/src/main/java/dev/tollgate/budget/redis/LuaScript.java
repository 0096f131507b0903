package dev.tollgate.budget.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One Lua script of the Redis store, read from {@code tollgate/lua/} on the classpath, with the SHA-1 digest Redis
 * knows it by. Immutable.
 *
 * @param name   the operation ({@code admit}, ...)
 * @param source the script's text as sent to Redis
 * @param sha    its SHA-1 in lower-case hex, for {@code EVALSHA}
 */
record LuaScript(String name, String source, String sha) {

    static final String FOLDER = "tollgate/lua/";

    /** The script {@code <name>.lua}, after {@code common.lua} when {@code withCommon}. */
    static LuaScript load(String name, boolean withCommon) {
        String source = (withCommon ? resource("common") : "") + resource(name);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
            return new LuaScript(name, source, HexFormat.of().formatHex(digest));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }

    private static String resource(String name) {
        String path = FOLDER + name + ".lua";
        try (InputStream in = LuaScript.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing classpath resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }
}
