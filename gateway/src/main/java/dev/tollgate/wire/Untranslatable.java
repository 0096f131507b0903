package dev.tollgate.wire;

import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.tollgate.api.ApiError;
import dev.tollgate.call.CanonicalRequest;
import dev.tollgate.call.ImageSource;
import dev.tollgate.call.Message;
import dev.tollgate.call.Part;
import dev.tollgate.call.RawJson;
import dev.tollgate.call.ResponseFormat;
import dev.tollgate.call.ToolDef;
import dev.tollgate.call.WireFormat;
import dev.tollgate.wire.gemini.GeminiSchemas;

/**
 * What cannot be translated, decided in one place, field by field: a call read from one format is checked here
 * before it is written in another. A field is translated when the target format has the same meaning for it (the
 * writers do that), dropped when leaving it out does not change the answer (cache breakpoints, storage and billing
 * hints, thinking blocks of the history, a tool result's error flag), and refused otherwise, with a 400 naming the
 * field (in the client's path style) and the target format. Sent at its default value, a field the target lacks is
 * not refused ({@code logprobs: false}, {@code presence_penalty: 0}...). A call that uses reasoning is not refused:
 * whether the target model reasons is the router's decision ({@link CanonicalRequest#usesReasoning()}). Stateless.
 */
public final class Untranslatable {

    /** The error code of a refusal. */
    public static final String CODE = "unsupported_parameter";

    /** OpenAI fields with no effect on the answer, dropped towards Anthropic. */
    private static final Set<String> OPENAI_DROPPED = Set.of("store", "metadata", "service_tier",
            "prompt_cache_key", "safety_identifier", "prompt_cache_retention");

    /** Anthropic fields with no effect on the answer, dropped towards OpenAI. */
    private static final Set<String> ANTHROPIC_DROPPED = Set.of("service_tier");

    /** Anthropic allows any number of stop sequences; OpenAI at most this many. */
    public static final int OPENAI_MAX_STOP = 4;

    /** Gemini takes at most this many stop sequences. */
    public static final int GEMINI_MAX_STOP = 5;

    private Untranslatable() {
    }

    /** Null when {@code request} can be written in {@code target}; else the 400 to answer. */
    public static ApiError check(CanonicalRequest request, WireFormat target) {
        if (request.source() == target) {
            return null;
        }
        if (request.source() == WireFormat.OPENAI_RESPONSES && target != WireFormat.OPENAI_EMBEDDINGS) {
            ApiError refused = fromResponses(request, target);
            return refused != null || target != WireFormat.GEMINI ? refused : toGemini(request);
        }
        return switch (target) {
            case ANTHROPIC_MESSAGES -> fromOpenAi(request);
            case OPENAI_CHAT -> fromAnthropic(request);
            case GEMINI -> toGemini(request);
            case OPENAI_RESPONSES -> never(request, target);
            case OPENAI_EMBEDDINGS -> ApiError.invalidRequest("unsupported_endpoint", "A "
                    + request.source().displayName() + " call cannot be served by the embeddings API.", "model");
        };
    }

