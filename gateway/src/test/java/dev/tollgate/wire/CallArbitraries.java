package dev.tollgate.wire;

import java.util.ArrayList;
import java.util.List;

import dev.tollgate.call.CacheControl;
import dev.tollgate.call.CanonicalRequest;
import dev.tollgate.call.ImageSource;
import dev.tollgate.call.Message;
import dev.tollgate.call.Part;
import dev.tollgate.call.RawJson;
import dev.tollgate.call.ResponseFormat;
import dev.tollgate.call.Role;
import dev.tollgate.call.ThinkingConfig;
import dev.tollgate.call.ToolChoice;
import dev.tollgate.call.ToolDef;
import dev.tollgate.call.WireFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import tools.jackson.databind.node.ObjectNode;

/**
 * Canonical calls for the round-trip properties, in the form each reader produces (tool results first in their user
 * turn, turns alternating, thinking first in an assistant turn...): {@link #common} holds only what both formats carry,
 * {@link #openAi} and {@link #anthropic} add what only their format carries.
 */
final class CallArbitraries {

    private CallArbitraries() {
    }

    static Arbitrary<String> text() {
        return Arbitraries.strings().withCharRange(' ', '~').withChars('\n', '\t', 'é', 'ü', '中', '\u2028')
                .ofMinLength(1).ofMaxLength(24);
    }

    static Arbitrary<String> name() {
        return Arbitraries.strings().withCharRange('a', 'z').withChars('_').ofMinLength(1).ofMaxLength(12);
    }

    static Arbitrary<String> id(String prefix) {
        return Arbitraries.strings().alpha().numeric().ofMinLength(4).ofMaxLength(16).map(s -> prefix + s);
    }

    /** A small JSON object: string, integer, decimal and boolean values. */
    static Arbitrary<RawJson> jsonObject() {
        Arbitrary<Object> value = Arbitraries.oneOf(text().map(s -> (Object) s),
                Arbitraries.integers().between(-1000, 1000).map(i -> (Object) i),
                Arbitraries.of("0.10", "2.5", "-1e3").map(s -> (Object) new java.math.BigDecimal(s)),
                Arbitraries.of(true, false).map(b -> (Object) b));
        return Arbitraries.maps(name(), value).ofMaxSize(3).map(map -> {
            ObjectNode node = Json.mapper().createObjectNode();
            map.forEach((k, v) -> {
                if (v instanceof String s) {
                    node.put(k, s);
                } else if (v instanceof Integer i) {
                    node.put(k, i);
                } else if (v instanceof java.math.BigDecimal d) {
                    node.put(k, d);
                } else {
                    node.put(k, (Boolean) v);
                }
            });
            return Json.raw(node);
        });
    }

    static Arbitrary<RawJson> schema() {
        return Arbitraries.maps(name(), Arbitraries.of("string", "number", "boolean")).ofMinSize(1).ofMaxSize(3)
                .map(props -> {
                    ObjectNode schema = Json.mapper().createObjectNode();
                    schema.put("type", "object");
                    ObjectNode p = schema.putObject("properties");
                    props.forEach((k, v) -> p.putObject(k).put("type", v));
                    return Json.raw(schema);
                });
    }

    static Arbitrary<Part> image() {
        Arbitrary<ImageSource> source = Arbitraries.oneOf(
                Combinators.combine(Arbitraries.of("image/png", "image/jpeg", "image/webp"),
                        Arbitraries.strings().alpha().numeric().withChars('+', '/').ofMinLength(4).ofMaxLength(32))
                        .as(ImageSource.Base64::new),
                name().map(n -> new ImageSource.Url("https://example.com/" + n + ".png")));
        return source.map(s -> new Part.Image(s, null, null));
    }

    /** What both formats carry; {@code source} only says which format the call claims to come from. */
    static Arbitrary<CanonicalRequest> common(WireFormat source) {
        return Combinators.combine(turns(false, false), systemTexts(), tools(), settings())
                .as((messages, system, tools, settings) -> settings.apply(
                        CanonicalRequest.builder(source, "model-x").messages(messages).system(system), tools, false)
                        .build());
    }

