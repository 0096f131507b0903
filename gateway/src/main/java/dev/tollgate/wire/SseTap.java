package dev.tollgate.wire;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

import dev.tollgate.call.StreamUsage;
import dev.tollgate.pricing.Usage;

/**
 * Watches a Server-Sent Events stream as it passes, without holding it back; each wire format says what its events
 * mean ({@link #inspect}, {@link #appendDeltaText}).
 * <p>
 * Invariant: every complete event (ended by a blank line) that arrived is in the output of the same
 * {@link #onChunk} call, in order; only an incomplete tail is carried to the next chunk, because half an event is
 * of no use to a client. When a chunk ends on an event boundary and nothing is dropped (the common case) the chunk
 * is returned as it came, without a copy. Events are scanned for boundaries and passed on untouched; a format parses
 * only the few events that carry usage.
 * <p>
 * What was delivered is kept, within bounds, so that a stream that ends without usage (an upstream that does not
 * report it, or a client that left) can be counted with the tokenizer: the raw events up to
 * {@value #MAX_KEPT_BYTES} bytes (no event is parsed on the way unless it must be), then only their delta text, up
 * to {@value #MAX_KEPT_TEXT} characters (some 4,000 tokens: exact below it); the count of what was delivered beyond
 * is extrapolated from the kept part's tokens per byte.
 * <p>
 * An event longer than {@value #MAX_EVENT_BYTES} bytes (an upstream that never ends its event) is not carried
 * further: {@link #onChunk} throws {@link EventTooLargeException} and the stream is treated as broken.
 * Not thread-safe: one instance per stream, driven by one subscriber.
 */
public abstract class SseTap implements StreamUsage {

    /** Delivered bytes kept as they came, at most, per stream. */
    public static final int MAX_KEPT_BYTES = 64 * 1024;
    /** Delta text kept for counting, at most, per stream (characters; may be passed by one reduction's text). */
    public static final int MAX_KEPT_TEXT = 16 * 1024;
    /** The longest incomplete event carried between chunks. */
    public static final int MAX_EVENT_BYTES = 1024 * 1024;
    private static final byte[] NO_BYTES = new byte[0];
    private byte[] carry = NO_BYTES;
    /** Length of the event that outgrew {@link #MAX_EVENT_BYTES} (dropped), or 0. */
    private long oversizedEvent;
    private Usage usage;
    private boolean done;
    private boolean sawData;
    private final List<byte[]> kept = new ArrayList<>();
    private long keptBytes;
    private final StringBuilder keptText = new StringBuilder();
    /** Delivered bytes whose delta text is in {@link #keptText}. */
    private long textBytes;
    private long deliveredBytes;


    /**
     * Bytes to send to the client now (possibly empty).
     *
     * @throws EventTooLargeException when an earlier chunk left an event longer than {@value #MAX_EVENT_BYTES}
     *                                bytes (the complete events of that chunk were still returned)
     */
    public byte[] onChunk(byte[] chunk) {
        if (oversizedEvent > 0) {
            throw new EventTooLargeException(oversizedEvent);
        }
        byte[] data = carry.length == 0 ? chunk : concat(carry, chunk);
        int start = 0;
        int lastEnd = 0;
        ByteArrayOutputStream filtered = null;
        while (true) {
            int end = eventEnd(data, start);
            if (end < 0) {
                break;
            }
            boolean drop = inspect(data, start, end);
            sawData = sawData || !drop && isData(data, start, end);
            if (drop && filtered == null) {
                filtered = new ByteArrayOutputStream(data.length);
                filtered.write(data, 0, start);
            } else if (!drop && filtered != null) {
                filtered.write(data, start, end - start);
            }
            start = end;
            lastEnd = end;
        }
        carry = lastEnd == data.length ? NO_BYTES : copy(data, lastEnd, data.length);
        if (carry.length > MAX_EVENT_BYTES) {
            // the complete events before it still go out; the next chunk (or the end) breaks the stream
            oversizedEvent = carry.length;
            carry = NO_BYTES;
        }
        byte[] out = filtered != null ? filtered.toByteArray()
                : lastEnd == data.length ? data : copy(data, 0, lastEnd);
        deliver(out);
        return out;
    }

    /**
     * What is left when the upstream ends: an unterminated last event, passed on as it is, unless it is the
     * usage-only event the gateway asked for.
     *
     * @throws EventTooLargeException when the last chunk left an event longer than {@value #MAX_EVENT_BYTES} bytes
     */
    public byte[] onComplete() {
        if (oversizedEvent > 0) {
            throw new EventTooLargeException(oversizedEvent);
        }
        byte[] rest = carry;
        carry = NO_BYTES;
        if (rest.length > 0 && inspect(rest, 0, rest.length)) {
            return NO_BYTES;
        }
        sawData = sawData || rest.length > 0 && isData(rest, 0, rest.length);
        deliver(rest);
        return rest;
    }

    /** The usage the upstream reported, or null. */
    @Override
    public Usage reportedUsage() {
        return usage;
    }

    /** Whether the event that ends a complete stream passed ({@code data: [DONE]}, {@code message_stop}). */
    public boolean sawDone() {
        return done;
    }

    /**
     * Whether an event with data (a {@code data} field) has been returned for the client. Comments
     * ({@code : keep-alive}) and events without data, which SSE clients do not dispatch, do not count; nor does
     * the usage-only event this tap removes.
     */
    public boolean sawData() {
        return sawData;
    }

    public long deliveredBytes() {
        return deliveredBytes;
    }