    /**
     * Towards Gemini, from any client format (a Responses call has had {@link #fromResponses} first). Refused: {@code n} above 1 (the translated answer carries one
     * choice; Gemini would bill every candidate), more than {@value #GEMINI_MAX_STOP} stop sequences,
     * {@code parallel_tool_calls: false} (Gemini cannot be told to call one function at a time), server tools and
     * untranslatable parts, images given by URL (Gemini's {@code fileData} takes only files uploaded to Google; send
     * the image inline as base64), images inside a tool result, a tool result whose call is not in the history
     * (Gemini matches results to calls by function name), and a JSON schema (tool parameters or structured output)
     * with a keyword Gemini cannot take ({@link GeminiSchemas}). Dropped: the end-user id and the fields each source
     * format drops towards the others. A Responses call's fields are named {@code input} for its items and
     * {@code text.format.schema}, {@code tools[i].parameters} for its schemas.
     */
    private static ApiError toGemini(CanonicalRequest r) {
        WireFormat target = WireFormat.GEMINI;
        boolean responses = r.source() == WireFormat.OPENAI_RESPONSES;
        boolean openAi = r.source() == WireFormat.OPENAI_CHAT || responses;
        if (r.n() != null && r.n() > 1) {
            return refuse("n", target, "the gateway returns one answer per call from it; send " + r.n()
                    + " calls instead");
        }
        if (r.stopSequences().size() > GEMINI_MAX_STOP) {
            return refuse(openAi ? "stop" : "stop_sequences", target, "it takes at most " + GEMINI_MAX_STOP
                    + " stop sequences, but " + r.stopSequences().size() + " were sent");
        }
        if (Boolean.FALSE.equals(r.parallelToolCalls()) && !r.tools().isEmpty()) {
            return refuse(openAi ? "parallel_tool_calls" : "tool_choice.disable_parallel_tool_use", target,
                    "it cannot be told to call one function at a time");
        }
        ResponseFormat format = r.responseFormat();
        if (format != null && format.kind() == ResponseFormat.Kind.JSON_SCHEMA) {
            String bad = GeminiSchemas.problem(format.schema());
            if (bad != null) {
                return refuseSchema(responses ? "text.format.schema" : openAi ? "response_format.json_schema.schema"
                        : "output_config.format.schema", bad, target);
            }
        }
        for (int i = 0; i < r.tools().size(); i++) {
            String at = openAi ? "tools[" + i + "]" : "tools." + i;
            if (r.tools().get(i) instanceof ToolDef.Opaque o) {
                return refuse(at, target, "only function tools translate, not '" + o.type() + "'");
            }
            ToolDef.Function f = (ToolDef.Function) r.tools().get(i);
            String bad = f.inputSchema().equals(RawJson.EMPTY_OBJECT) ? null : GeminiSchemas.problem(f.inputSchema());
            if (bad != null) {
                return refuseSchema(at + (responses ? ".parameters" : openAi ? ".function.parameters"
                        : ".input_schema"), bad, target);
            }
        }
        String path = openAi ? "messages[%d].content[%d]" : "messages.%d.content.%d";
        Set<String> calls = new java.util.HashSet<>();
        for (int i = 0; i < r.messages().size(); i++) {
            List<Part> content = r.messages().get(i).content();
            for (int j = 0; j < content.size(); j++) {
                Part p = content.get(j);
                String at = responses ? "input" : String.format(path, i, j);
                if (p instanceof Part.Opaque o) {
                    return refuse(at, target, "'" + o.type() + "' content does not translate");
                }
                if (p instanceof Part.Image image && image.source() instanceof ImageSource.Url) {
                    return refuse(responses ? at : at + (openAi ? ".image_url.url" : ".source.url"), target,
                            "it takes images inline only (base64 data), not by URL");
                }
                if (p instanceof Part.ToolUse use) {
                    calls.add(use.id());
                }
                if (p instanceof Part.ToolResult result) {
                    if (!calls.contains(result.toolUseId())) {
                        return refuse(at, target, "it matches a tool result to its call by the function's name, and "
                                + "no earlier tool call has the id '" + result.toolUseId() + "'");
                    }
                    for (int k = 0; k < result.content().size(); k++) {
                        Part inner = result.content().get(k);
                        if (!(inner instanceof Part.Text)) {
                            return refuse(responses ? at : at + (openAi ? ".content[" + k + "]" : ".content." + k),
                                    target,
                                    "a tool result may only hold text there, not " + kind(inner));
                        }
                    }
                }
            }
        }
        // a Responses call's own fields were judged by fromResponses
        for (Map.Entry<String, RawJson> e : responses ? Map.<String, RawJson>of().entrySet() : r.extra().entrySet()) {
            String name = e.getKey();
            boolean dropped = openAi ? OPENAI_DROPPED.contains(name) || isDefault(name, e.getValue().json())
                    : ANTHROPIC_DROPPED.contains(name);
            if (!dropped) {
                return refuse(name, target, "it has no such parameter");
            }
        }
        return null;
    }

    /**
     * A pair the gateway never translates: a backend speaks the Responses API only to Responses calls
     * ({@link WireFormat#forCall}).
     */
    private static ApiError never(CanonicalRequest r, WireFormat target) {
        return ApiError.invalidRequest(CODE, "A " + r.source().displayName() + " call cannot be translated to "
                + target.displayName() + ".", null);
    }

