package dev.tollgate.it;

import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One answer as Gemini's {@code generateContent} returns it, rendered as the whole {@code GenerateContentResponse}
 * ({@link #json}) or as the chunks of the same answer streamed ({@link #chunks}): first the thought (when there is
 * one), then one chunk per text piece, then the function call (whole, in one part, as Gemini sends it); the last
 * chunk carries the {@code finishReason}. The {@code model} is given at rendering time (Gemini names it in
 * {@code modelVersion}).
 *
 * <p>Usage follows Gemini's accounting: {@code promptTokenCount} is the whole prompt, cached content included
 * ({@code cachedContentTokenCount}); {@code candidatesTokenCount} is the answer without the thoughts
 * ({@code thoughtsTokenCount}); {@code totalTokenCount} is their sum. Counts that are zero are left out, as Gemini
 * does. Every chunk repeats the usage so far (cumulative): the prompt counts in each, the answer's counts growing to
 * the final ones in the last chunk.
 *
 * <p>Immutable and thread-safe.
 */
public record GeminiAnswer(String thought, List<String> pieces, String functionName, String functionArgs,
        String finishReason, long prompt, long cached, long candidates, long thoughts, String responseId) {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    public GeminiAnswer {
        pieces = List.copyOf(pieces);
    }

    /** Text in pieces (one chunk each), {@code STOP}. */
    public static GeminiAnswer text(List<String> pieces, long prompt, long candidates) {
        return new GeminiAnswer(null, pieces, null, null, "STOP", prompt, 0, candidates, 0, "resp-fake-1");
    }

    public static GeminiAnswer text(String text, long prompt, long candidates) {
        return text(List.of(text), prompt, candidates);
    }

    /** A function call (arguments as a JSON object's text), after optional text; {@code STOP}, as Gemini ends it. */
    public static GeminiAnswer functionCall(String name, String argsJson, long prompt, long candidates) {
        return new GeminiAnswer(null, List.of(), name, argsJson, "STOP", prompt, 0, candidates, 0, "resp-fake-2");
    }

    /** The same answer with a thought summary before it, counted as {@code thoughtsTokenCount}. */
    public GeminiAnswer withThought(String text, long thoughtTokens) {
        return new GeminiAnswer(text, pieces, functionName, functionArgs, finishReason, prompt, cached, candidates,
                thoughtTokens, responseId);
    }

    /** The same answer with {@code tokens} of its prompt read from cached content (included in the prompt count). */
    public GeminiAnswer withCached(long tokens) {
        return new GeminiAnswer(thought, pieces, functionName, functionArgs, finishReason, prompt, tokens, candidates,
                thoughts, responseId);
    }

    public GeminiAnswer withFinishReason(String reason) {
        return new GeminiAnswer(thought, pieces, functionName, functionArgs, reason, prompt, cached, candidates,
                thoughts, responseId);
    }

    public String text() {
        return String.join("", pieces);
    }

    /** The whole response body. */
    public String json(String model) {
        List<JsonNode> parts = new ArrayList<>();
        if (thought != null) {
            parts.add(thoughtPart(thought));
        }
        if (!pieces.isEmpty()) {
            parts.add(MAPPER.createObjectNode().put("text", text()));
        }
        if (functionName != null) {
            parts.add(functionPart());
        }
        return response(model, parts, finishReason, candidates, thoughts).toString();
    }

    /** The chunks of the streamed answer, as {@code data:} payloads (JSON, one line each). */
    public List<String> chunks(String model) {
        List<List<JsonNode>> partsPerChunk = new ArrayList<>();
        if (thought != null) {
            partsPerChunk.add(List.of(thoughtPart(thought)));
        }
        for (String piece : pieces) {
            partsPerChunk.add(List.of(MAPPER.createObjectNode().put("text", piece)));
        }
        if (functionName != null) {
            partsPerChunk.add(List.of(functionPart()));
        }
        List<String> out = new ArrayList<>();
        int n = partsPerChunk.size();
        for (int i = 0; i < n; i++) {
            boolean last = i == n - 1;
            // the answer's counts grow with the chunks and reach the final ones in the last
            long candidatesSoFar = last ? candidates : candidates * (i + 1) / n;
            out.add(response(model, partsPerChunk.get(i), last ? finishReason : null, candidatesSoFar, thoughts)
                    .toString());
        }
        return out;
    }

    /** The {@code data:} event of one chunk, as Gemini separates them ({@code \r\n\r\n}). */
    public static String sse(String chunk) {
        return "data: " + chunk + "\r\n\r\n";
    }

    private ObjectNode response(String model, List<JsonNode> parts, String finish, long candidatesSoFar,
            long thoughtsSoFar) {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode candidate = root.putArray("candidates").addObject();
        ObjectNode content = candidate.putObject("content");
        ArrayNode list = content.putArray("parts");
        parts.forEach(list::add);
        content.put("role", "model");
        if (finish != null) {
            candidate.put("finishReason", finish);
        }
        candidate.put("index", 0);
        ObjectNode usage = root.putObject("usageMetadata");
        usage.put("promptTokenCount", prompt);
        if (candidatesSoFar > 0) {
            usage.put("candidatesTokenCount", candidatesSoFar);
        }
        usage.put("totalTokenCount", prompt + candidatesSoFar + thoughtsSoFar);
        if (cached > 0) {
            usage.put("cachedContentTokenCount", cached);
        }
        ArrayNode details = usage.putArray("promptTokensDetails");
        details.addObject().put("modality", "TEXT").put("tokenCount", prompt);
        if (cached > 0) {
            usage.putArray("cacheTokensDetails").addObject().put("modality", "TEXT").put("tokenCount", cached);
        }
        if (thoughtsSoFar > 0) {
            usage.put("thoughtsTokenCount", thoughtsSoFar);
        }
        root.put("modelVersion", model);
        root.put("responseId", responseId);
        return root;
    }

    private static JsonNode thoughtPart(String text) {
        return MAPPER.createObjectNode().put("text", text).put("thought", true);
    }

    private JsonNode functionPart() {
        ObjectNode part = MAPPER.createObjectNode();
        ObjectNode call = part.putObject("functionCall");
        call.put("name", functionName);
        call.set("args", MAPPER.readTree(functionArgs));
        return part;
    }

    /** Google's error body: {@code {"error": {"code", "message", "status", "details"?}}}. */
    public static String errorBody(int code, String status, String message, String retryDelay) {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("code", code);
        error.put("message", message);
        error.put("status", status);
        if (retryDelay != null) {
            ArrayNode details = error.putArray("details");
            ObjectNode quota = details.addObject();
            quota.put("@type", "type.googleapis.com/google.rpc.QuotaFailure");
            quota.putArray("violations").addObject()
                    .put("quotaMetric", "generativelanguage.googleapis.com/generate_content_paid_tier_input_token_count")
                    .put("quotaId", "GenerateContentPaidTierInputTokensPerModelPerMinute");
            details.addObject().put("@type", "type.googleapis.com/google.rpc.Help").putArray("links").addObject()
                    .put("description", "Learn more about Gemini API quotas")
                    .put("url", "https://ai.google.dev/gemini-api/docs/rate-limits");
            details.addObject().put("@type", "type.googleapis.com/google.rpc.RetryInfo").put("retryDelay", retryDelay);
        }
        return root.toString();
    }
}
