package dev.tollgate.wire.gemini;

import static dev.tollgate.wire.gemini.GeminiResponsesTest.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.tollgate.api.ApiError;
import dev.tollgate.call.WireFormat;
import dev.tollgate.wire.Untranslatable;
import dev.tollgate.wire.anthropic.AnthropicRequestReader;
import dev.tollgate.wire.openai.OpenAiRequestReader;
import dev.tollgate.wire.responses.ResponsesRequestReader;

/** What {@link Untranslatable} refuses towards the Gemini backend, from each client format, by field. */
class GeminiUntranslatableTest {

    private static final String OPENAI_HEAD = "{\"model\":\"gemini-2.5-flash\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"hi\"}]";
    private static final String ANTHROPIC_HEAD = "{\"model\":\"gemini-2.5-flash\",\"max_tokens\":100,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    private static final String TOOL = "{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":"
            + "{\"type\":\"object\"}}}";

    private static ApiError fromOpenAi(String json) {
        return Untranslatable.check(OpenAiRequestReader.read(utf8(json)), WireFormat.GEMINI);
    }

    private static ApiError fromAnthropic(String json) {
        return Untranslatable.check(AnthropicRequestReader.read(utf8(json)), WireFormat.GEMINI);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "n                   | ,\"n\":2}                                                          | n",
            "six stops           | ,\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"]}                   | stop",
            "no parallel calls   | ,\"parallel_tool_calls\":false,\"tools\":[" + "" + "{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]} | parallel_tool_calls",
            "schema pattern      | ,\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":{\"type\":\"string\",\"pattern\":\"a\"}}}} | response_format.json_schema.schema.pattern",
            "tool schema keyword | ,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"object\",\"properties\":{\"a\":{\"maxLength\":3}}}}}]} | tools[0].function.parameters.properties.a.maxLength",
            "custom tool         | ,\"tools\":[{\"type\":\"custom\",\"custom\":{\"name\":\"g\"}}]}    | tools[0]",
            "seed                | ,\"seed\":42}                                                      | seed",
            "logprobs            | ,\"logprobs\":true}                                                | logprobs",
    })
    void openAiFieldsGeminiCannotTakeAreRefusedByName(String what, String tail, String field) {
        ApiError e = fromOpenAi(OPENAI_HEAD + tail);

        assertThat(e).isNotNull();
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo(Untranslatable.CODE);
        assertThat(e.param()).isEqualTo(field);
        assertThat(e.message()).startsWith(field + " cannot be translated to Google Gemini");
    }

    private static ApiError fromResponses(String json) {
        return Untranslatable.check(ResponsesRequestReader.read(utf8(json)), WireFormat.GEMINI);
    }

    private static final String RESPONSES_HEAD = "{\"model\":\"gemini-2.5-flash\",\"input\":\"hi\"";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "stored state        | ,\"store\":true}                                                 | store",
            "previous response   | ,\"previous_response_id\":\"resp_1\"}                            | previous_response_id",
            "built-in tool       | ,\"tools\":[{\"type\":\"web_search\"}]}                          | tools[0]",
            "no parallel calls   | ,\"parallel_tool_calls\":false,\"tools\":[{\"type\":\"function\",\"name\":\"f\",\"parameters\":{\"type\":\"object\"}}]} | parallel_tool_calls",
            "schema pattern      | ,\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"x\",\"schema\":{\"type\":\"string\",\"pattern\":\"a\"}}}} | text.format.schema.pattern",
            "tool schema keyword | ,\"tools\":[{\"type\":\"function\",\"name\":\"f\",\"parameters\":{\"type\":\"object\",\"properties\":{\"a\":{\"maxLength\":3}}}}]} | tools[0].parameters.properties.a.maxLength",
    })
    void responsesFieldsGeminiCannotTakeAreRefusedByTheirResponsesName(String what, String tail, String field) {
        ApiError e = fromResponses(RESPONSES_HEAD + tail);

        assertThat(e).isNotNull();
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo(Untranslatable.CODE);
        assertThat(e.param()).isEqualTo(field);
        assertThat(e.message()).startsWith(field + " cannot be translated to Google Gemini");
    }

    @Test
    void aResponsesCallGeminiCanTakePassesAndAnImageByUrlIsRefused() {
        assertThat(fromResponses(RESPONSES_HEAD + ",\"instructions\":\"Be brief.\",\"store\":false,"
                + "\"metadata\":{\"a\":\"b\"},\"temperature\":1.5,\"max_output_tokens\":50,\"reasoning\":"
                + "{\"effort\":\"low\"},\"tools\":[{\"type\":\"function\",\"name\":\"f\",\"parameters\":"
                + "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}}]}")).isNull();
        ApiError url = fromResponses("{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":"
                + "\"input_image\",\"image_url\":\"https://example.com/a.png\"}]}]}");
        assertThat(url).isNotNull();
        assertThat(url.param()).isEqualTo("input");
        assertThat(url.message()).contains("inline");
    }

    @Test
    void anImageByUrlIsRefusedAndAnInlineImagePasses() {
        ApiError url = fromOpenAi("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
                + "\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\"}}]}]}");
        assertThat(url.param()).isEqualTo("messages[0].content[0].image_url.url");
        assertThat(url.message()).contains("inline");

        ApiError anthropicUrl = fromAnthropic("{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://example.com/a.png\"}}]}]}");
        assertThat(anthropicUrl.param()).isEqualTo("messages.0.content.0.source.url");

        assertThat(fromOpenAi("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
                + "\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBORw0\"}}]}]}")).isNull();
    }

    @Test
    void aToolResultWithoutItsCallIsRefused() {
        ApiError e = fromAnthropic("{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_9\",\"content\":\"x\"}]}]}");

        assertThat(e.param()).isEqualTo("messages.0.content.0");
        assertThat(e.message()).contains("toolu_9");
    }

    @Test
    void anImageInAToolResultIsRefused() {
        ApiError e = fromAnthropic("{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"assistant\","
                + "\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"shot\",\"input\":{}}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\",\"content\":"
                + "[{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"AA\"}}]}]}]}");

        assertThat(e.param()).isEqualTo("messages.1.content.0.content.0");
    }

    @Test
    void whatGeminiCanCarryPasses() {
        assertThat(fromOpenAi(OPENAI_HEAD + ",\"temperature\":1.8,\"top_p\":0.5,\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"],"
                + "\"max_completion_tokens\":90,\"user\":\"u\",\"store\":false,\"reasoning_effort\":\"low\","
                + "\"presence_penalty\":0,\"tools\":[" + TOOL + "],\"tool_choice\":\"required\","
                + "\"response_format\":{\"type\":\"json_object\"}}")).isNull();
        assertThat(fromAnthropic(ANTHROPIC_HEAD + ",\"top_k\":5,\"stop_sequences\":[\"x\"],\"thinking\":{\"type\":"
                + "\"enabled\",\"budget_tokens\":2048},\"metadata\":{\"user_id\":\"u\"},\"tools\":[{\"name\":\"f\","
                + "\"input_schema\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"default\":\"z\"}}}}]}"))
                .isNull();
    }

    @Test
    void anthropicOnlyParametersAreRefusedByName() {
        assertThat(fromAnthropic(ANTHROPIC_HEAD + ",\"tools\":[{\"type\":\"web_search_20250305\",\"name\":"
                + "\"web_search\"}]}").param()).isEqualTo("tools.0");
        assertThat(fromAnthropic(ANTHROPIC_HEAD + ",\"tool_choice\":{\"type\":\"auto\",\"disable_parallel_tool_use\":"
                + "true},\"tools\":[{\"name\":\"f\",\"input_schema\":{\"type\":\"object\"}}]}").param())
                .isEqualTo("tool_choice.disable_parallel_tool_use");
    }
}
