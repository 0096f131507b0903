package dev.tollgate.wire.gemini;

import java.util.Map;
import java.util.Set;

import dev.tollgate.call.RawJson;
import dev.tollgate.wire.Json;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON Schemas Gemini is given: a tool's parameters ({@code parametersJsonSchema}) and a structured answer's
 * schema ({@code responseJsonSchema}). Gemini takes a subset of JSON Schema; one rule for both:
 * <ul>
 * <li>kept: {@code type}, {@code format}, {@code title}, {@code description}, {@code enum}, {@code properties},
 * {@code required}, {@code additionalProperties}, {@code items}, {@code prefixItems}, {@code minItems},
 * {@code maxItems}, {@code minimum}, {@code maximum}, {@code anyOf}, {@code oneOf} (Gemini reads it as
 * {@code anyOf}), {@code $ref}, {@code $defs}, {@code $id}, {@code $anchor}, {@code nullable},
 * {@code propertyOrdering};</li>
 * <li>cleaned: annotations that constrain nothing are dropped ({@code $schema}, {@code $comment}, {@code default},
 * {@code examples}, {@code deprecated}, {@code readOnly}, {@code writeOnly}), and {@code const: v} becomes
 * {@code enum: [v]}, which means the same;</li>
 * <li>refused: every other keyword ({@code pattern}, {@code minLength}, {@code allOf}, {@code not},
 * {@code definitions}, ...), since dropping a constraint would let the model answer what the client's schema
 * forbids. The refusal names the keyword's path.</li>
 * </ul>
 * Names under {@code properties} and {@code $defs} are property names, never keywords. Stateless.
 */
public final class GeminiSchemas {

    static final Set<String> KEPT = Set.of("type", "format", "title", "description", "enum", "properties",
            "required", "additionalProperties", "items", "prefixItems", "minItems", "maxItems", "minimum", "maximum",
            "anyOf", "oneOf", "$ref", "$defs", "$id", "$anchor", "nullable", "propertyOrdering");
    static final Set<String> DROPPED = Set.of("$schema", "$comment", "default", "examples", "deprecated",
            "readOnly", "writeOnly");

    private GeminiSchemas() {
    }

    /**
     * The path (from the schema's root, e.g. {@code .properties.city.pattern}) of the first keyword Gemini cannot
     * take, or null when there is none. A schema that is not a JSON object is refused at its root ({@code ""}).
     */
    public static String problem(RawJson schema) {
        JsonNode root = parse(schema);
        if (root == null || !root.isObject()) {
            return "";
        }
        return problem(root, "");
    }

    /** The schema as Gemini takes it: annotations dropped, {@code const} as {@code enum}, the rest as it came. */
    public static RawJson clean(RawJson schema) {
        JsonNode root = parse(schema);
        if (root == null || !root.isObject()) {
            return schema;
        }
        return Json.raw(clean(root));
    }

    private static String problem(JsonNode schema, String path) {
        if (!schema.isObject()) {
            return null; // true / false schemas, or a value where a keyword takes one
        }
        for (Map.Entry<String, JsonNode> e : schema.properties()) {
            String key = e.getKey();
            JsonNode value = e.getValue();
            String at = path + "." + key;
            if (DROPPED.contains(key) || key.equals("const")) {
                continue;
            }
            if (!KEPT.contains(key)) {
                return at;
            }
            String inner = switch (key) {
                case "properties", "$defs" -> {
                    for (Map.Entry<String, JsonNode> p : value.properties()) {
                        String found = problem(p.getValue(), at + "." + p.getKey());
                        if (found != null) {
                            yield found;
                        }
                    }
                    yield null;
                }
                case "items", "additionalProperties" -> problem(value, at);
                case "prefixItems", "anyOf", "oneOf" -> {
                    for (int i = 0; i < value.size(); i++) {
                        String found = problem(value.get(i), at + "." + i);
                        if (found != null) {
                            yield found;
                        }
                    }
                    yield null;
                }
                default -> null;
            };
            if (inner != null) {
                return inner;
            }
        }
        return null;
    }

    private static JsonNode clean(JsonNode schema) {
        if (!schema.isObject()) {
            return schema;
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode out = f.objectNode();
        for (Map.Entry<String, JsonNode> e : schema.properties()) {
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (DROPPED.contains(key)) {
                continue;
            }
            switch (key) {
                case "const" -> {
                    if (!schema.has("enum")) {
                        out.putArray("enum").add(value);
                    }
                }
                case "properties", "$defs" -> {
                    ObjectNode names = out.putObject(key);
                    for (Map.Entry<String, JsonNode> p : value.properties()) {
                        names.set(p.getKey(), clean(p.getValue()));
                    }
                }
                case "items", "additionalProperties" -> out.set(key, clean(value));
                case "prefixItems", "anyOf", "oneOf" -> {
                    ArrayNode list = out.putArray(key);
                    for (JsonNode item : value) {
                        list.add(clean(item));
                    }
                }
                default -> out.set(key, value);
            }
        }
        return out;
    }

    private static JsonNode parse(RawJson schema) {
        try {
            return Json.tree(schema.json());
        } catch (JacksonException e) {
            return null;
        }
    }
}
