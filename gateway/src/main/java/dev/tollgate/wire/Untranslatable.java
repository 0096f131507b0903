package dev.tollgate.wire;

import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.tollgate.api.ApiError;
import dev.tollgate.call.CanonicalRequest;
import dev.tollgate.call.Message;
import dev.tollgate.call.Part;
import dev.tollgate.call.RawJson;
import dev.tollgate.call.ResponseFormat;
import dev.tollgate.call.ToolDef;
import dev.tollgate.call.WireFormat;

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

    private Untranslatable() {
    }

    /** Null when {@code request} can be written in {@code target}; else the 400 to answer. */
    public static ApiError check(CanonicalRequest request, WireFormat target) {
        if (request.source() == target) {
            return null;
        }
        return switch (target) {
            case ANTHROPIC_MESSAGES -> fromOpenAi(request);
            case OPENAI_CHAT -> fromAnthropic(request);
            case OPENAI_EMBEDDINGS -> ApiError.invalidRequest("unsupported_endpoint", "A "
                    + request.source().displayName() + " call cannot be served by the embeddings API.", "model");
        };
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
