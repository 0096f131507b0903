package dev.tollgate.wire.anthropic;

import java.io.ByteArrayOutputStream;
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
 * Writes canonical events as a Messages event stream, each as {@code event: <type>\ndata: <json>\n\n}:
 * {@code message_start} (a message with empty content and the usage known so far), {@code content_block_start},
 * {@code content_block_delta} ({@code text_delta}, {@code input_json_delta}, {@code thinking_delta},
 * {@code signature_delta}), {@code content_block_stop}, {@code message_delta} (stop reason, stop sequence and the
 * cumulative usage, input and cache counts included, since a translated stream learns them only at its end),
 * {@code message_stop}, {@code ping}, {@code error}. Not thread-safe: one per stream.
 */
public final class AnthropicStreamEncoder implements StreamEncoder {

    private final String model;
    private boolean started;
    private boolean done;

    /** @param model the model name the client is to see */
    public AnthropicStreamEncoder(String model) {
        this.model = model;
    }

    @Override
    public void encode(StreamEvent event, ByteArrayOutputStream out) {
        if (done) {
            return;
        }
        if (event instanceof StreamEvent.MessageStart start) {
            started = true;
            write(out, "message_start", g -> {
                g.writeObjectPropertyStart("message");
                g.writeStringProperty("id", Ids.messageId(start.id()));
                g.writeStringProperty("type", "message");
                g.writeStringProperty("role", "assistant");
                g.writeStringProperty("model", model);
                g.writeArrayPropertyStart("content");
                g.writeEndArray();
                g.writeNullProperty("stop_reason");
                g.writeNullProperty("stop_sequence");
                g.writeName("usage");
                AnthropicUsage.write(g, start.usage());
                g.writeEndObject();
            });
            return;
        }
        if (!started && !(event instanceof StreamEvent.StreamError) && !(event instanceof StreamEvent.Ping)) {
            encode(new StreamEvent.MessageStart(null, model, TokenCounts.ZERO), out);
        }
        if (event instanceof StreamEvent.BlockStart s) {
            write(out, "content_block_start", g -> {
                g.writeNumberProperty("index", s.index());
                g.writeName("content_block");
                block(g, s.block());
            });
        } else if (event instanceof StreamEvent.TextDelta d) {
            delta(out, d.index(), "text_delta", "text", d.text());
        } else if (event instanceof StreamEvent.ToolInputDelta d) {
            delta(out, d.index(), "input_json_delta", "partial_json", d.partialJson());
        } else if (event instanceof StreamEvent.ThinkingDelta d) {
            delta(out, d.index(), "thinking_delta", "thinking", d.thinking());
        } else if (event instanceof StreamEvent.SignatureDelta d) {
            delta(out, d.index(), "signature_delta", "signature", d.signature());
        } else if (event instanceof StreamEvent.BlockStop s) {
            write(out, "content_block_stop", g -> g.writeNumberProperty("index", s.index()));
        } else if (event instanceof StreamEvent.MessageDelta d) {
            write(out, "message_delta", g -> {
                g.writeObjectPropertyStart("delta");
                g.writeStringProperty("stop_reason", AnthropicStopReasons.write(d.stopReason()));
                Json.stringOrNull(g, "stop_sequence", d.stopSequence());
                g.writeEndObject();
                g.writeName("usage");
                AnthropicUsage.write(g, d.usage());
            });
        } else if (event instanceof StreamEvent.MessageStop) {
            write(out, "message_stop", g -> { });
            done = true;
        } else if (event instanceof StreamEvent.Ping) {
            write(out, "ping", g -> { });
        } else if (event instanceof StreamEvent.StreamError e) {
            Sse.write(out, "error", AnthropicErrors.toJson(AnthropicErrors.typeOf(e.type()), e.message()));
            done = true;
        }
    }

    private static void block(JsonGenerator g, Block block) {
        if (block instanceof Block.Opaque o) {
            g.writeRawValue(o.json().json());
            return;
        }
        g.writeStartObject();
        if (block instanceof Block.Text) {
            g.writeStringProperty("type", "text");
            g.writeStringProperty("text", "");
        } else if (block instanceof Block.ToolUse t) {
            g.writeStringProperty("type", "tool_use");
            g.writeStringProperty("id", t.id());
            g.writeStringProperty("name", t.name());
            g.writeObjectPropertyStart("input");
            g.writeEndObject();
        } else if (block instanceof Block.Thinking) {
            g.writeStringProperty("type", "thinking");
            g.writeStringProperty("thinking", "");
            g.writeStringProperty("signature", "");
        } else if (block instanceof Block.RedactedThinking r) {
            g.writeStringProperty("type", "redacted_thinking");
            g.writeStringProperty("data", r.data());
        }
        g.writeEndObject();
    }

    private static void delta(ByteArrayOutputStream out, int index, String type, String field, String value) {
        write(out, "content_block_delta", g -> {
            g.writeNumberProperty("index", index);
            g.writeObjectPropertyStart("delta");
            g.writeStringProperty("type", type);
            g.writeStringProperty(field, value);
            g.writeEndObject();
        });
    }

    /** {@code event: <type>} with {@code {"type":"<type>", ...body}}. */
    private static void write(ByteArrayOutputStream out, String type, Consumer<JsonGenerator> body) {
        Sse.writeJson(out, type, g -> {
            g.writeStartObject();
            g.writeStringProperty("type", type);
            body.accept(g);
            g.writeEndObject();
        });
    }
}
