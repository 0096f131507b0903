package dev.tollgate.wire.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.tollgate.call.RawJson;
import dev.tollgate.wire.Json;

class GeminiSchemasTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "pattern         | {\"type\":\"object\",\"properties\":{\"c\":{\"type\":\"string\",\"pattern\":\"x\"}}} | .properties.c.pattern",
            "minLength       | {\"type\":\"object\",\"properties\":{\"c\":{\"minLength\":1}}}                       | .properties.c.minLength",
            "allOf           | {\"allOf\":[{\"type\":\"object\"}]}                                                    | .allOf",
            "in items        | {\"type\":\"array\",\"items\":{\"not\":{}}}                                            | .items.not",
            "in anyOf        | {\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\",\"multipleOf\":2}]}           | .anyOf.1.multipleOf",
            "in $defs        | {\"$defs\":{\"A\":{\"uniqueItems\":true}}}                                            | .$defs.A.uniqueItems",
            "definitions     | {\"definitions\":{}}                                                                  | .definitions",
            "not an object   | [1]                                                                                   | ''",
    })
    void keywordsGeminiCannotTakeAreFoundByPath(String what, String schema, String path) {
        assertThat(GeminiSchemas.problem(new RawJson(schema))).isEqualTo(path);
    }

    @Test
    void supportedKeywordsAnnotationsAndConstPass() {
        String schema = "{\"$schema\":\"x\",\"type\":\"object\",\"title\":\"T\",\"properties\":{\"pattern\":{\"type\":"
                + "[\"string\",\"null\"],\"default\":\"a\",\"examples\":[\"b\"]},\"n\":{\"type\":\"integer\","
                + "\"minimum\":0,\"maximum\":9},\"k\":{\"const\":\"v\"},\"l\":{\"type\":\"array\",\"items\":{\"$ref\":"
                + "\"#/$defs/I\"},\"minItems\":1}},\"required\":[\"n\"],\"additionalProperties\":false,\"$defs\":{\"I\":"
                + "{\"enum\":[1,2]}}}";

        assertThat(GeminiSchemas.problem(new RawJson(schema))).as("a property may be named 'pattern'").isNull();
        assertThat(Json.tree(GeminiSchemas.clean(new RawJson(schema)).json())).isEqualTo(Json.tree(
                "{\"type\":\"object\",\"title\":\"T\",\"properties\":{\"pattern\":{\"type\":[\"string\",\"null\"]},"
                        + "\"n\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":9},\"k\":{\"enum\":[\"v\"]},\"l\":"
                        + "{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/I\"},\"minItems\":1}},\"required\":"
                        + "[\"n\"],\"additionalProperties\":false,\"$defs\":{\"I\":{\"enum\":[1,2]}}}"));
    }
}
