package org.lde.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/** The JSON side of model files: the shared mapper, strict field access and message helpers. */
final class ModelJson {
    /** Configured once here and never changed afterwards (Jackson mappers are thread-safe then). */
    static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private ModelJson() {
    }

    static String jsonMessage(IOException e) {
        if (e instanceof JsonProcessingException j) {
            String loc = j.getLocation() == null ? "" : " (line " + j.getLocation().getLineNr() + ", column "
                    + j.getLocation().getColumnNr() + ")";
            return j.getOriginalMessage() + loc;
        }
        return e.toString();
    }

    static String typeName(JsonNode n) {
        return n.getNodeType().name().toLowerCase() + " " + abbreviate(n.toString());
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /** A JSON object whose keys are checked against the allowed ones; errors name {@code where}. */
    static final class Obj {
        private final String src;
        private final String where;
        private final JsonNode node;

        Obj(String src, String where, JsonNode node, Set<String> allowed) {
            this.src = src;
            this.where = where;
            this.node = node;
            if (!node.isObject()) {
                throw error("must be a JSON object, got " + typeName(node));
            }
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!allowed.contains(k)) {
                    throw error("unknown field '" + k + "' (allowed: " + new java.util.TreeSet<>(allowed) + ")");
                }
            }
        }

        ModelFileException error(String problem) {
            return new ModelFileException(src, where + ": " + problem);
        }

        boolean has(String key) {
            return node.has(key);
        }

        JsonNode required(String key) {
            JsonNode v = node.get(key);
            if (v == null) {
                throw error("missing field '" + key + "'");
            }
            return v;
        }

        String text(String key) {
            JsonNode v = required(key);
            if (!v.isTextual()) {
                throw error("field '" + key + "' must be a string, got " + typeName(v));
            }
            return v.textValue();
        }

        int positiveInt(String key) {
            JsonNode v = required(key);
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw error("field '" + key + "' must be an integer, got " + typeName(v));
            }
            if (v.intValue() <= 0) {
                throw error("field '" + key + "' must be positive, got " + v.intValue());
            }
            return v.intValue();
        }

        double number(String key) {
            JsonNode v = required(key);
            if (!v.isNumber()) {
                throw error("field '" + key + "' must be a number, got " + typeName(v));
            }
            return v.doubleValue();
        }

        /** An array of {@code length} integers (any length when -1), each at least {@code min}. */
        int[] intArray(String key, int length, int min) {
            JsonNode v = required(key);
            String what = (length < 0 ? "a non-empty array of" : "an array of " + length) + " integers >= " + min;
            if (!v.isArray() || (length >= 0 && v.size() != length) || v.isEmpty()) {
                throw error("field '" + key + "' must be " + what + ", got " + v);
            }
            int[] out = new int[v.size()];
            for (int i = 0; i < out.length; i++) {
                JsonNode e = v.get(i);
                if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                    throw error("field '" + key + "' must be " + what + ", got " + v);
                }
                if (e.intValue() < min) {
                    throw error("field '" + key + "' must be " + what + ", got " + v + " (negative or zero size "
                            + e.intValue() + " at position " + i + ")");
                }
                out[i] = e.intValue();
            }
            return out;
        }

        double[] numberArray(String key, int length) {
            JsonNode v = required(key);
            if (!v.isArray() || v.size() != length) {
                throw error("field '" + key + "' must be an array of " + length + " numbers, got " + v);
            }
            double[] out = new double[length];
            for (int i = 0; i < length; i++) {
                if (!v.get(i).isNumber()) {
                    throw error("field '" + key + "' must be an array of " + length + " numbers, got " + v);
                }
                out[i] = v.get(i).doubleValue();
            }
            return out;
        }

        List<String> textArray(String key) {
            JsonNode v = required(key);
            if (!v.isArray()) {
                throw error("field '" + key + "' must be an array of strings, got " + typeName(v));
            }
            List<String> out = new ArrayList<>();
            for (JsonNode e : v) {
                if (!e.isTextual()) {
                    throw error("field '" + key + "' must be an array of strings, got " + v);
                }
                out.add(e.textValue());
            }
            return out;
        }
    }
}
