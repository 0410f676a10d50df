package org.lde.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.nio.file.Path;
import org.lde.io.AtomicFiles;

/**
 * The JSON files of evaluate, certify and attack: indented, written atomically, and a number that is missing (NaN)
 * or infinite written as {@code null} (Jackson's default is the string {@code "NaN"}, which no reader takes for a
 * number; issue 16).
 */
final class CliJson {
    private static final JsonSerializer<Double> NUMBER = new JsonSerializer<>() {
        @Override
        public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
            number(v, g);
        }
    };

    private static final JsonSerializer<double[]> NUMBERS = new JsonSerializer<>() {
        @Override
        public void serialize(double[] v, JsonGenerator g, SerializerProvider p) throws IOException {
            g.writeStartArray(v, v.length);
            for (double d : v) {
                number(d, g);
            }
            g.writeEndArray();
        }
    };

    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
            .registerModule(new SimpleModule("finite-or-null").addSerializer(Double.class, NUMBER)
                    .addSerializer(double.class, NUMBER).addSerializer(double[].class, NUMBERS));

    private CliJson() {
    }

    private static void number(double v, JsonGenerator g) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumber(v);
        } else {
            g.writeNull();
        }
    }

    /** Writes {@code root} to {@code file} (atomically, {@link AtomicFiles}). */
    static void write(Path file, Object root) {
        AtomicFiles.write(file, stream -> MAPPER.writeValue(stream, root));
    }
}