    /**
     * A Responses call towards Chat Completions, Anthropic Messages or Gemini. State stored at OpenAI ({@code store: true},
     * {@code previous_response_id}, {@code conversation}, a stored {@code prompt}, {@code background} runs) exists
     * only there, and so do built-in tools and files: refused, naming the field. Fields with no effect on the answer
     * are dropped ({@code store: false}, {@code metadata}, {@code service_tier}, {@code prompt_cache_key},
     * {@code safety_identifier}, {@code truncation: "disabled"}, {@code stream_options}, {@code reasoning.summary},
     * {@code max_tool_calls});
     * towards Anthropic, the same rules as for a Chat Completions call (temperature, response format).
     */
    private static ApiError fromResponses(CanonicalRequest r, WireFormat target) {
        if (target == WireFormat.OPENAI_RESPONSES) {
            return null;
        }
        for (Map.Entry<String, RawJson> e : r.extra().entrySet()) {
            String name = e.getKey();
            String json = e.getValue().json();
            String why = switch (name) {
                case "store" -> json.equals("true") ? "stored responses live at OpenAI; send store: false, or "
                        + "call a model an OpenAI backend serving the Responses API offers" : null;
                case "previous_response_id", "conversation", "prompt" -> "it refers to state stored at OpenAI; "
                        + "send the whole conversation in input, or call a model an OpenAI backend serving the "
                        + "Responses API offers";
                case "background" -> json.equals("false") ? null : "background responses run at OpenAI only";
                case "include" -> json.equals("[]") ? null : "it asks for data only OpenAI's Responses API adds";
                case "truncation" -> json.equals("\"disabled\"") ? null : "it has no automatic truncation";
                case "text.verbosity" -> json.equals("\"medium\"") ? null : "it has no verbosity setting";
                case "tool_choice" -> "only none, auto, required and a function translate";
                case "metadata", "service_tier", "prompt_cache_key", "safety_identifier", "prompt_cache_retention",
                        "stream_options", "reasoning.summary" -> null;
                case "top_logprobs" -> isDefault(name, json) ? null : "it has no such parameter";
                case "max_tool_calls" -> null; // limits built-in tool calls, which never translate
                default -> "it has no such parameter";
            };
            if (why != null) {
                return refuse(name, target, why);
            }
        }
        for (int i = 0; i < r.tools().size(); i++) {
            if (r.tools().get(i) instanceof ToolDef.Opaque o) {
                return refuse("tools[" + i + "]", target, "built-in tools such as '" + o.type()
                        + "' run at OpenAI only; only function tools translate");
            }
        }
        for (Message m : r.messages()) {
            for (Part p : m.content()) {
                String type = p instanceof Part.Opaque o ? o.type() : p instanceof Part.ToolResult result
                        ? result.content().stream().filter(Part.Opaque.class::isInstance)
                                .map(q -> ((Part.Opaque) q).type()).findFirst().orElse(null) : null;
                if (type != null) {
                    return refuse("input", target, "'" + type + "' items and content (files, file ids, built-in "
                            + "tool calls, item references) do not translate");
                }
                if (p instanceof Part.ToolResult result && target == WireFormat.OPENAI_CHAT
                        && result.content().stream().anyMatch(q -> !(q instanceof Part.Text))) {
                    return refuse("input", target, "a function_call_output may only hold text there, not an image");
                }
            }
        }
        if (target == WireFormat.ANTHROPIC_MESSAGES) {
            if (r.temperature() != null && r.temperature() > 1) {
                return refuse("temperature", target, "it accepts 0 to 1, but was " + r.temperature());
            }
            if (r.responseFormat() != null && r.responseFormat().kind() != ResponseFormat.Kind.TEXT) {
                return refuse("text.format", target, "it has no " + (r.responseFormat().kind()
                        == ResponseFormat.Kind.JSON_OBJECT ? "json_object" : "json_schema") + " response format");
            }
        }
        return null;
    }

    /** A schema at {@code field} with a keyword Gemini cannot take at {@code bad} (its path, "" for the root). */
    private static ApiError refuseSchema(String field, String bad, WireFormat target) {
        if (bad.isEmpty()) {
            return refuse(field, target, "the schema must be a JSON object");
        }
        return refuse(field + bad, target, "its JSON Schema subset has no '" + bad.substring(bad.lastIndexOf('.')
                + 1) + "' (annotations such as default and examples are dropped, const is sent as enum; constraints "
                + "it cannot enforce are refused)");
    }

