package dev.tollgate.it;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.ObjectMappers;
import com.openai.core.http.StreamResponse;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStreamEvent;

/**
 * What the tests do with the official OpenAI Java SDK's Responses API: request parameters, a weather function tool,
 * the text of a Response as the SDK reads it (its {@code output_text} parts), and a stream read event by event with
 * each event validated by the SDK. Stateless.
 */
final class ResponsesSdk {

    private ResponsesSdk() {
    }

    static ResponseCreateParams params(String model, String input) {
        return ResponseCreateParams.builder().model(model).input(input).build();
    }

    /** {@code get_weather(city)}, a function tool in the Responses API's flat shape. */
    static FunctionTool weatherTool() {
        return FunctionTool.builder().name("get_weather").description("Current weather of a city").strict(false)
                .parameters(FunctionTool.Parameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .putAdditionalProperty("required", JsonValue.from(List.of("city")))
                        .build())
                .build();
    }

    /** The text of every {@code output_text} part of the response's message items, validated by the SDK. */
    static String outputText(Response response) {
        response.validate();
        StringBuilder text = new StringBuilder();
        for (ResponseOutputItem item : response.output()) {
            item.message().ifPresent(m -> m.content().forEach(c -> c.outputText().ifPresent(t -> text.append(t.text()))));
        }
        return text.toString();
    }

    /** One event of a stream as the SDK parsed it, with its type and sequence number read back from its JSON. */
    record Event(String type, long sequenceNumber, ResponseStreamEvent event, JsonNode json) {
    }

    /** Reads a stream to its end, event by event, each validated by the SDK. */
    static List<Event> readAll(OpenAIClient client, ResponseCreateParams params) {
        List<Event> events = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(params)) {
            stream.stream().forEach(e -> {
                e.validate();
                JsonNode json = ObjectMappers.jsonMapper().valueToTree(e);
                events.add(new Event(json.path("type").asText(), json.path("sequence_number").asLong(-1), e, json));
            });
        }
        return events;
    }

    /** A model of the SDK as JSON, as the SDK writes it back. */
    static JsonNode json(Object sdkModel) {
        return ObjectMappers.jsonMapper().valueToTree(sdkModel);
    }

    static List<String> types(List<Event> events) {
        return events.stream().map(Event::type).toList();
    }

    /** The text of the stream's {@code response.output_text.delta} events, in order. */
    static String deltaText(List<Event> events) {
        StringBuilder text = new StringBuilder();
        for (Event e : events) {
            e.event().outputTextDelta().ifPresent(d -> text.append(d.delta()));
        }
        return text.toString();
    }

    /** The response the stream ended with ({@code response.completed} or {@code response.incomplete}). */
    static Response finalResponse(List<Event> events) {
        Event last = events.get(events.size() - 1);
        return last.event().completed().map(c -> c.response())
                .or(() -> last.event().incomplete().map(i -> i.response()))
                .orElseThrow(() -> new AssertionError("the stream ended with " + last.type()));
    }
}
