package dev.tollgate.routing;

/** An offering of the requested model that was not eligible, and why. Immutable. */
public record Exclusion(String provider, String model, String reason) {
}
