package dev.tollgate.wire.openai;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

import com.openai.core.ObjectMappers;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;

import dev.tollgate.wire.Transcripts;

/**
 * The official OpenAI Java SDK's own models, to check that what the codecs write is what the SDK reads: each body is
 * parsed with the SDK's mapper and validated (required fields present, types right).
 */
final class OpenAiSdk {

    private OpenAiSdk() {
    }

    static ChatCompletionCreateParams.Body request(byte[] json) {
        return read(json, ChatCompletionCreateParams.Body.class).validate();
    }

    static ChatCompletion completion(byte[] json) {
        return read(json, ChatCompletion.class).validate();
    }

    static ChatCompletionChunk chunk(String json) {
        return read(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), ChatCompletionChunk.class).validate();
    }

    /**
     * Reads an SSE stream the way the SDK's streaming client does (each {@code data:} payload a chunk until
     * {@code [DONE]}), accumulating the chunks into the completion the SDK would hand its user.
     */
    static ChatCompletion accumulate(String sse) {
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        List<String[]> events = Transcripts.parse(sse);
        boolean done = false;
        for (String[] event : events) {
            if (done) {
                throw new AssertionError("an event after [DONE]: " + event[1]);
            }
            if (event[1].equals("[DONE]")) {
                done = true;
                continue;
            }
            accumulator.accumulate(chunk(event[1]));
        }
        if (!done) {
            throw new AssertionError("no [DONE]");
        }
        return accumulator.chatCompletion();
    }

    private static <T> T read(byte[] json, Class<T> type) {
        try {
            return ObjectMappers.jsonMapper().readValue(json, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
