package dev.tollgate.budget;

import java.util.Locale;

/** Whose budget or rate limit: a team's, one gateway key's, or one app's within a team. */
public enum Scope {
    TEAM, KEY, APP;

    private final String label = name().toLowerCase(Locale.ROOT);

    public String label() {
        return label;
    }

    /** The id of a budget or limit of this scope: {@code team:alpha}, {@code key:alpha-web}, {@code app:alpha/web}. */
    public String id(String team, String subject) {
        return switch (this) {
            case TEAM -> "team:" + team;
            case KEY -> "key:" + subject;
            case APP -> "app:" + team + "/" + subject;
        };
    }
}
