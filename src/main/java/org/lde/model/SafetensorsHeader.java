package org.lde.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lde.tensor.Shape;

import static org.lde.model.ModelFile.ARCHITECTURE_KEY;
import static org.lde.model.ModelFile.FORMAT_VERSION;
import static org.lde.model.ModelFile.MAX_HEADER_BYTES;
import static org.lde.model.ModelFile.VERSION_KEY;
import static org.lde.model.ModelJson.JSON;
import static org.lde.model.ModelJson.jsonMessage;
import static org.lde.model.ModelJson.typeName;

/**
 * The safetensors layer of a model file: the 8-byte header length, the JSON header, its tensor
 * entries (checked against each other and the data section) and the architecture JSON stored in
 * {@code __metadata__}. See {@link ModelFile} for the format; a new instance per file (no shared state).
 */
final class SafetensorsHeader {
    /** Element types of safetensors; the readable ones carry a decoder. */
    enum DType {
        F64(8), F32(4), F16(2), BF16(2), I64(8),
        BOOL(1), U8(1), I8(1), I16(2), U16(2), I32(4), U32(4), U64(8), F8_E5M2(1), F8_E4M3(1);

        final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        boolean isFloat() {
            return this == F64 || this == F32 || this == F16 || this == BF16;
        }

        static DType parse(String s) {
            for (DType d : values()) {
                if (d.name().equals(s)) {
                    return d;
                }
            }
            return null;
        }
    }

    /** One header entry, validated against itself and the data section length. */
    record Entry(String name, DType dtype, Shape shape, long begin, long end) {
    }

    private static final String METADATA = "__metadata__";

    final byte[] bytes;
    final String src;
    long dataStart;
    long dataLength;
    /** Tensor entries in header order (without {@code __metadata__}). */
    final Map<String, Entry> entries = new LinkedHashMap<>();
    /** The parsed {@code lde.architecture} document. */
    final JsonNode architecture;

    /** Parses and checks the header of the complete file content {@code bytes}. */
    SafetensorsHeader(byte[] bytes, String src) {
        this.bytes = bytes;
        this.src = src;
        this.architecture = read();
    }

    ModelFileException fail(String problem) {
        return new ModelFileException(src, problem);
    }

