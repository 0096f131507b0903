package dev.tollgate.metering;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

import dev.tollgate.call.CallRequest;
import dev.tollgate.call.TextTokenCounter;

/**
 * Counts tokens with OpenAI's o200k_base encoding (jtokkit, offline). Exact for current OpenAI models and an
 * estimate for other families; every count made here instead of read from an upstream marks its ledger row
 * {@code estimated}. Message framing follows OpenAI's published counting recipe: 3 tokens per message, 1 per
 * name, 3 to prime the reply; an image part counts as {@value #IMAGE_TOKENS} tokens (OpenAI's low-detail
 * figure). Thread-safe (jtokkit encodings are).
 */
public final class TokenCounter implements TextTokenCounter {

    static final int TOKENS_PER_MESSAGE = 3;
    static final int TOKENS_PER_NAME = 1;
    static final int REPLY_PRIMING = 3;
    static final int IMAGE_TOKENS = 85;

    private final Encoding encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    /** Tokens of a piece of text (special tokens counted as text). */
    @Override
    public int count(String text) {
        return text == null || text.isEmpty() ? 0 : encoding.countTokensOrdinary(text);
    }

    @Override
    public long count(CallRequest request) {
        long[] total = {REPLY_PRIMING};
        request.walkPrompt(new CallRequest.PromptVisitor() {
            @Override
            public void message(String role, String name) {
                total[0] += TOKENS_PER_MESSAGE + count(role);
                if (name != null) {
                    total[0] += TOKENS_PER_NAME + count(name);
                }
            }

            @Override
            public void text(String text) {
                total[0] += count(text);
            }

            @Override
            public void image() {
                total[0] += IMAGE_TOKENS;
            }

            @Override
            public void json(String json) {
                total[0] += count(json);
            }
        });
        return total[0];
    }
}
