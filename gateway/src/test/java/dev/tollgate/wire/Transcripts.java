package dev.tollgate.wire;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.tollgate.call.StreamEvent;

/** Stream transcripts of {@code src/test/resources/wire} (sources in its README) and helpers to replay them. */
public final class Transcripts {

    private Transcripts() {
    }

    public static byte[] bytes(String resource) {
        try (InputStream in = Transcripts.class.getResourceAsStream("/wire/" + resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource wire/" + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The events of a stream, each as its own bytes (with its blank line). */
    public static List<byte[]> events(byte[] stream) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        while (start < stream.length) {
            int end = Sse.eventEnd(stream, start);
            int stop = end < 0 ? stream.length : end;
            byte[] event = new byte[stop - start];
            System.arraycopy(stream, start, event, 0, event.length);
            out.add(event);
            start = stop;
        }
        return out;
    }

    /** Decodes a whole stream with {@code decoder}. */
    public static List<StreamEvent> decode(StreamDecoder decoder, byte[] stream) {
        List<StreamEvent> out = new ArrayList<>();
        Sse.forEachEvent(stream, (name, data) -> decoder.decode(name, data, out::add));
        decoder.end(out::add);
        return out;
    }

    /** Encodes events with {@code encoder}. */
    public static String encode(StreamEncoder encoder, List<StreamEvent> events) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (StreamEvent e : events) {
            encoder.encode(e, out);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The (name, data) pairs of SSE text. */
    public static List<String[]> parse(String sse) {
        List<String[]> out = new ArrayList<>();
        Sse.forEachEvent(sse.getBytes(StandardCharsets.UTF_8), (name, data) -> out.add(new String[] {name, data}));
        return out;
    }

    public static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
