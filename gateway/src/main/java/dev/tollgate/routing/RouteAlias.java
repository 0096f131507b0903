package dev.tollgate.routing;

import java.util.Set;

import dev.tollgate.pricing.Capability;
import dev.tollgate.pricing.TaskFamily;

/**
 * A name clients put in {@code model} ({@code auto}, {@code cheap}, ...) that routes over every offering meeting
 * its quality floor. Immutable.
 *
 * @param minQuality           lowest acceptable score (0-100) for the task family
 * @param task                 task family of the floor, or null (the team's, else general)
 * @param expectedOutputTokens output assumed for cost estimates when the request sets no max_tokens
 * @param baselineModel        the model the call would have gone to without Tollgate: its cost is the call's
 *                             counterfactual cost
 * @param require              capabilities every candidate must have
 */
public record RouteAlias(String name, int minQuality, TaskFamily task, int expectedOutputTokens, String baselineModel,
        Set<Capability> require) {
}
