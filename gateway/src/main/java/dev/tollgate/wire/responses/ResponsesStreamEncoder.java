package dev.tollgate.wire.responses;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import dev.tollgate.call.StopReason;
import dev.tollgate.call.StreamEvent;
import dev.tollgate.call.StreamEvent.Block;
import dev.tollgate.call.TokenCounts;
import dev.tollgate.wire.Ids;
import dev.tollgate.wire.Sse;
import dev.tollgate.wire.StreamEncoder;
import tools.jackson.core.JsonGenerator;

/**
 * Writes canonical events as a Responses event stream, each as {@code event: <type>\ndata: {"type": <type>,
 * "sequence_number": n, ...}\n\n}, {@code n} counting from 0 by one:
 * <pre>
 * message start      response.created, response.in_progress (the response, status in_progress, no output)
 * text block         response.output_item.added (a message), response.content_part.added (output_text),
 *                    response.output_text.delta per delta; at its stop response.output_text.done,
 *                    response.content_part.done, response.output_item.done
 * tool-use block     response.output_item.added (a function_call), response.function_call_arguments.delta per
 *                    delta; at its stop response.function_call_arguments.done, response.output_item.done
 * thinking block     response.output_item.added (a reasoning item), response.reasoning_text.delta per delta; at
 *                    its stop response.reasoning_text.done, response.output_item.done
 * message stop       response.completed, or response.incomplete when the output cap or a content filter stopped it,
 *                    with the whole response: output and usage
 * error              error {code, message, param, sequence_number}, and nothing after it
 * </pre>
 * Each block is its own output item ({@code output_index} in order); redacted thinking, signatures, pings and blocks
 * only their own format knows have no Responses event. Every event goes out as its canonical event comes in; the
 * {@code .done} events and {@code response.completed} repeat each item's whole text, as the Responses format has
 * them, so the text of the answer's items (bounded by its output cap) is kept until the stream ends. Not
 * thread-safe: one per stream.
 */
public final class ResponsesStreamEncoder implements StreamEncoder {

    private final String model;
    private final long createdAt;
    private String responseId;
    private int sequence;
    private boolean started;
    private boolean done;
    /** Output items in order, and the canonical block index of each open one. */
    private final List<Open> items = new ArrayList<>();
    private final Map<Integer, Open> byBlock = new HashMap<>();
    private StopReason stop;
    private TokenCounts usage;

    /** An output item being written: its kind, id, position, and text so far. */
    private static final class Open {
        final ResponseObject.Item.Kind kind;
        final String id;
        final int outputIndex;
        final String callId;
        final String name;
        final StringBuilder text = new StringBuilder();
        boolean closed;

        Open(ResponseObject.Item.Kind kind, String id, int outputIndex, String callId, String name) {
            this.kind = kind;
            this.id = id;
            this.outputIndex = outputIndex;
            this.callId = callId;
            this.name = name;
        }

        ResponseObject.Item item(boolean withText) {
            return new ResponseObject.Item(kind, id, withText ? text.toString() : null, callId, name);
        }
    }

    /**
     * @param model     the model name the client is to see
     * @param createdAt the response's {@code created_at}, epoch seconds
     */
    public ResponsesStreamEncoder(String model, long createdAt) {
        this.model = model;
        this.createdAt = createdAt;
    }

    /** The sequence number the next event gets. */
    public int nextSequenceNumber() {
        return sequence;
    }

    @Override
    public void encode(StreamEvent event, ByteArrayOutputStream out) {
        if (done) {
            return;
        }
        if (event instanceof StreamEvent.MessageStart start) {
            if (!started) {
                begin(start.id(), out);
            }
            return;
        }
        if (event instanceof StreamEvent.StreamError e) {
            write(out, "error", g -> {
                g.writeStringProperty("code", e.type());
                g.writeStringProperty("message", e.message() == null ? "" : e.message());
                g.writeNullProperty("param");
            });
            done = true;
            return;
        }
        if (event instanceof StreamEvent.Ping) {
            return;
        }
        if (!started) {
            begin(null, out);
        }
        if (event instanceof StreamEvent.BlockStart s) {
            blockStart(s, out);
        } else if (event instanceof StreamEvent.TextDelta d) {
            Open item = byBlock.get(d.index());
            if (item != null && item.kind == ResponseObject.Item.Kind.MESSAGE && !item.closed) {
                item.text.append(d.text());
                write(out, "response.output_text.delta", g -> {
                    position(g, item);
                    g.writeNumberProperty("content_index", 0);
                    g.writeStringProperty("delta", d.text());
                    g.writeArrayPropertyStart("logprobs");
                    g.writeEndArray();
                });
            }
        } else if (event instanceof StreamEvent.ToolInputDelta d) {
            Open item = byBlock.get(d.index());
            if (item != null && item.kind == ResponseObject.Item.Kind.FUNCTION_CALL && !item.closed) {
                item.text.append(d.partialJson());
                write(out, "response.function_call_arguments.delta", g -> {
                    position(g, item);
                    g.writeStringProperty("delta", d.partialJson());
                });
            }
        } else if (event instanceof StreamEvent.ThinkingDelta d) {
            Open item = byBlock.get(d.index());
            if (item != null && item.kind == ResponseObject.Item.Kind.REASONING && !item.closed) {
                item.text.append(d.thinking());
                write(out, "response.reasoning_text.delta", g -> {
                    position(g, item);
                    g.writeNumberProperty("content_index", 0);
                    g.writeStringProperty("delta", d.thinking());
                });
            }
        } else if (event instanceof StreamEvent.BlockStop s) {
            Open item = byBlock.get(s.index());
            if (item != null) {
                close(item, out);
            }
        } else if (event instanceof StreamEvent.MessageDelta d) {
            stop = d.stopReason();
            usage = d.usage();
        } else if (event instanceof StreamEvent.MessageStop) {
            for (Open item : items) {
                close(item, out);
            }
            String reason = ResponseObject.incompleteReason(stop);
            String type = reason != null ? "response.incomplete" : "response.completed";
            List<ResponseObject.Item> output = new ArrayList<>(items.size());
            for (Open item : items) {
                output.add(item.item(true));
            }
            TokenCounts counts = usage != null ? usage : TokenCounts.ZERO;
            write(out, type, g -> {
                g.writeName("response");
                ResponseObject.write(g, responseId, createdAt, reason != null ? "incomplete" : "completed", reason,
                        model, output, counts);
            });
            done = true;
        }
    }

