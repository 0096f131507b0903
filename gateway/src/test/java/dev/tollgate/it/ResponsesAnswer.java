package dev.tollgate.it;

import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One answer of OpenAI's Responses API, as its whole body ({@link #json}) and as the events of its stream
 * ({@link #events}): the message's text (or none), function calls, and the usage. Built by hand, as OpenAI documents
 * and sends them (every event named, each with its {@code sequence_number}), independently of the gateway's own
 * writer. Immutable.
 *
 * @param status {@code completed}, or {@code incomplete} (the output cap stopped it)
 */
public record ResponsesAnswer(String id, String text, List<Call> calls, long inputTokens, long cachedTokens,
        long outputTokens, long reasoningTokens, String status) {

    /** A function call the model makes. */
    public record Call(String callId, String name, String arguments) {
    }

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    public static ResponsesAnswer text(String text, long input, long output) {
        return new ResponsesAnswer("resp_fake0001", text, List.of(), input, 0, output, 0, "completed");
    }

    public static ResponsesAnswer toolCall(String callId, String name, String arguments, long input, long output) {
        return new ResponsesAnswer("resp_fake0002", null, List.of(new Call(callId, name, arguments)), input, 0,
                output, 0, "completed");
    }

    public ResponsesAnswer withCached(long cached) {
        return new ResponsesAnswer(id, text, calls, inputTokens, cached, outputTokens, reasoningTokens, status);
    }

    public ResponsesAnswer withReasoning(long reasoning) {
        return new ResponsesAnswer(id, text, calls, inputTokens, cachedTokens, outputTokens, reasoning, status);
    }

    public ResponsesAnswer incomplete() {
        return new ResponsesAnswer(id, text, calls, inputTokens, cachedTokens, outputTokens, reasoningTokens,
                "incomplete");
    }

    /** The whole Response object. */
    public String json(String model) {
        return response(model, status, true).toString();
    }

    /** The stream, each element one whole SSE event ({@code event:} and {@code data:} lines, blank line). */
    public List<String> events(String model) {
        List<ObjectNode> events = new ArrayList<>();
        events.add(event("response.created").set("response", response(model, "in_progress", false)));
        events.add(event("response.in_progress").set("response", response(model, "in_progress", false)));
        int index = 0;
        if (text != null) {
            String item = "msg_fake" + index;
            int at = index;
            ObjectNode added = event("response.output_item.added").put("output_index", at);
            added.set("item", message(item, "in_progress", null));
            events.add(added);
            ObjectNode part = event("response.content_part.added").put("item_id", item).put("output_index", at)
                    .put("content_index", 0);
            part.set("part", outputText(""));
            events.add(part);
            int half = text.length() / 2;
            for (String piece : new String[] {text.substring(0, half), text.substring(half)}) {
                ObjectNode delta = event("response.output_text.delta").put("item_id", item).put("output_index", at)
                        .put("content_index", 0).put("delta", piece);
                delta.putArray("logprobs");
                events.add(delta);
            }
            ObjectNode done = event("response.output_text.done").put("item_id", item).put("output_index", at)
                    .put("content_index", 0).put("text", text);
            done.putArray("logprobs");
            events.add(done);
            ObjectNode partDone = event("response.content_part.done").put("item_id", item).put("output_index", at)
                    .put("content_index", 0);
            partDone.set("part", outputText(text));
            events.add(partDone);
            ObjectNode itemDone = event("response.output_item.done").put("output_index", at);
            itemDone.set("item", message(item, "completed", text));
            events.add(itemDone);
            index++;
        }
        for (Call call : calls) {
            String item = "fc_fake" + index;
            ObjectNode added = event("response.output_item.added").put("output_index", index);
            added.set("item", functionCall(item, call, "in_progress", ""));
            events.add(added);
            int half = call.arguments().length() / 2;
            for (String piece : new String[] {call.arguments().substring(0, half),
                    call.arguments().substring(half)}) {
                events.add(event("response.function_call_arguments.delta").put("item_id", item)
                        .put("output_index", index).put("delta", piece));
            }
            events.add(event("response.function_call_arguments.done").put("item_id", item).put("output_index", index)
                    .put("arguments", call.arguments()));
            ObjectNode itemDone = event("response.output_item.done").put("output_index", index);
            itemDone.set("item", functionCall(item, call, "completed", call.arguments()));
            events.add(itemDone);
            index++;
        }
        String last = "incomplete".equals(status) ? "response.incomplete" : "response.completed";
        events.add(event(last).set("response", response(model, status, true)));
        List<String> wire = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            ObjectNode e = events.get(i).put("sequence_number", i);
            wire.add("event: " + e.path("type").asString() + "\ndata: " + e + "\n\n");
        }
        return wire;
    }

    /** An {@code error} event of a stream, as the API sends it. */
    public static String errorEvent(String code, String message, int sequenceNumber) {
        return "event: error\ndata: {\"type\":\"error\",\"code\":\"" + code + "\",\"message\":\"" + message
                + "\",\"param\":null,\"sequence_number\":" + sequenceNumber + "}\n\n";
    }

    private static ObjectNode event(String type) {
        return MAPPER.createObjectNode().put("type", type);
    }

    private ObjectNode response(String model, String state, boolean finished) {
        ObjectNode r = MAPPER.createObjectNode();
        r.put("id", id).put("object", "response").put("created_at", 1741476542).put("status", state);
        r.put("background", false);
        r.putNull("error");
        if ("incomplete".equals(state)) {
            r.putObject("incomplete_details").put("reason", "max_output_tokens");
        } else {
            r.putNull("incomplete_details");
        }
        r.putNull("instructions");
        r.putNull("max_output_tokens");
        r.put("model", model);
        ArrayNode output = r.putArray("output");
        if (finished) {
            int index = 0;
            if (text != null) {
                output.add(message("msg_fake" + index++, "completed", text));
            }
            for (Call call : calls) {
                output.add(functionCall("fc_fake" + index++, call, "completed", call.arguments()));
            }
        }
        r.put("parallel_tool_calls", true);
        r.putNull("previous_response_id");
        ObjectNode reasoning = r.putObject("reasoning");
        reasoning.putNull("effort");
        reasoning.putNull("summary");
        r.put("service_tier", "default");
        r.put("store", false);
        r.put("temperature", 1.0);
        r.putObject("text").putObject("format").put("type", "text");
        r.put("tool_choice", "auto");
        r.putArray("tools");
        r.put("top_p", 1.0);
        r.put("truncation", "disabled");
        if (finished) {
            ObjectNode usage = r.putObject("usage");
            usage.put("input_tokens", inputTokens);
            usage.putObject("input_tokens_details").put("cached_tokens", cachedTokens).put("cache_write_tokens", 0);
            usage.put("output_tokens", outputTokens);
            usage.putObject("output_tokens_details").put("reasoning_tokens", reasoningTokens);
            usage.put("total_tokens", inputTokens + outputTokens);
        } else {
            r.putNull("usage");
        }
        r.putNull("user");
        r.putObject("metadata");
        return r;
    }

    private static ObjectNode message(String id, String state, String text) {
        ObjectNode m = MAPPER.createObjectNode().put("id", id).put("type", "message").put("status", state)
                .put("role", "assistant");
        ArrayNode content = m.putArray("content");
        if (text != null) {
            content.add(outputText(text));
        }
        return m;
    }

    private static ObjectNode outputText(String text) {
        ObjectNode part = MAPPER.createObjectNode().put("type", "output_text");
        part.putArray("annotations");
        part.putArray("logprobs");
        part.put("text", text);
        return part;
    }

    private static ObjectNode functionCall(String id, Call call, String state, String arguments) {
        return MAPPER.createObjectNode().put("id", id).put("type", "function_call").put("status", state)
                .put("arguments", arguments).put("call_id", call.callId()).put("name", call.name());
    }
}
