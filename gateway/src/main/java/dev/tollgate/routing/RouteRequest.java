package dev.tollgate.routing;

import java.math.BigDecimal;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;

import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.Capability;
import dev.tollgate.pricing.TaskFamily;

/**
 * What the decision needs from a request: its features and the tightenings its headers ask for. Headers can only
 * tighten the team's policy: a higher quality floor, a task family, a cost ceiling. {@code promptTokens} is asked
 * only when a candidate's estimate or the context check needs it (the tokenizer is not free), and must return the
 * same value every time. Immutable.
 *
 * @param model           the {@code model} field as the client sent it (a model id or an alias)
 * @param pinnedProvider  a provider the client asked for ({@code x-tollgate-provider}), or null
 * @param maxOutputTokens the request's output cap, or null
 * @param stream          whether the client asked for a stream
 * @param needs           capabilities the request uses (tools, images, JSON schema output)
 * @param team            the caller's team (its policy applies), or null
 * @param minQuality      {@code x-tollgate-min-quality}, or null
 * @param task            {@code x-tollgate-task}, or null
 * @param maxCostUsd      {@code x-tollgate-max-cost-usd}, or null
 * @param choices         {@code n}: choices generated, each billed (estimates count the output once per choice)
 * @param format          the wire format the client used
 * @param untranslatable  why a backend speaking another format cannot serve the request (a field that format cannot
 *                        carry), or null when it can; asked only for such backends, and must answer the same every
 *                        time
 */
public record RouteRequest(String model, String pinnedProvider, LongSupplier promptTokens, Integer maxOutputTokens,
        boolean stream, Set<Capability> needs, String team, Integer minQuality, TaskFamily task,
        BigDecimal maxCostUsd, int choices, WireFormat format, Function<WireFormat, String> untranslatable) {

    public RouteRequest {
        if (choices < 1) {
            throw new IllegalArgumentException("choices must be >= 1, but was " + choices);
        }
    }

    /** A request in OpenAI's format. */
    public RouteRequest(String model, String pinnedProvider, LongSupplier promptTokens, Integer maxOutputTokens,
            boolean stream, Set<Capability> needs, String team, Integer minQuality, TaskFamily task,
            BigDecimal maxCostUsd, int choices) {
        this(model, pinnedProvider, promptTokens, maxOutputTokens, stream, needs, team, minQuality, task, maxCostUsd,
                choices, WireFormat.OPENAI_CHAT, other -> null);
    }

    /** Why a backend speaking {@code backend} cannot serve the request, or null when it can. */
    public String untranslatableTo(WireFormat backend) {
        return backend == format ? null : untranslatable.apply(backend);
    }

    public RouteRequest(String model, String pinnedProvider, LongSupplier promptTokens, Integer maxOutputTokens,
            boolean stream) {
        this(model, pinnedProvider, promptTokens, maxOutputTokens, stream, Set.of(), null, null, null, null, 1);
    }

    /** The same request with header tightenings and the caller's team. */
    public RouteRequest with(Set<Capability> needs, String team, Integer minQuality, TaskFamily task,
            BigDecimal maxCostUsd) {
        return new RouteRequest(model, pinnedProvider, promptTokens, maxOutputTokens, stream, needs, team, minQuality,
                task, maxCostUsd, choices, format, untranslatable);
    }

    /** The same request in {@code format}, with the reason a backend of another format cannot serve it. */
    public RouteRequest withFormat(WireFormat format, Function<WireFormat, String> untranslatable) {
        return new RouteRequest(model, pinnedProvider, promptTokens, maxOutputTokens, stream, needs, team, minQuality,
                task, maxCostUsd, choices, format, untranslatable);
    }

    /** The same request asking for {@code n} choices. */
    public RouteRequest withChoices(int n) {
        return new RouteRequest(model, pinnedProvider, promptTokens, maxOutputTokens, stream, needs, team, minQuality,
                task, maxCostUsd, n, format, untranslatable);
    }
}
