package dev.tollgate.wire.openai;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

import dev.tollgate.call.StreamEvent;
import dev.tollgate.call.StreamEvent.Block;
import dev.tollgate.call.TokenCounts;
import dev.tollgate.wire.Ids;
import dev.tollgate.wire.Json;
import dev.tollgate.wire.Sse;
import dev.tollgate.wire.StreamEncoder;
import tools.jackson.core.JsonGenerator;

/**
 * Writes canonical events as {@code chat.completion.chunk} events ({@code data: {...}\n\n}): a first chunk with
 * {@code delta.role}, one chunk per text, reasoning ({@code reasoning_content}) or tool-call delta (the first with
 * the call's index, id, type and name, then argument fragments), a chunk with the {@code finish_reason}, the
 * usage-only chunk (empty {@code choices}) when the client asked for usage, then {@code data: [DONE]}. Signatures and
 * redacted thinking have no place in the format and are left out; pings become SSE comments. An error is written as
 * {@code data: {"error":{...}}}, as OpenAI's SDKs read a failed stream, and ends it. Not thread-safe: one per stream.
 */
public final class OpenAiStreamEncoder implements StreamEncoder {

    private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);

    private final String model;
    private final long created;
    private final boolean clientWantsUsage;
    private String id;
    /** Canonical block index to OpenAI tool-call index. */
    private final Map<Integer, Integer> toolCalls = new HashMap<>();
    private TokenCounts usage = TokenCounts.ZERO;
    private boolean started;
    private boolean done;

    /**
     * @param model            the model name the client is to see
     * @param created          the chunks' {@code created}, in seconds since the epoch
     * @param clientWantsUsage whether to write the usage chunk ({@code stream_options.include_usage})
     */
    public OpenAiStreamEncoder(String model, long created, boolean clientWantsUsage) {
        this.model = model;
        this.created = created;
        this.clientWantsUsage = clientWantsUsage;
    }

    @Override
    public void encode(StreamEvent event, ByteArrayOutputStream out) {
        if (done) {
            return;
        }
        if (event instanceof StreamEvent.MessageStart start) {
            id = Ids.chatCompletionId(start.id());
            usage = start.usage();
            started = true;
            chunk(out, g -> {
                g.writeStringProperty("role", "assistant");
                g.writeStringProperty("content", "");
            }, null);
            return;
        }
        if (!started && !(event instanceof StreamEvent.StreamError) && !(event instanceof StreamEvent.Ping)) {
            encode(new StreamEvent.MessageStart(null, model, TokenCounts.ZERO), out);
        }
        if (event instanceof StreamEvent.BlockStart start && start.block() instanceof Block.ToolUse tool) {
            int index = toolCalls.size();
            toolCalls.put(start.index(), index);
            chunk(out, g -> {
                g.writeArrayPropertyStart("tool_calls");
                g.writeStartObject();
                g.writeNumberProperty("index", index);
                g.writeStringProperty("id", tool.id());
                g.writeStringProperty("type", "function");
                g.writeObjectPropertyStart("function");
                g.writeStringProperty("name", tool.name());
                g.writeStringProperty("arguments", "");
                g.writeEndObject();
                g.writeEndObject();
                g.writeEndArray();
            }, null);
        } else if (event instanceof StreamEvent.TextDelta d) {
            chunk(out, g -> g.writeStringProperty("content", d.text()), null);
        } else if (event instanceof StreamEvent.ThinkingDelta d) {
            chunk(out, g -> g.writeStringProperty("reasoning_content", d.thinking()), null);
        } else if (event instanceof StreamEvent.ToolInputDelta d) {
            Integer index = toolCalls.get(d.index());
            if (index != null && !d.partialJson().isEmpty()) {
                chunk(out, g -> {
                    g.writeArrayPropertyStart("tool_calls");
                    g.writeStartObject();
                    g.writeNumberProperty("index", index);
                    g.writeObjectPropertyStart("function");
                    g.writeStringProperty("arguments", d.partialJson());
                    g.writeEndObject();
                    g.writeEndObject();
                    g.writeEndArray();
                }, null);
            }
        } else if (event instanceof StreamEvent.MessageDelta d) {
            usage = d.usage();
            chunk(out, g -> { }, OpenAiFinishReasons.write(d.stopReason()));
        } else if (event instanceof StreamEvent.MessageStop) {
            if (clientWantsUsage) {
                Sse.writeJson(out, null, g -> {
                    head(g);
                    g.writeArrayPropertyStart("choices");
                    g.writeEndArray();
                    g.writeName("usage");
                    OpenAiUsage.write(g, usage);
                    g.writeEndObject();
                });
            }
            Sse.write(out, null, DONE);
            done = true;
        } else if (event instanceof StreamEvent.Ping) {
            Sse.comment(out, "ping");
        } else if (event instanceof StreamEvent.StreamError e) {
            Sse.write(out, null, OpenAiErrors.toJson(e.type(), e.message()));
            done = true;
        }
    }

    /** One chunk with one choice: {@code delta} written by {@code delta}, and the finish reason (or null). */
    private void chunk(ByteArrayOutputStream out, Consumer<JsonGenerator> delta, String finishReason) {
        Sse.writeJson(out, null, g -> {
            head(g);
            g.writeArrayPropertyStart("choices");
            g.writeStartObject();
            g.writeNumberProperty("index", 0);
            g.writeObjectPropertyStart("delta");
            delta.accept(g);
            g.writeEndObject();
            g.writeNullProperty("logprobs");
            Json.stringOrNull(g, "finish_reason", finishReason);
            g.writeEndObject();
            g.writeEndArray();
            if (clientWantsUsage) {
                g.writeNullProperty("usage");
            }
            g.writeEndObject();
        });
    }

    private void head(JsonGenerator g) {
        g.writeStartObject();
        g.writeStringProperty("id", id);
        g.writeStringProperty("object", "chat.completion.chunk");
        g.writeNumberProperty("created", created);
        g.writeStringProperty("model", model);
    }
}
