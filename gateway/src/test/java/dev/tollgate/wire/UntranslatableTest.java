package dev.tollgate.wire;

import static dev.tollgate.wire.Transcripts.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import dev.tollgate.api.ApiError;
import dev.tollgate.call.CanonicalRequest;
import dev.tollgate.call.WireFormat;
import dev.tollgate.wire.anthropic.AnthropicRequestReader;
import dev.tollgate.wire.openai.OpenAiRequestReader;

class UntranslatableTest {

    private static final String OPENAI_HEAD = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    private static final String ANTHROPIC_HEAD = "{\"model\":\"claude\",\"max_tokens\":100,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

    private static ApiError toAnthropic(String openAiJson) {
        CanonicalRequest r = OpenAiRequestReader.read(utf8(openAiJson));
        return Untranslatable.check(r, WireFormat.ANTHROPIC_MESSAGES);
    }

    private static ApiError toOpenAi(String anthropicJson) {
        CanonicalRequest r = AnthropicRequestReader.read(utf8(anthropicJson));
        return Untranslatable.check(r, WireFormat.OPENAI_CHAT);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "n                 | ,\"n\":2}                                                                 | n",
            "logprobs          | ,\"logprobs\":true}                                                       | logprobs",
            "top_logprobs      | ,\"top_logprobs\":3}                                                      | top_logprobs",
            "logit_bias        | ,\"logit_bias\":{\"50256\":-100}}                                         | logit_bias",
            "presence_penalty  | ,\"presence_penalty\":0.5}                                                | presence_penalty",
            "frequency_penalty | ,\"frequency_penalty\":-1}                                                | frequency_penalty",
            "seed              | ,\"seed\":42}                                                             | seed",
            "audio             | ,\"audio\":{\"voice\":\"alloy\",\"format\":\"mp3\"}}                      | audio",
            "modalities        | ,\"modalities\":[\"text\",\"audio\"]}                                     | modalities",
            "prediction        | ,\"prediction\":{\"type\":\"content\",\"content\":\"x\"}}                 | prediction",
            "web search        | ,\"web_search_options\":{}}                                               | web_search_options",
            "verbosity         | ,\"verbosity\":\"low\"}                                                   | verbosity",
            "json_object       | ,\"response_format\":{\"type\":\"json_object\"}}                          | response_format",
            "json_schema       | ,\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":{}}}} | response_format",
            "temperature > 1   | ,\"temperature\":1.5}                                                     | temperature",
            "custom tool       | ,\"tools\":[{\"type\":\"custom\",\"custom\":{\"name\":\"grammar\"}}]}     | tools[0]",
            "legacy functions  | ,\"functions\":[{\"name\":\"f\",\"parameters\":{}}]}                      | functions",
            "allowed tools     | ,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":{\"type\":\"allowed_tools\",\"allowed_tools\":{\"mode\":\"auto\",\"tools\":[]}}} | tool_choice",
            "vendor top_k      | ,\"top_k\":40}                                                            | top_k",
    })
    void openAiFieldsWithoutAnthropicMeaningAreRefusedByName(String what, String tail, String field) {
        ApiError e = toAnthropic(OPENAI_HEAD + tail);

        assertThat(e).isNotNull();
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo(Untranslatable.CODE);
        assertThat(e.param()).isEqualTo(field);
        assertThat(e.message()).startsWith(field + " cannot be translated to Anthropic Messages");
    }

    @Test
    void openAiContentPartsWithoutAnthropicMeaningAreRefusedByPosition() {
        ApiError e = toAnthropic("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"listen\"},{\"type\":\"input_audio\","
                + "\"input_audio\":{\"data\":\"AAA\",\"format\":\"wav\"}}]}]}");

        assertThat(e.param()).isEqualTo("messages[1].content[1]");
        assertThat(e.message()).contains("'input_audio'");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "defaults              | ,\"n\":1,\"logprobs\":false,\"presence_penalty\":0,\"frequency_penalty\":0.0,\"logit_bias\":{},\"modalities\":[\"text\"],\"top_logprobs\":0}",
            "no-effect hints       | ,\"store\":true,\"metadata\":{\"a\":\"b\"},\"service_tier\":\"auto\",\"prompt_cache_key\":\"k\",\"safety_identifier\":\"h\"}",
            "translated            | ,\"stop\":[\"a\",\"b\"],\"user\":\"u\",\"parallel_tool_calls\":false,\"reasoning_effort\":\"low\",\"temperature\":1,\"response_format\":{\"type\":\"text\"}}",
            "system and tools      | ,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":\"required\"}",
    })
    void openAiFieldsThatTranslateOrDoNotMatterPass(String what, String tail) {
        assertThat(toAnthropic(OPENAI_HEAD + tail)).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "top_k             | ,\"top_k\":5}                                                               | top_k",
            "5 stop sequences  | ,\"stop_sequences\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}                        | stop_sequences",
            "server tool       | ,\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}]}  | tools.0",
            "mcp_servers       | ,\"mcp_servers\":[{\"type\":\"url\",\"url\":\"https://x\",\"name\":\"x\"}]} | mcp_servers",
            "container         | ,\"container\":\"container_1\"}                                            | container",
            "context mgmt      | ,\"context_management\":{\"edits\":[]}}                                    | context_management",
    })
    void anthropicFieldsWithoutOpenAiMeaningAreRefusedByName(String what, String tail, String field) {
        ApiError e = toOpenAi(ANTHROPIC_HEAD + tail);

        assertThat(e).isNotNull();
        assertThat(e.param()).isEqualTo(field);
        assertThat(e.message()).startsWith(field + " cannot be translated to OpenAI Chat Completions");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "document          | {\"type\":\"document\",\"source\":{\"type\":\"url\",\"url\":\"https://x/a.pdf\"}}                               | messages.1.content.0",
            "server tool use   | {\"type\":\"server_tool_use\",\"id\":\"srvtoolu_1\",\"name\":\"web_search\",\"input\":{}}                    | messages.1.content.0",
            "image in result   | {\"type\":\"tool_result\",\"tool_use_id\":\"t\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://x/a.png\"}}]} | messages.1.content.0.content.0",
            "file image        | {\"type\":\"image\",\"source\":{\"type\":\"file\",\"file_id\":\"file_1\"}}                                       | messages.1.content.0",
    })
    void anthropicBlocksWithoutOpenAiMeaningAreRefusedByPosition(String what, String block, String field) {
        ApiError e = toOpenAi(ANTHROPIC_HEAD.replace("]", ",{\"role\":\"user\",\"content\":[" + block + "]}]") + "}");

        assertThat(e).isNotNull();
        assertThat(e.param()).isEqualTo(field);
    }

    @Test
    void anthropicFieldsThatTranslateOrDoNotMatterPass() {
        assertThat(toOpenAi(ANTHROPIC_HEAD.replace("\"content\":\"hi\"", "\"content\":[{\"type\":\"text\",\"text\":\"hi\","
                + "\"cache_control\":{\"type\":\"ephemeral\"}}]") + ",\"system\":[{\"type\":\"text\",\"text\":\"s\","
                + "\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}],\"service_tier\":\"standard_only\","
                + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2000},\"stop_sequences\":[\"a\",\"b\",\"c\",\"d\"],"
                + "\"metadata\":{\"user_id\":\"u\"},\"tool_choice\":{\"type\":\"any\",\"disable_parallel_tool_use\":true},"
                + "\"tools\":[{\"name\":\"f\",\"input_schema\":{\"type\":\"object\"}}],"
                + "\"output_config\":{\"format\":{\"type\":\"json_schema\",\"schema\":{\"type\":\"object\"}}}}"))
                .isNull();
    }

    @Test
    void aCallForItsOwnFormatIsNeverRefused() {
        CanonicalRequest r = AnthropicRequestReader.read(utf8(ANTHROPIC_HEAD + ",\"top_k\":5,\"container\":\"c\"}"));

        assertThat(Untranslatable.check(r, WireFormat.ANTHROPIC_MESSAGES)).isNull();
    }
}
