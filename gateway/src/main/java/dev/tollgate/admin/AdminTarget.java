package dev.tollgate.admin;

import java.util.regex.Pattern;

import dev.tollgate.api.ApiError;
import dev.tollgate.budget.Scope;
import dev.tollgate.routing.RoutingRules;

/**
 * What an admin path after {@code /admin/budgets} or {@code /admin/rate-limits} names: a scope and subject
 * ({@code /team/<team>}, {@code /key/<key id>}, {@code /app/<team>/<app>}), and whether it ends in {@code /reset}.
 * Immutable.
 *
 * @param team    the team of a team or app budget; null for a key (its team is in the rules, see {@link #teamIn})
 * @param subject the team id, key id or app name
 */
record AdminTarget(Scope scope, String team, String subject, boolean reset) {

    /** Team and key ids, as the rules allow them. */
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    /** The ledger's app column is 64 characters. */
    static final int MAX_APP_LENGTH = 64;

    /** The id of the budget or limit: {@code team:alpha}, {@code key:alpha-web}, {@code app:alpha/web}. */
    String id() {
        return scope.id(team, subject);
    }

    /**
     * Parses the rest of a path ({@code /team/beta}, {@code /app/alpha/web/reset}); a path of another form is a
     * 404, an unknown scope a 400.
     *
     * @param collection {@code budgets} or {@code rate-limits}, for messages
     * @param allowApp   whether app budgets exist for this collection (rate limits are per team or key)
     */
    static AdminTarget parse(String rest, String collection, boolean allowApp) {
        String path = rest.startsWith("/") ? rest.substring(1) : rest;
        String[] parts = path.split("/", -1);
        Scope scope = switch (parts[0]) {
            case "team" -> Scope.TEAM;
            case "key" -> Scope.KEY;
            case "app" -> allowApp ? Scope.APP : null;
            default -> null;
        };
        if (scope == null) {
            throw ApiError.invalidRequest("invalid_value", "The scope in /admin/" + collection + "/{scope}/... must "
                    + "be " + (allowApp ? "team, key or app" : "team or key") + ", but was '" + parts[0] + "'.",
                    "scope").exception();
        }
        int subjectParts = scope == Scope.APP ? 2 : 1;
        boolean reset = parts.length == 2 + subjectParts && "reset".equals(parts[parts.length - 1]);
        if (parts.length != 1 + subjectParts && !reset) {
            throw ApiError.notFound("not_found", "Unknown admin path /admin/" + collection + rest + ". Expected /admin/"
                    + collection + "/team/<team>, /admin/" + collection + "/key/<key id>"
                    + (allowApp ? " or /admin/" + collection + "/app/<team>/<app>" : "")
                    + ("budgets".equals(collection) ? " (and .../reset to start the current period again)" : "")
                    + ".", null).exception();
        }
        for (int i = 1; i <= subjectParts; i++) {
            if (parts[i].isEmpty()) {
                throw ApiError.notFound("not_found", "Unknown admin path /admin/" + collection + rest
                        + ": an empty segment.", null).exception();
            }
        }
        return switch (scope) {
            case TEAM -> new AdminTarget(scope, parts[1], parts[1], reset);
            case KEY -> new AdminTarget(scope, null, parts[1], reset);
            case APP -> new AdminTarget(scope, parts[1], parts[2], reset);
        };
    }

    /**
     * The team the budget or limit belongs to under {@code rules}: a 404 when the team or key is not there (a
     * budget is set only for a subject the gateway knows), a 400 for an app name the ledger could not record.
     */
    String teamIn(RoutingRules rules) {
        switch (scope) {
            case KEY -> {
                String keyTeam = ID.matcher(subject).matches() ? rules.keyTeams().get(subject) : null;
                if (keyTeam == null) {
                    throw ApiError.notFound("key_not_found", "No gateway key '" + subject + "' in the routing rules "
                            + "(key ids are the keys' 'id' fields, never the keys themselves).", "subject")
                            .exception();
                }
                return keyTeam;
            }
            case APP -> {
                if (subject.length() > MAX_APP_LENGTH || subject.isBlank()
                        || subject.chars().anyMatch(Character::isISOControl)) {
                    throw ApiError.invalidRequest("invalid_value", "An app name must be 1 to " + MAX_APP_LENGTH
                            + " characters without control characters.", "subject").exception();
                }
                return knownTeam(rules);
            }
            default -> {
                return knownTeam(rules);
            }
        }
    }

    private String knownTeam(RoutingRules rules) {
        if (!ID.matcher(team).matches() || !rules.teams().containsKey(team)) {
            throw ApiError.notFound("team_not_found", "No team '" + team + "' in the routing rules.", "subject")
                    .exception();
        }
        return team;
    }
}
