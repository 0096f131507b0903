package dev.tollgate.auth;

/**
 * Who is calling: the gateway key's id (never the key itself), its team, and the optional app. Immutable.
 */
public record Principal(String keyId, String team, String app) {
}
