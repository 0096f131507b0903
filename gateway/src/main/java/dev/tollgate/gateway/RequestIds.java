package dev.tollgate.gateway;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids: {@code tg-} + 13 hex digits of milliseconds + 16 random hex digits. Sortable by time, unique across
 * replicas and restarts without coordination (64 random bits per millisecond). Thread-safe.
 */
final class RequestIds {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private RequestIds() {
    }

    static String next(long epochMillis) {
        char[] out = new char[3 + 13 + 16];
        out[0] = 't';
        out[1] = 'g';
        out[2] = '-';
        for (int i = 0; i < 13; i++) {
            out[3 + i] = HEX[(int) (epochMillis >>> (4 * (12 - i))) & 0xf];
        }
        long random = ThreadLocalRandom.current().nextLong();
        for (int i = 0; i < 16; i++) {
            out[16 + i] = HEX[(int) (random >>> (4 * (15 - i))) & 0xf];
        }
        return new String(out);
    }
}
