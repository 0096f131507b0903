package dev.tollgate.call;

/** Counts the prompt tokens of a request (the gateway's estimate, used when a backend reports none). */
@FunctionalInterface
public interface PromptTokenCounter {

    long count(CallRequest request);
}
