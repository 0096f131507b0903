package dev.tollgate.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

class ChatRequestTest {

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    private static final String MESSAGES = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

    private static ChatRequest parse(String json) {
        return ChatRequest.parse(json.getBytes(StandardCharsets.UTF_8), MAPPER);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            not JSON                  | {"model":                                                     | invalid_json               | null
            empty body                |                                                               | invalid_request            | null
            JSON array                | [{"model":"gpt-4o"}]                                          | invalid_request            | null
            JSON string               | "gpt-4o"                                                      | invalid_request            | null
            missing model             | {"messages":[{"role":"user","content":"hi"}]}                 | missing_required_parameter | model
            null model                | {"model":null,"messages":[{"role":"user","content":"hi"}]}    | missing_required_parameter | model
            model not a string        | {"model":4,"messages":[{"role":"user","content":"hi"}]}       | invalid_type               | model
            blank model               | {"model":" ","messages":[{"role":"user","content":"hi"}]}     | invalid_type               | model
            missing messages          | {"model":"gpt-4o"}                                            | missing_required_parameter | messages
            empty messages            | {"model":"gpt-4o","messages":[]}                              | invalid_type               | messages
            messages not an array     | {"model":"gpt-4o","messages":{"role":"user"}}                 | invalid_type               | messages
            message without role      | {"model":"gpt-4o","messages":[{"content":"hi"}]}              | invalid_type               | messages[0]
            second message not object | {"model":"gpt-4o","messages":[{"role":"user"},"hi"]}          | invalid_type               | messages[1]
            stream not boolean        | {"model":"gpt-4o","messages":[{"role":"user"}],"stream":"true"} | invalid_type             | stream
            max_tokens 0              | {"model":"gpt-4o","messages":[{"role":"user"}],"max_tokens":0} | invalid_value             | max_tokens
            max_tokens negative       | {"model":"gpt-4o","messages":[{"role":"user"}],"max_tokens":-5} | invalid_value            | max_tokens
            max_tokens fractional     | {"model":"gpt-4o","messages":[{"role":"user"}],"max_tokens":1.5} | invalid_value           | max_tokens
            max_tokens a string       | {"model":"gpt-4o","messages":[{"role":"user"}],"max_tokens":"100"} | invalid_value         | max_tokens
            max_tokens too large      | {"model":"gpt-4o","messages":[{"role":"user"}],"max_tokens":3000000000} | invalid_value    | max_tokens
            max_completion_tokens 0   | {"model":"gpt-4o","messages":[{"role":"user"}],"max_completion_tokens":0} | invalid_value | max_completion_tokens
            """)
    void badBodyIsA400NamingTheParameter(String problem, String body, String code, String param) {
        GatewayException e = catchThrowableOfType(GatewayException.class, () -> parse(body == null ? "" : body));

        assertThat(e).as(problem).isNotNull();
        assertThat(e.error().status()).isEqualTo(400);
        assertThat(e.error().type()).isEqualTo(ApiError.INVALID_REQUEST);
        assertThat(e.error().code()).as(problem).isEqualTo(code);
        assertThat(e.error().param()).as(problem).isEqualTo(param);
    }

    @Test
    void goodBodyKeepsEveryFieldAndTheOriginalBytes() {
        byte[] body = ("{\"model\":\"gpt-4o\"," + MESSAGES + ",\"logit_bias\":{\"50256\":-100},"
                + "\"x_vendor\":{\"deep\":[1,null,true]},\"stream\":false}").getBytes(StandardCharsets.UTF_8);

        ChatRequest request = ChatRequest.parse(body, MAPPER);

        assertThat(request.body()).isSameAs(body);
        assertThat(request.tree()).isEqualTo(MAPPER.readTree(body));
        assertThat(request.tree().path("x_vendor").path("deep").get(2).booleanValue()).isTrue();
        assertThat(request.model()).isEqualTo("gpt-4o");
        assertThat(request.stream()).isFalse();
        assertThat(request.maxOutputTokens()).isNull();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            "max_tokens":100                            | 100
            "max_completion_tokens":200                 | 200
            "max_tokens":100,"max_completion_tokens":200 | 200
            "max_completion_tokens":200,"max_tokens":100 | 200
            "max_completion_tokens":null,"max_tokens":100 | 100
            "max_tokens":null                           | null
            """)
    void maxCompletionTokensIsPreferredOverMaxTokens(String fields, Integer expected) {
        ChatRequest request = parse("{\"model\":\"gpt-4o\"," + MESSAGES + "," + fields + "}");

        assertThat(request.maxOutputTokens()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            "stream":true                                                | true  | false
            "stream":true,"stream_options":{"include_usage":true}        | true  | true
            "stream":true,"stream_options":{"include_usage":false}       | true  | false
            "stream":true,"stream_options":{}                            | true  | false
            "stream":true,"stream_options":null                          | true  | false
            "stream":false                                               | false | false
            "stream":null                                                | false | false
            """)
    void streamAndClientWantsUsageFollowTheRequest(String fields, boolean stream, boolean wantsUsage) {
        ChatRequest request = parse("{\"model\":\"gpt-4o\"," + MESSAGES + "," + fields + "}");

        assertThat(request.stream()).isEqualTo(stream);
        assertThat(request.clientWantsUsage()).isEqualTo(wantsUsage);
    }

    @Test
    void promptTokensAreCountedOnceAndKept() {
        ChatRequest request = parse("{\"model\":\"gpt-4o\"," + MESSAGES + "}");
        int[] calls = {0};

        long first = request.promptTokens(tree -> ++calls[0] * 10L);
        long second = request.promptTokens(tree -> ++calls[0] * 10L);

        assertThat(first).isEqualTo(10);
        assertThat(second).isEqualTo(10);
        assertThat(calls[0]).isEqualTo(1);
    }
}
