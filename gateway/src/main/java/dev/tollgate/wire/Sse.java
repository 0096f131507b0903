package dev.tollgate.wire;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import tools.jackson.core.JsonGenerator;

/**
 * Server-Sent Events on bytes: where an event ends, its {@code event:} name and joined {@code data:} lines, and how
 * one is written. The scanning rules are those of {@code metering.SseUsageTap} (LF, CRLF or CR line ends). Stateless,
 * thread-safe.
 */
public final class Sse {

    private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);

    private Sse() {
    }

    /** Receives one event: its name (null when it has no {@code event:} line) and its data (empty when none). */
    @FunctionalInterface
    public interface EventHandler {
        void onEvent(String name, String data);
    }

    /**
     * Calls {@code handler} for every event in {@code bytes}, in order; a last event without its blank line counts too.
     * Events with neither a name nor data (comments, keep-alives) are skipped.
     */
    public static void forEachEvent(byte[] bytes, EventHandler handler) {
        int start = 0;
        while (start < bytes.length) {
            int end = eventEnd(bytes, start);
            int stop = end < 0 ? bytes.length : end;
            String name = eventName(bytes, start, stop);
            String data = dataPayload(bytes, start, stop);
            if (name != null || !data.isEmpty() || hasDataLine(bytes, start, stop)) {
                handler.onEvent(name, data);
            }
            start = stop;
        }
    }

    /** The index just past the blank line ending the event that starts at {@code from}, or -1. */
    public static int eventEnd(byte[] data, int from) {
        for (int i = from; i < data.length - 1; i++) {
            if (data[i] == '\n') {
                if (data[i + 1] == '\n') {
                    return i + 2;
                }
                if (data[i + 1] == '\r' && i + 2 < data.length && data[i + 2] == '\n') {
                    return i + 3;
                }
            } else if (data[i] == '\r' && data[i + 1] == '\r') {
                return i + 2;
            }
        }
        return -1;
    }

    /** The joined {@code data:} lines of the event in {@code [start, end)}. */
    public static String dataPayload(byte[] data, int start, int end) {
        String single = null;
        StringBuilder sb = null;
        int line = start;
        while (line < end) {
            int eol = lineEnd(data, line, end);
            if (field(data, line, eol, "data")) {
                String value = value(data, line + 4, eol);
                if (single == null && sb == null) {
                    single = value;
                } else {
                    if (sb == null) {
                        sb = new StringBuilder(single);
                    }
                    sb.append('\n').append(value);
                }
            }
            line = next(data, eol, end);
        }
        return sb != null ? sb.toString() : single != null ? single : "";
    }

    /** The value of the {@code event:} line of the event in {@code [start, end)}, or null. */
    public static String eventName(byte[] data, int start, int end) {
        int line = start;
        while (line < end) {
            int eol = lineEnd(data, line, end);
            if (field(data, line, eol, "event")) {
                return value(data, line + 5, eol);
            }
            line = next(data, eol, end);
        }
        return null;
    }

    /** Appends {@code event: <name>\ndata: <json>\n\n}, or {@code data: <json>\n\n} when {@code name} is null. */
    public static void write(ByteArrayOutputStream out, String name, byte[] data) {
        if (name != null) {
            out.writeBytes(EVENT);
            out.writeBytes(name.getBytes(StandardCharsets.UTF_8));
            out.write('\n');
        }
        out.writeBytes(DATA);
        out.writeBytes(data);
        out.writeBytes(END);
    }

    /**
     * Appends an event whose data is the JSON document {@code body} writes, generated straight into {@code out} (no
     * intermediate copy); {@code name} null for a data-only event.
     */
    public static void writeJson(ByteArrayOutputStream out, String name, Consumer<JsonGenerator> body) {
        if (name != null) {
            out.writeBytes(EVENT);
            out.writeBytes(name.getBytes(StandardCharsets.UTF_8));
            out.write('\n');
        }
        out.writeBytes(DATA);
        Json.write(out, body);
        out.writeBytes(END);
    }

    /** Appends an SSE comment line ({@code : <text>\n\n}), which clients ignore: a keep-alive. */
    public static void comment(ByteArrayOutputStream out, String text) {
        out.writeBytes((": " + text + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    private static boolean hasDataLine(byte[] data, int start, int end) {
        int line = start;
        while (line < end) {
            int eol = lineEnd(data, line, end);
            if (field(data, line, eol, "data")) {
                return true;
            }
            line = next(data, eol, end);
        }
        return false;
    }

    private static int lineEnd(byte[] data, int line, int end) {
        int eol = line;
        while (eol < end && data[eol] != '\n' && data[eol] != '\r') {
            eol++;
        }
        return eol;
    }

    private static int next(byte[] data, int eol, int end) {
        if (eol < end - 1 && data[eol] == '\r' && data[eol + 1] == '\n') {
            return eol + 2;
        }
        return eol + 1;
    }

    /** Whether the line is the field {@code name} ({@code name} alone or followed by a colon). */
    private static boolean field(byte[] data, int line, int eol, String name) {
        int n = name.length();
        if (eol - line < n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (data[line + i] != name.charAt(i)) {
                return false;
            }
        }
        return eol - line == n || data[line + n] == ':';
    }

    /** The value after {@code name:} (one leading space dropped), from the colon at {@code colon}. */
    private static String value(byte[] data, int colon, int eol) {
        int from = Math.min(colon + 1, eol);
        if (from < eol && data[from] == ' ') {
            from++;
        }
        return new String(data, from, eol - from, StandardCharsets.UTF_8);
    }
}