    private static ApiError fromOpenAi(CanonicalRequest r) {
        WireFormat target = WireFormat.ANTHROPIC_MESSAGES;
        if (r.n() != null && r.n() > 1) {
            return refuse("n", target, "it returns one answer per call; send " + r.n() + " calls instead");
        }
        if (r.temperature() != null && r.temperature() > 1) {
            return refuse("temperature", target, "it accepts 0 to 1, but was " + r.temperature());
        }
        if (r.responseFormat() != null && r.responseFormat().kind() != ResponseFormat.Kind.TEXT) {
            return refuse("response_format", target, "it has no " + (r.responseFormat().kind()
                    == ResponseFormat.Kind.JSON_OBJECT ? "json_object" : "json_schema") + " response format");
        }
        for (int i = 0; i < r.tools().size(); i++) {
            if (r.tools().get(i) instanceof ToolDef.Opaque o) {
                return refuse("tools[" + i + "]", target, "only function tools translate, not '" + o.type() + "'");
            }
        }
        ApiError parts = parts(r.messages(), target, "messages[%d].content[%d]");
        if (parts != null) {
            return parts;
        }
        for (Map.Entry<String, RawJson> e : r.extra().entrySet()) {
            String name = e.getKey();
            if (!OPENAI_DROPPED.contains(name) && !isDefault(name, e.getValue().json())) {
                return refuse(name, target, "it has no such parameter");
            }
        }
        return null;
    }

    private static ApiError fromAnthropic(CanonicalRequest r) {
        WireFormat target = WireFormat.OPENAI_CHAT;
        if (r.topK() != null) {
            return refuse("top_k", target, "it has no top_k sampling");
        }
        if (r.stopSequences().size() > OPENAI_MAX_STOP) {
            return refuse("stop_sequences", target, "it takes at most " + OPENAI_MAX_STOP + " stop sequences, but "
                    + r.stopSequences().size() + " were sent");
        }
        for (int i = 0; i < r.tools().size(); i++) {
            if (r.tools().get(i) instanceof ToolDef.Opaque o) {
                return refuse("tools." + i, target, "server tools such as '" + o.type() + "' run at Anthropic only");
            }
        }
        ApiError parts = parts(r.messages(), target, "messages.%d.content.%d");
        if (parts != null) {
            return parts;
        }
        for (Map.Entry<String, RawJson> e : r.extra().entrySet()) {
            if (!ANTHROPIC_DROPPED.contains(e.getKey())) {
                return refuse(e.getKey(), target, "it has no such parameter");
            }
        }
        return null;
    }

    /** The first part of the history that cannot be written in {@code target}. */
    private static ApiError parts(List<Message> messages, WireFormat target, String path) {
        for (int i = 0; i < messages.size(); i++) {
            List<Part> content = messages.get(i).content();
            for (int j = 0; j < content.size(); j++) {
                Part p = content.get(j);
                String at = String.format(path, i, j);
                if (p instanceof Part.Opaque o) {
                    return refuse(at, target, "'" + o.type() + "' content does not translate");
                }
                if (p instanceof Part.ToolResult result && target == WireFormat.OPENAI_CHAT) {
                    for (int k = 0; k < result.content().size(); k++) {
                        Part inner = result.content().get(k);
                        if (!(inner instanceof Part.Text)) {
                            return refuse(at + ".content." + k, target, "a tool result may only hold text there, not "
                                    + kind(inner));
                        }
                    }
                }
            }
        }
        return null;
    }

    private static String kind(Part p) {
        if (p instanceof Part.Image) {
            return "an image";
        }
        return p instanceof Part.Opaque o ? "'" + o.type() + "' content" : p.getClass().getSimpleName();
    }

    /** Whether an OpenAI field the target lacks was sent at a value that asks for nothing. */
    private static boolean isDefault(String name, String json) {
        return switch (name) {
            case "logprobs" -> json.equals("false");
            case "top_logprobs", "presence_penalty", "frequency_penalty" -> json.matches("0(\\.0+)?");
            case "logit_bias" -> json.equals("{}");
            case "modalities" -> json.equals("[\"text\"]");
            default -> false;
        };
    }

    private static ApiError refuse(String field, WireFormat target, String why) {
        return ApiError.invalidRequest(CODE, field + " cannot be translated to " + target.displayName()
                + ", the format of the backend chosen for this model: " + why + ".", field);
    }
}
