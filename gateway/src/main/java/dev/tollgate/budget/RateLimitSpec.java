package dev.tollgate.budget;

/**
 * Requests and tokens (input + output) per minute for a team or a key; 0 = no limit of that kind. Immutable.
 */
public record RateLimitSpec(Scope scope, String team, String subject, long requestsPerMinute, long tokensPerMinute) {

    public String id() {
        return scope.id(team, subject);
    }
}
