package dev.tollgate.wire;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Ids for answers translated between formats. A translated id keeps the upstream's suffix
 * ({@code chatcmpl-abc} becomes {@code msg_abc} and back), so that a client's id can be found in upstream logs; an
 * answer without an id gets a random one. Tool-call ids pass as they are. Thread-safe.
 */
public final class Ids {

    private static final char[] ALPHABET =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

    private Ids() {
    }

    /** An Anthropic message id ({@code msg_...}) for an answer whose upstream id is {@code upstreamId}. */
    public static String messageId(String upstreamId) {
        return withPrefix("msg_", upstreamId, "chatcmpl-");
    }

    /** An OpenAI completion id ({@code chatcmpl-...}) for an answer whose upstream id is {@code upstreamId}. */
    public static String chatCompletionId(String upstreamId) {
        return withPrefix("chatcmpl-", upstreamId, "msg_");
    }

    /**
     * An OpenAI Responses id ({@code resp_...}) for an answer whose upstream id is {@code upstreamId} (a Chat
     * Completions or Anthropic message id keeps its suffix).
     */
    public static String responseId(String upstreamId) {
        if (upstreamId != null && upstreamId.startsWith("chatcmpl-")) {
            return withPrefix("resp_", upstreamId, "chatcmpl-");
        }
        return withPrefix("resp_", upstreamId, "msg_");
    }

    /** A fresh id for an output item of a Responses answer: {@code prefix} ({@code msg_}, {@code fc_}, {@code rs_}) and 24 random characters. */
    public static String itemId(String prefix) {
        return prefix + random(24);
    }

    /** A tool-use id for a tool call that came without one. */
    public static String toolUseId() {
        return "toolu_" + random(24);
    }

    private static String withPrefix(String prefix, String upstreamId, String otherPrefix) {
        if (upstreamId == null || upstreamId.isEmpty()) {
            return prefix + random(24);
        }
        if (upstreamId.startsWith(prefix)) {
            return upstreamId;
        }
        String rest = upstreamId.startsWith(otherPrefix) ? upstreamId.substring(otherPrefix.length()) : upstreamId;
        return prefix + rest;
    }

    static String random(int length) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            out[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return new String(out);
    }
}