    /** What an OpenAI client may send: the common part, plus reasoning history, effort, n, formats, extras. */
    static Arbitrary<CanonicalRequest> openAi() {
        Arbitrary<ResponseFormat> format = Arbitraries.oneOf(Arbitraries.just(ResponseFormat.TEXT),
                Arbitraries.just(ResponseFormat.JSON_OBJECT),
                Combinators.combine(name(), schema(), Arbitraries.of(Boolean.TRUE, Boolean.FALSE))
                        .as((n, s, strict) -> new ResponseFormat(ResponseFormat.Kind.JSON_SCHEMA, n, null, s, strict)));
        return Combinators.combine(turns(true, false), systemTexts(), tools(), settings(),
                        Arbitraries.of("minimal", "low", "medium", "high").injectNull(0.5), format.injectNull(0.5),
                        Arbitraries.integers().between(1, 4).injectNull(0.5), Arbitraries.integers().between(0, 99)
                                .injectNull(0.5))
                .as((messages, system, tools, settings, effort, rf, n, seed) -> {
                    CanonicalRequest.Builder b = settings.apply(CanonicalRequest.builder(WireFormat.OPENAI_CHAT, "gpt")
                            .messages(messages).system(system), tools, true);
                    b.effort(effort).responseFormat(rf).n(n);
                    if (seed != null) {
                        b.extra("seed", new RawJson(seed.toString()));
                    }
                    return b.build();
                });
    }

    /** What an Anthropic client may send: the common part, plus cache breakpoints, thinking, top_k, extras. */
    static Arbitrary<CanonicalRequest> anthropic() {
        Arbitrary<ThinkingConfig> thinking = Arbitraries.oneOf(Arbitraries.just(ThinkingConfig.DISABLED),
                Arbitraries.just(ThinkingConfig.ADAPTIVE),
                Arbitraries.integers().between(1024, 4000).map(ThinkingConfig.Budget::new));
        return Combinators.combine(turns(false, true), systemTexts().map(CallArbitraries::cacheLast), tools(),
                        settings(), thinking.injectNull(0.5), Arbitraries.of("low", "high", "max").injectNull(0.6),
                        Arbitraries.integers().between(0, 100).injectNull(0.6),
                        Arbitraries.of("auto", "standard_only").injectNull(0.7))
                .as((messages, system, tools, settings, th, effort, topK, tier) -> {
                    CanonicalRequest.Builder b = settings.apply(CanonicalRequest.builder(WireFormat.ANTHROPIC_MESSAGES,
                            "claude").messages(messages).system(system), tools, false);
                    b.thinking(th).effort(effort).topK(topK).clientWantsUsage(true).maxOutputTokens(8000);
                    if (tier != null) {
                        b.extra("service_tier", new RawJson("\"" + tier + "\""));
                    }
                    return b.build();
                });
    }

    private static List<Part.Text> cacheLast(List<Part.Text> system) {
        if (system.isEmpty()) {
            return system;
        }
        List<Part.Text> out = new ArrayList<>(system);
        out.set(out.size() - 1, new Part.Text(out.get(out.size() - 1).text(), new CacheControl("ephemeral", "1h")));
        return out;
    }

    private static Arbitrary<List<Part.Text>> systemTexts() {
        return text().map(Part.Text::of).list().ofMaxSize(2);
    }

    private static Arbitrary<List<ToolDef>> tools() {
        return Combinators.combine(name(), text().injectNull(0.3), schema(),
                        Arbitraries.of(Boolean.TRUE, Boolean.FALSE).injectNull(0.6))
                .as((n, d, s, strict) -> (ToolDef) new ToolDef.Function(n, d, s, strict, null))
                .list().ofMaxSize(2).uniqueElements(ToolDef::name);
    }

    /** Settings, applied given the tools (a tool choice needs tools). */
    @FunctionalInterface
    interface Settings {
        CanonicalRequest.Builder apply(CanonicalRequest.Builder b, List<ToolDef> tools, boolean openAi);
    }

    private static Arbitrary<Settings> settings() {
        Arbitrary<Double> unit = Arbitraries.integers().between(0, 100).map(i -> i / 100.0);
        return Combinators.combine(Arbitraries.integers().between(1, 8000), text().list().ofMaxSize(4),
                        unit.injectNull(0.5), unit.injectNull(0.5), Arbitraries.of(true, false),
                        Arbitraries.of(0, 1, 2, 3, 4), Arbitraries.of(true, false), name().injectNull(0.5))
                .as((cap, stops, temperature, topP, stream, choice, noParallel, user) -> (b, tools, openAi) -> {
                    b.maxOutputTokens(cap).stopSequences(stops).temperature(temperature).topP(topP).stream(stream)
                            .user(user).tools(tools).clientWantsUsage(openAi && stream);
                    if (!tools.isEmpty() && choice > 0) {
                        ToolChoice c = switch (choice) {
                            case 1 -> ToolChoice.AUTO;
                            case 2 -> ToolChoice.ANY;
                            case 3 -> ToolChoice.NONE;
                            default -> ToolChoice.tool(tools.get(0).name());
                        };
                        b.toolChoice(c);
                        if (noParallel && c.kind() != ToolChoice.Kind.NONE) {
                            b.parallelToolCalls(false);
                        }
                    }
                    return b;
                });
    }