    private void begin(String upstreamId, ByteArrayOutputStream out) {
        started = true;
        responseId = Ids.responseId(upstreamId);
        for (String type : new String[] {"response.created", "response.in_progress"}) {
            write(out, type, g -> {
                g.writeName("response");
                ResponseObject.write(g, responseId, createdAt, "in_progress", null, model, List.of(), null);
            });
        }
    }

    private void blockStart(StreamEvent.BlockStart s, ByteArrayOutputStream out) {
        Block block = s.block();
        Open item;
        if (block instanceof Block.Text) {
            item = new Open(ResponseObject.Item.Kind.MESSAGE, Ids.itemId("msg_"), items.size(), null, null);
        } else if (block instanceof Block.ToolUse t) {
            item = new Open(ResponseObject.Item.Kind.FUNCTION_CALL, Ids.itemId("fc_"), items.size(), t.id(),
                    t.name());
        } else if (block instanceof Block.Thinking) {
            item = new Open(ResponseObject.Item.Kind.REASONING, Ids.itemId("rs_"), items.size(), null, null);
        } else {
            return; // redacted thinking, a block only its own format knows: no Responses item
        }
        items.add(item);
        byBlock.put(s.index(), item);
        write(out, "response.output_item.added", g -> {
            g.writeNumberProperty("output_index", item.outputIndex);
            g.writeName("item");
            ResponseObject.item(g, item.item(false), "in_progress");
        });
        if (item.kind == ResponseObject.Item.Kind.MESSAGE) {
            write(out, "response.content_part.added", g -> {
                position(g, item);
                g.writeNumberProperty("content_index", 0);
                g.writeName("part");
                ResponseObject.outputText(g, "");
            });
        }
    }

    private void close(Open item, ByteArrayOutputStream out) {
        if (item.closed) {
            return;
        }
        item.closed = true;
        String text = item.text.toString();
        switch (item.kind) {
            case MESSAGE -> {
                write(out, "response.output_text.done", g -> {
                    position(g, item);
                    g.writeNumberProperty("content_index", 0);
                    g.writeStringProperty("text", text);
                    g.writeArrayPropertyStart("logprobs");
                    g.writeEndArray();
                });
                write(out, "response.content_part.done", g -> {
                    position(g, item);
                    g.writeNumberProperty("content_index", 0);
                    g.writeName("part");
                    ResponseObject.outputText(g, text);
                });
            }
            case FUNCTION_CALL -> write(out, "response.function_call_arguments.done", g -> {
                position(g, item);
                g.writeStringProperty("name", item.name);
                g.writeStringProperty("arguments", text);
            });
            case REASONING -> write(out, "response.reasoning_text.done", g -> {
                position(g, item);
                g.writeNumberProperty("content_index", 0);
                g.writeStringProperty("text", text);
            });
        }
        write(out, "response.output_item.done", g -> {
            g.writeNumberProperty("output_index", item.outputIndex);
            g.writeName("item");
            ResponseObject.item(g, item.item(true), "completed");
        });
    }

    private static void position(JsonGenerator g, Open item) {
        g.writeStringProperty("item_id", item.id);
        g.writeNumberProperty("output_index", item.outputIndex);
    }

    /** {@code event: <type>} with {@code {"type": <type>, "sequence_number": n, ...body}}. */
    private void write(ByteArrayOutputStream out, String type, Consumer<JsonGenerator> body) {
        int n = sequence++;
        Sse.writeJson(out, type, g -> {
            g.writeStartObject();
            g.writeStringProperty("type", type);
            g.writeNumberProperty("sequence_number", n);
            body.accept(g);
            g.writeEndObject();
        });
    }
}
