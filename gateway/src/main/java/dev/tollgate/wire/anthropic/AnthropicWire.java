package dev.tollgate.wire.anthropic;

import dev.tollgate.call.TokenCounts;
import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.Usage;
import dev.tollgate.wire.AnswerReader;
import dev.tollgate.wire.SseTap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The Anthropic Messages wire format's usage, as Anthropic's API reports it: {@code input_tokens} (the prompt's
 * uncached tokens), {@code cache_read_input_tokens}, {@code cache_creation_input_tokens} (with the 5-minute and
 * 1-hour split in {@code cache_creation} when present) and {@code output_tokens} (thinking included). In a stream,
 * {@code message_start} carries the prompt's counts and {@code message_delta} the final, cumulative output count
 * (and updated prompt counts, when it sends them): output is never added up. Stateless, thread-safe.
 */
public final class AnthropicWire implements AnswerReader {

    private final ObjectMapper mapper;

    public AnthropicWire(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /** Usage from an Anthropic {@code usage} object ({@link AnthropicUsage}); null when it has no counts. */
    public static Usage usage(JsonNode usage) {
        TokenCounts counts = AnthropicUsage.read(usage);
        return counts == null ? null : counts.toUsage();
    }

    /**
     * The final usage of a stream: the prompt's counts from {@code message_start}, updated by any the
     * {@code message_delta}'s usage carries, and its cumulative {@code output_tokens} (never added up).
     */
    public static Usage finalUsage(Usage start, JsonNode delta) {
        TokenCounts base = start == null ? TokenCounts.ZERO : new TokenCounts(start.inputTokens(),
                start.cachedInputTokens(), start.cacheWriteTokens(), start.cacheWrite1hTokens(), start.outputTokens(),
                start.reasoningTokens());
        return AnthropicUsage.merge(base, delta).toUsage();
    }

    /**
     * The usage of a whole (non-streamed) Anthropic message, reading only its top-level {@code usage} (the rest is
     * skipped without building a tree, but the whole document is read). Null when the body is valid JSON without
     * usage.
     *
     * @throws JacksonException when the body is not one well-formed JSON document
     */
    @Override
    public Usage usageOfResponse(byte[] body) {
        return AnswerReader.topLevelUsage(mapper, body, AnthropicWire::usage);
    }

    /** The text, thinking and tool inputs of a whole message, for counting when it reports no usage. */
    @Override
    public String answerText(byte[] body) {
        StringBuilder text = new StringBuilder();
        for (JsonNode block : mapper.readTree(body).path("content")) {
            text.append(block.path("text").asString(""));
            text.append(block.path("thinking").asString(""));
            if (block.has("input")) {
                text.append(block.get("input").toString());
            }
        }
        return text.toString();
    }

    @Override
    public WireFormat format() {
        return WireFormat.ANTHROPIC_MESSAGES;
    }

    /** Anthropic's streams always carry usage: nothing is dropped. */
    @Override
    public SseTap tap(boolean dropUsageEvent) {
        return new AnthropicSseTap(mapper);
    }

    /** {@code {"type": "error", "error": {"type", "message"}}}, or null. */
    @Override
    public UpstreamError error(byte[] body) {
        try {
            JsonNode root = mapper.readTree(body);
            JsonNode error = root != null ? root.get("error") : null;
            if (error == null || !error.isObject()) {
                return null;
            }
            return new UpstreamError(error.path("type").asString("api_error"), null,
                    error.path("message").asString(""), null);
        } catch (RuntimeException notJson) {
            return null;
        }
    }
}