    /** Delivered bytes kept as they came, not yet reduced to their delta text (at most {@value #MAX_KEPT_BYTES}). */
    public long keptBytes() {
        return keptBytes;
    }

    /** Delta text kept for counting, in characters. */
    public int keptTextLength() {
        return keptText.length();
    }

    /**
     * Output tokens of what was delivered, counted with the tokenizer from the content, reasoning and tool-call
     * deltas of the kept events; what was delivered beyond them is scaled by their tokens per byte.
     */
    @Override
    public long countDeliveredOutputTokens(ToIntFunction<String> counter) {
        StringBuilder text = new StringBuilder(keptText);
        for (byte[] bytes : kept) {
            appendDeltaTexts(bytes, text);
        }
        long tokens = counter.applyAsInt(text.toString());
        long covered = textBytes + keptBytes;
        if (covered < deliveredBytes) {
            // Beyond what was kept: scale by the bytes per token of the kept part (at least 1 token per 4 bytes).
            long rest = deliveredBytes - covered;
            tokens += covered > 0 && tokens > 0 ? rest * tokens / covered : rest / 4;
        }
        return tokens;
    }

    /**
     * Keeps what was delivered for counting, within bounds: the raw bytes up to {@value #MAX_KEPT_BYTES}; when they
     * would pass it, they are reduced to their delta text (a stream of more than a few hundred events pays for
     * parsing them once, a short one never), until {@value #MAX_KEPT_TEXT} characters are kept; after that nothing
     * more is kept and the count of the rest is extrapolated.
     */
    private void deliver(byte[] out) {
        if (out.length == 0) {
            return;
        }
        deliveredBytes += out.length;
        if (keptText.length() >= MAX_KEPT_TEXT) {
            return;
        }
        if (keptBytes + out.length > MAX_KEPT_BYTES) {
            for (byte[] bytes : kept) {
                appendDeltaTexts(bytes, keptText);
            }
            textBytes += keptBytes;
            kept.clear();
            keptBytes = 0;
            if (out.length > MAX_KEPT_BYTES) {
                appendDeltaTexts(out, keptText);
                textBytes += out.length;
                return;
            }
        }
        kept.add(out);
        keptBytes += out.length;
    }

    /** Appends the delta text of every event in {@code bytes} (whole events, the last possibly unterminated). */
    private void appendDeltaTexts(byte[] bytes, StringBuilder text) {
        int start = 0;
        int end;
        while ((end = eventEnd(bytes, start)) >= 0 || start < bytes.length) {
            int stop = end < 0 ? bytes.length : end;
            appendDeltaText(bytes, start, stop, text);
            start = stop;
            if (end < 0) {
                break;
            }
        }
    }

    /**
     * Looks at one complete event (bytes {@code start} to {@code end}): records usage ({@link #reported}) and the
     * stream's end ({@link #ended}); true when the event is to be dropped.
     */
    protected abstract boolean inspect(byte[] data, int start, int end);

    /**
     * Whether an event counts as the stream's first data for the client (commits the call): by default any event
     * with a {@code data} field; comments and events without data never do.
     */
    protected boolean isData(byte[] data, int start, int end) {
        return hasData(data, start, end);
    }

    /** Appends the text of one event's deltas (text, reasoning, tool arguments), for counting. */
    protected abstract void appendDeltaText(byte[] bytes, int start, int end, StringBuilder text);

    /** The upstream reported usage (the latest report wins). */
    protected final void reported(Usage reported) {
        this.usage = reported;
    }

    /**
     * An error the backend reported in the stream itself (Anthropic's {@code error} event), or null. Before any data
     * it is the attempt's failure; after, the client has seen it.
     */
    public AnswerReader.UpstreamError streamError() {
        return null;
    }

    /** The event that ends a complete stream passed. */
    protected final void ended() {
        this.done = true;
    }

    /** Whether the stream's end has passed. */
    protected final boolean isEnded() {
        return done;
    }

    /** Whether the event has a {@code data} field: a line {@code data} or starting with {@code data:}. */
    public static boolean hasData(byte[] data, int start, int end) {
        int line = start;
        while (line < end) {
            int eol = line;
            while (eol < end && data[eol] != '\n' && data[eol] != '\r') {
                eol++;
            }
            if (eol - line >= 4 && data[line] == 'd' && data[line + 1] == 'a' && data[line + 2] == 't'
                    && data[line + 3] == 'a' && (eol - line == 4 || data[line + 4] == ':')) {
                return true;
            }
            line = eol + 1;
        }
        return false;
    }

    /** The joined {@code data:} lines of an event ({@link Sse#dataPayload}). */
    public static String dataPayload(byte[] data, int start, int end) {
        return Sse.dataPayload(data, start, end);
    }

    /** The index just past the blank line ending the event that starts at {@code from}, or -1 ({@link Sse}). */
    public static int eventEnd(byte[] data, int from) {
        return Sse.eventEnd(data, from);
    }

    public static int indexOf(byte[] data, int from, int to, byte[] needle) {
        outer:
        for (int i = from; i <= to - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (data[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] copy(byte[] data, int from, int to) {
        byte[] out = new byte[to - from];
        System.arraycopy(data, from, out, 0, out.length);
        return out;
    }

    /**
     * An upstream event grew past {@value #MAX_EVENT_BYTES} bytes without ending: the upstream is not sending
     * Server-Sent Events as they are meant, and the stream is to be ended as broken.
     */
    public static final class EventTooLargeException extends RuntimeException {
        public EventTooLargeException(long bytes) {
            super("a stream event grew to " + bytes + " bytes without ending (at most " + MAX_EVENT_BYTES
                    + " are carried)");
        }
    }
}