    /**
     * Alternating turns from a user turn. An assistant turn: optional reasoning (unsigned for OpenAI, signed and
     * redacted for Anthropic), texts, tool uses. A user turn: results for the previous turn's tool uses first, then
     * texts and images (Anthropic also: images in results, error flags, cache breakpoints, documents).
     */
    private static Arbitrary<List<Message>> turns(boolean openAiExtras, boolean anthropicExtras) {
        Arbitrary<Part> userPart = Arbitraries.oneOf(text().map(Part.Text::of), image());
        Arbitrary<List<Part>> userParts = userPart.list().ofMinSize(1).ofMaxSize(3);
        Arbitrary<Part.ToolUse> toolUse = Combinators.combine(id("call_"), name(), jsonObject())
                .as((i, n, in) -> new Part.ToolUse(i, n, in, null));
        Arbitrary<List<Part>> assistantParts = Combinators.combine(text().map(Part.Text::of).list().ofMaxSize(2),
                        toolUse.list().ofMaxSize(2).uniqueElements(Part.ToolUse::id), text().injectNull(0.5),
                        Arbitraries.strings().alpha().ofMinLength(8).ofMaxLength(12))
                .as((texts, uses, reasoning, signature) -> {
                    List<Part> parts = new ArrayList<>();
                    if (reasoning != null && openAiExtras) {
                        parts.add(new Part.Thinking(reasoning, null));
                    }
                    if (reasoning != null && anthropicExtras) {
                        parts.add(new Part.Thinking(reasoning, signature));
                        parts.add(new Part.RedactedThinking(signature));
                    }
                    parts.addAll(texts);
                    parts.addAll(uses);
                    if (parts.isEmpty()) {
                        parts.add(Part.Text.of("ok"));
                    }
                    return parts;
                });
        Arbitrary<List<Part>> resultContent = anthropicExtras
                ? Arbitraries.oneOf(text().map(Part.Text::of), image()).list().ofMinSize(1).ofMaxSize(2)
                : text().map(t -> (Part) Part.Text.of(t)).list().ofMinSize(1).ofMaxSize(2);
        Arbitrary<Boolean> flag = anthropicExtras ? Arbitraries.of(true, false) : Arbitraries.just(false);
        Part document = new Part.Opaque("document", new RawJson(
                "{\"type\":\"document\",\"source\":{\"type\":\"url\",\"url\":\"https://example.com/a.pdf\"}}"));
        return Combinators.combine(userParts.list().ofMinSize(1).ofMaxSize(3),
                        assistantParts.list().ofMaxSize(2), resultContent.list().ofSize(4), flag.list().ofSize(4),
                        anthropicExtras ? Arbitraries.of(true, false) : Arbitraries.just(false))
                .as((users, assistants, results, errors, extras) -> {
                    List<Message> out = new ArrayList<>();
                    List<Part.ToolUse> pending = List.of();
                    for (int turn = 0; turn < users.size(); turn++) {
                        List<Part> parts = new ArrayList<>();
                        for (int k = 0; k < pending.size(); k++) {
                            parts.add(new Part.ToolResult(pending.get(k).id(), results.get(k), errors.get(k),
                                    extras && k == 0 ? CacheControl.EPHEMERAL : null));
                        }
                        parts.addAll(users.get(turn));
                        if (extras && turn == 0) {
                            parts.add(document);
                        }
                        out.add(new Message(Role.USER, parts));
                        if (turn < assistants.size()) {
                            List<Part> a = assistants.get(turn);
                            out.add(new Message(Role.ASSISTANT, a));
                            pending = a.stream().filter(Part.ToolUse.class::isInstance).map(Part.ToolUse.class::cast)
                                    .toList();
                        } else {
                            break;
                        }
                    }
                    return out;
                });
    }
}
