package dev.tollgate.wire.gemini;

import java.nio.charset.StandardCharsets;

import dev.tollgate.pricing.Usage;
import dev.tollgate.wire.AnswerReader;
import dev.tollgate.wire.SseTap;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Watches a Gemini {@code streamGenerateContent?alt=sse} stream as it passes ({@link SseTap}). Every chunk repeats
 * the usage so far in {@code usageMetadata}: the tap reads only that object of each chunk (the rest is skipped
 * without building a tree) and keeps the latest, so the usage is never counted twice, and a stream cut short is
 * billed by Gemini's own count of what it had generated. The chunk with a {@code finishReason} ends the stream
 * (there is no {@code [DONE]}); a body that ends before it was cut. An {@code {"error": ...}} event is the stream's
 * error and not data: before any content it is the attempt's failure (failover may try the next backend). Not
 * thread-safe: one instance per stream.
 */
public final class GeminiSseTap extends SseTap {

    private static final byte[] USAGE = "\"usageMetadata\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FINISH = "\"finishReason\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CANDIDATES = "\"candidates\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR = "\"error\"".getBytes(StandardCharsets.US_ASCII);

    private final ObjectMapper mapper;
    private Usage promptUsage;
    private AnswerReader.UpstreamError error;

    public GeminiSseTap(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    protected boolean inspect(byte[] data, int start, int end) {
        if (indexOf(data, start, end, USAGE) >= 0) {
            Usage usage = usage(data, start, end);
            if (usage != null) {
                reported(usage);
                promptUsage = new Usage(usage.inputTokens(), usage.cachedInputTokens(), 0, 0, 0, false);
            }
        }
        if (indexOf(data, start, end, FINISH) >= 0) {
            ended();
        } else if (error == null && isError(data, start, end)) {
            JsonNode event = parse(data, start, end);
            if (event != null && event.isArray() && !event.isEmpty()) {
                event = event.get(0);
            }
            JsonNode e = event != null ? event.get("error") : null;
            if (e != null && e.isObject()) {
                error = new AnswerReader.UpstreamError(e.path("status").asString(""), null,
                        e.path("message").asString(""), null);
            }
        }
        return false;
    }

    /** Chunks with candidates or usage count as data; an error event does not. */
    @Override
    protected boolean isData(byte[] data, int start, int end) {
        return hasData(data, start, end) && !isError(data, start, end);
    }

    /** The prompt's counts as the latest chunk reported them, exact even when the stream was cut. */
    @Override
    public Usage reportedPromptUsage() {
        return promptUsage;
    }

    @Override
    public AnswerReader.UpstreamError streamError() {
        return error;
    }

    @Override
    protected void appendDeltaText(byte[] bytes, int start, int end, StringBuilder text) {
        if (indexOf(bytes, start, end, CANDIDATES) < 0) {
            return;
        }
        GeminiWire.appendText(parse(bytes, start, end), text);
    }

    private static boolean isError(byte[] data, int start, int end) {
        return indexOf(data, start, end, ERROR) >= 0 && indexOf(data, start, end, CANDIDATES) < 0;
    }

    private Usage usage(byte[] data, int start, int end) {
        String payload = dataPayload(data, start, end).trim();
        if (payload.isEmpty() || payload.charAt(0) != '{') {
            return null;
        }
        try (JsonParser parser = mapper.createParser(payload)) {
            return GeminiWire.usageMetadata(parser);
        } catch (JacksonException e) {
            return null;
        }
    }

    private JsonNode parse(byte[] data, int start, int end) {
        String payload = dataPayload(data, start, end).trim();
        if (payload.isEmpty()) {
            return null;
        }
        try {
            return mapper.readTree(payload);
        } catch (JacksonException e) {
            return null;
        }
    }
}