    private JsonNode read() {
        if (bytes.length < 8) {
            throw fail("the file has " + bytes.length
                    + " bytes, fewer than the 8-byte header length that starts a safetensors file");
        }
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw fail("header length " + Long.toUnsignedString(n) + " is absurd (at most " + MAX_HEADER_BYTES
                    + " bytes allowed); this is not a safetensors file");
        }
        if (n > bytes.length - 8L) {
            throw fail("header length " + n + " is larger than the " + (bytes.length - 8L)
                    + " bytes that follow it (truncated file, or not a safetensors file)");
        }
        dataStart = 8 + n;
        dataLength = bytes.length - dataStart;
        JsonNode root;
        try {
            root = JSON.readTree(utf8Header((int) n));
        } catch (IOException e) {
            throw fail("the header is not valid JSON: " + jsonMessage(e));
        }
        if (root == null || root.isMissingNode()) {
            throw fail("the header is empty (expected a JSON object)");
        }
        if (!root.isObject()) {
            throw fail("the header must be a JSON object, got " + typeName(root));
        }
        JsonNode metaNode = null;
        Iterator<Map.Entry<String, JsonNode>> it = root.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals(METADATA)) {
                metaNode = f.getValue();
            } else {
                entries.put(f.getKey(), entry(f.getKey(), f.getValue()));
            }
        }
        checkLayout(entries);
        String archText = architectureText(metaNode);
        JsonNode arch;
        try {
            arch = JSON.readTree(archText);
        } catch (IOException e) {
            throw fail("metadata '" + ARCHITECTURE_KEY + "' is not valid JSON: " + jsonMessage(e));
        }
        return arch;
    }

    /**
     * The header bytes decoded strictly as UTF-8, which safetensors requires: a byte-order mark,
     * UTF-16 or UTF-32 (which Jackson would otherwise detect and accept) and malformed bytes are errors.
     */
    private String utf8Header(int n) {
        if (n >= 3 && (bytes[8] & 0xff) == 0xEF && (bytes[9] & 0xff) == 0xBB && (bytes[10] & 0xff) == 0xBF) {
            throw fail("the header starts with a UTF-8 byte-order mark; safetensors headers are UTF-8 without one");
        }
        for (int i = 8; i < 8 + n; i++) {
            int b = bytes[i] & 0xff;
            if (b == 0 || (i < 10 && (b == 0xFE || b == 0xFF))) {
                throw fail("the header has byte 0x" + String.format("%02X", b) + " at offset " + i
                        + ", which UTF-8 JSON never has: safetensors headers are UTF-8 (not UTF-16 or UTF-32)");
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, 8, n)).toString();
        } catch (CharacterCodingException e) {
            throw fail("the header is not valid UTF-8 (" + e + "); safetensors headers are UTF-8");
        }
    }

    // ---- header entries

    Entry entry(String name, JsonNode node) {
        String w = "tensor '" + name + "'";
        if (!node.isObject()) {
            throw fail(w + ": header entry must be an object with dtype, shape and data_offsets, got " + typeName(node));
        }
        for (Iterator<String> k = node.fieldNames(); k.hasNext(); ) {
            String key = k.next();
            if (!key.equals("dtype") && !key.equals("shape") && !key.equals("data_offsets")) {
                throw fail(w + ": unknown header field '" + key + "' (expected dtype, shape, data_offsets)");
            }
        }
        JsonNode dt = node.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw fail(w + ": 'dtype' is " + (dt == null ? "missing" : "not a string but " + typeName(dt)));
        }
        DType dtype = DType.parse(dt.textValue());
        if (dtype == null) {
            throw fail(w + ": unknown dtype '" + dt.textValue() + "'; safetensors dtypes are "
                    + Arrays.toString(DType.values()) + ", of which LDE reads F64, F32, F16, BF16");
        }
        JsonNode sh = node.get("shape");
        if (sh == null || !sh.isArray()) {
            throw fail(w + ": 'shape' is " + (sh == null ? "missing" : "not an array but " + typeName(sh)));
        }
        int[] dims = new int[sh.size()];
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
                throw fail(w + ": shape " + sh + " must hold non-negative integers, entry " + i + " is " + d);
            }
            dims[i] = d.intValue();
            count *= dims[i];
            if (count > Integer.MAX_VALUE) {
                throw fail(w + ": shape " + sh + " has too many elements");
            }
        }
        Shape shape = Shape.of(dims);
        JsonNode off = node.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2) {
            throw fail(w + ": 'data_offsets' must be an array [begin, end], got " + (off == null ? "nothing" : off));
        }
        long[] be = new long[2];
        for (int i = 0; i < 2; i++) {
            JsonNode d = off.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0) {
                throw fail(w + ": data_offsets " + off + " must be two non-negative integers");
            }
            be[i] = d.longValue();
        }
        if (be[1] < be[0]) {
            throw fail(w + ": data_offsets " + off + " end before they begin");
        }
        long need = count * dtype.bytes;
        if (be[1] - be[0] != need) {
            throw fail(w + ": data_offsets " + off + " span " + (be[1] - be[0]) + " bytes, but dtype " + dtype
                    + " and shape " + shape + " need " + need + " bytes");
        }
        if (be[1] > dataLength) {
            throw fail(w + ": data_offsets " + off + " go past the end of the data section, which has only "
                    + dataLength + " bytes: the data section is truncated or the offsets are out of range");
        }
        return new Entry(name, dtype, shape, be[0], be[1]);
    }

    /** Offsets must tile the data section exactly: no overlap, no holes, nothing after the end. */
    void checkLayout(Map<String, Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long pos = 0;
        Entry prev = null;
        for (Entry e : sorted) {
            if (e.begin() < pos) {
                throw fail("tensors '" + prev.name() + "' (bytes [" + prev.begin() + ", " + prev.end() + ")) and '"
                        + e.name() + "' (bytes [" + e.begin() + ", " + e.end() + ")) overlap");
            }
            if (e.begin() > pos) {
                throw fail("bytes [" + pos + ", " + e.begin() + ") of the data section belong to no tensor "
                        + "(safetensors forbids holes); next tensor is '" + e.name() + "'");
            }
            pos = e.end();
            if (e.end() > e.begin()) {
                prev = e;
            }
        }
        if (pos != dataLength) {
            throw fail("the data section has " + dataLength + " bytes but the tensors end at byte " + pos + ": "
                    + (dataLength - pos) + " bytes after the last tensor belong to no tensor");
        }
    }

    String architectureText(JsonNode meta) {
        if (meta == null) {
            throw fail("the header has no '" + METADATA + "'; an LDE model stores its architecture there under '"
                    + ARCHITECTURE_KEY + "'");
        }
        if (!meta.isObject()) {
            throw fail("'" + METADATA + "' must be an object of strings, got " + typeName(meta));
        }
        List<String> keys = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = meta.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            keys.add(f.getKey());
            if (!f.getValue().isTextual()) {
                throw fail("'" + METADATA + "' value of '" + f.getKey() + "' must be a string (safetensors rule), got "
                        + typeName(f.getValue()));
            }
            if (f.getKey().startsWith("lde.") && !f.getKey().equals(ARCHITECTURE_KEY)
                    && !f.getKey().equals(VERSION_KEY)) {
                throw fail("unknown metadata key '" + f.getKey() + "' (LDE format version " + FORMAT_VERSION
                        + " knows " + VERSION_KEY + " and " + ARCHITECTURE_KEY + ")");
            }
        }
        JsonNode v = meta.get(VERSION_KEY);
        if (v != null && !v.textValue().equals(FORMAT_VERSION)) {
            throw fail("unsupported " + VERSION_KEY + " '" + v.textValue() + "'; this reader knows version "
                    + FORMAT_VERSION);
        }
        JsonNode a = meta.get(ARCHITECTURE_KEY);
        if (a == null) {
            throw fail("'" + METADATA + "' has no '" + ARCHITECTURE_KEY + "' (keys present: " + keys + ")");
        }
        return a.textValue();
    }
}
