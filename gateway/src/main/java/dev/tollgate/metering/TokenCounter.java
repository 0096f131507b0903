package dev.tollgate.metering;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

import dev.tollgate.api.ChatRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Counts tokens with OpenAI's o200k_base encoding (jtokkit, offline). Exact for current OpenAI models and an
 * estimate for other families; every count made here instead of read from an upstream marks its ledger row
 * {@code estimated}. Message framing follows OpenAI's published counting recipe: 3 tokens per message, 1 per
 * name, 3 to prime the reply; an image part counts as {@value #IMAGE_TOKENS} tokens (OpenAI's low-detail
 * figure). Thread-safe (jtokkit encodings are).
 */
public final class TokenCounter implements ChatRequest.PromptTokenCounter {

    static final int TOKENS_PER_MESSAGE = 3;
    static final int TOKENS_PER_NAME = 1;
    static final int REPLY_PRIMING = 3;
    static final int IMAGE_TOKENS = 85;

    private final Encoding encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    /** Tokens of a piece of text (special tokens counted as text). */
    public int count(String text) {
        return text == null || text.isEmpty() ? 0 : encoding.countTokensOrdinary(text);
    }

    @Override
    public long count(ObjectNode request) {
        long total = REPLY_PRIMING;
        for (JsonNode message : request.path("messages")) {
            total += TOKENS_PER_MESSAGE;
            total += count(message.path("role").asString(""));
            if (message.has("name")) {
                total += TOKENS_PER_NAME + count(message.path("name").asString(""));
            }
            total += contentTokens(message.get("content"));
            JsonNode toolCalls = message.get("tool_calls");
            if (toolCalls != null && toolCalls.isArray()) {
                total += count(toolCalls.toString());
            }
        }
        JsonNode tools = request.get("tools");
        if (tools != null && tools.isArray()) {
            total += count(tools.toString());
        }
        return total;
    }

    private long contentTokens(JsonNode content) {
        if (content == null || content.isNull()) {
            return 0;
        }
        if (content.isString()) {
            return count(content.stringValue());
        }
        long total = 0;
        if (content.isArray()) {
            for (JsonNode part : content) {
                String type = part.path("type").asString("");
                if ("text".equals(type)) {
                    total += count(part.path("text").asString(""));
                } else if (type.startsWith("image")) {
                    total += IMAGE_TOKENS;
                } else {
                    total += count(part.toString());
                }
            }
        }
        return total;
    }
}
