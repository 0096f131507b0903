package dev.tollgate.call;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A call as the gateway understands it, whatever format the client spoke: read by that format's codec, checked by
 * {@code dev.tollgate.wire.Untranslatable} when the backend speaks another format, and written by the backend's codec.
 * Optional settings are null when the client did not send them (so that a writer leaves them to the provider's
 * default). Top-level fields the canonical call does not model are kept in {@code extra}, raw, under their name in
 * the {@code source} format: a writer of that same format writes them back; other formats refuse or drop them, one
 * decision per field, in {@code Untranslatable}. Immutable.
 *
 * @param source          the format the call was read from
 * @param system          system text, in order (OpenAI's system and developer messages, Anthropic's {@code system})
 * @param maxOutputTokens the client's output cap, or null
 * @param stopSequences   empty when none
 * @param clientWantsUsage whether the client asked for usage in a stream (OpenAI {@code stream_options.include_usage};
 *                        always true for Anthropic, whose streams carry it)
 * @param thinking        Anthropic's thinking setting, or null
 * @param effort          reasoning effort: OpenAI's {@code reasoning_effort} or Anthropic's
 *                        {@code output_config.effort}, or null
 * @param user            an id for the end user (OpenAI {@code user}, Anthropic {@code metadata.user_id}), or null
 * @param n               choices to generate (OpenAI), or null
 */
public record CanonicalRequest(
        WireFormat source,
        String model,
        List<Part.Text> system,
        List<Message> messages,
        List<ToolDef> tools,
        ToolChoice toolChoice,
        Boolean parallelToolCalls,
        Integer maxOutputTokens,
        List<String> stopSequences,
        Double temperature,
        Double topP,
        Integer topK,
        boolean stream,
        boolean clientWantsUsage,
        ThinkingConfig thinking,
        String effort,
        ResponseFormat responseFormat,
        String user,
        Integer n,
        Map<String, RawJson> extra) {

    public CanonicalRequest {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(model, "model");
        system = system == null ? List.of() : List.copyOf(system);
        messages = messages == null ? List.of() : List.copyOf(messages);
        tools = tools == null ? List.of() : List.copyOf(tools);
        stopSequences = stopSequences == null ? List.of() : List.copyOf(stopSequences);
        extra = extra == null || extra.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    public static Builder builder(WireFormat source, String model) {
        return new Builder(source, model);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Whether the call offers tools (a routing need). */
    public boolean usesTools() {
        return !tools.isEmpty();
    }

    /** Whether any message (or tool result) holds an image (a routing need). */
    public boolean usesImages() {
        for (Message m : messages) {
            for (Part p : m.content()) {
                if (p instanceof Part.Image) {
                    return true;
                }
                if (p instanceof Part.ToolResult r && r.content().stream().anyMatch(Part.Image.class::isInstance)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether the call asks the model to reason (Anthropic thinking enabled or adaptive, or a reasoning effort other
     * than {@code none}): a routing need, since a model that does not reason refuses such a call. The codecs never
     * refuse it themselves.
     */
    public boolean usesReasoning() {
        return thinking instanceof ThinkingConfig.Budget || thinking instanceof ThinkingConfig.Adaptive
                || effort != null && !effort.equals("none");
    }

    /** Whether the answer must match a JSON schema (a routing need). */
    public boolean usesJsonSchema() {
        return responseFormat != null && responseFormat.kind() == ResponseFormat.Kind.JSON_SCHEMA;
    }

    /** Choices to generate: {@code n}, or 1. */
    public int choices() {
        return n == null ? 1 : n;
    }

    /** Builds a {@link CanonicalRequest}; every setting starts unset. Not thread-safe. */
    public static final class Builder {
        private WireFormat source;
        private String model;
        private List<Part.Text> system = List.of();
        private List<Message> messages = List.of();
        private List<ToolDef> tools = List.of();
        private ToolChoice toolChoice;
        private Boolean parallelToolCalls;
        private Integer maxOutputTokens;
        private List<String> stopSequences = List.of();
        private Double temperature;
        private Double topP;
        private Integer topK;
        private boolean stream;
        private boolean clientWantsUsage;
        private ThinkingConfig thinking;
        private String effort;
        private ResponseFormat responseFormat;
        private String user;
        private Integer n;
        private Map<String, RawJson> extra = new LinkedHashMap<>();

        private Builder(WireFormat source, String model) {
            this.source = source;
            this.model = model;
        }

        private Builder(CanonicalRequest r) {
            this(r.source, r.model);
            system = r.system;
            messages = r.messages;
            tools = r.tools;
            toolChoice = r.toolChoice;
            parallelToolCalls = r.parallelToolCalls;
            maxOutputTokens = r.maxOutputTokens;
            stopSequences = r.stopSequences;
            temperature = r.temperature;
            topP = r.topP;
            topK = r.topK;
            stream = r.stream;
            clientWantsUsage = r.clientWantsUsage;
            thinking = r.thinking;
            effort = r.effort;
            responseFormat = r.responseFormat;
            user = r.user;
            n = r.n;
            extra = new LinkedHashMap<>(r.extra);
        }

        public Builder source(WireFormat v) { source = v; return this; }
        public Builder model(String v) { model = v; return this; }
        public Builder system(List<Part.Text> v) { system = v; return this; }
        public Builder messages(List<Message> v) { messages = v; return this; }
        public Builder tools(List<ToolDef> v) { tools = v; return this; }
        public Builder toolChoice(ToolChoice v) { toolChoice = v; return this; }
        public Builder parallelToolCalls(Boolean v) { parallelToolCalls = v; return this; }
        public Builder maxOutputTokens(Integer v) { maxOutputTokens = v; return this; }
        public Builder stopSequences(List<String> v) { stopSequences = v; return this; }
        public Builder temperature(Double v) { temperature = v; return this; }
        public Builder topP(Double v) { topP = v; return this; }
        public Builder topK(Integer v) { topK = v; return this; }
        public Builder stream(boolean v) { stream = v; return this; }
        public Builder clientWantsUsage(boolean v) { clientWantsUsage = v; return this; }
        public Builder thinking(ThinkingConfig v) { thinking = v; return this; }
        public Builder effort(String v) { effort = v; return this; }
        public Builder responseFormat(ResponseFormat v) { responseFormat = v; return this; }
        public Builder user(String v) { user = v; return this; }
        public Builder n(Integer v) { n = v; return this; }
        public Builder extra(Map<String, RawJson> v) { extra = new LinkedHashMap<>(v); return this; }
        public Builder extra(String name, RawJson value) { extra.put(name, value); return this; }

        public CanonicalRequest build() {
            return new CanonicalRequest(source, model, system, messages, tools, toolChoice, parallelToolCalls,
                    maxOutputTokens, stopSequences, temperature, topP, topK, stream, clientWantsUsage, thinking,
                    effort, responseFormat, user, n, extra);
        }
    }
}
