package org.lde.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16: the JSON of evaluate, certify and attack writes a missing (NaN) or infinite number as null. */
class CliJsonTest {
    @Test
    void missingAndInfiniteNumbersAreNull(@TempDir Path dir) throws Exception {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("nan", Double.NaN);
        root.put("inf", Double.NEGATIVE_INFINITY);
        root.put("x", 0.25);
        root.put("array", new double[] {1.5, Double.NaN, Double.POSITIVE_INFINITY});
        root.put("list", List.of(2.0, Double.NaN));
        root.put("nested", Map.of("n", Double.NaN));
        Path f = dir.resolve("a.json");
        CliJson.write(f, root);
        String text = Files.readString(f);
        assertEquals("{\"nan\":null,\"inf\":null,\"x\":0.25,\"array\":[1.5,null,null],\"list\":[2.0,null],"
                + "\"nested\":{\"n\":null}}", new ObjectMapper().readTree(text).toString(), text);
    }
}
