package org.lde.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Reads a numeric table from a CSV file (UTF-8, raw or gzip-compressed, detected by content).
 *
 * <p>Format: the first line is a header of unique, non-empty column names; every following line is
 * one sample with exactly as many fields, separated by commas. Fields may be enclosed in double
 * quotes ({@code ""} inside quotes is one quote); a quoted field cannot span lines. Line ends are
 * {@code \n} or {@code \r\n}; a UTF-8 byte-order mark before the header is ignored. Every feature
 * value must be a decimal number ({@code 12}, {@code -0.5}, {@code 1.5e-3}; spaces around it are
 * allowed); an empty field, {@code NaN}, {@code Inf}, a value that overflows a double, or anything
 * else is an error naming file, line and column (1-based line; column both by number, 1-based, and
 * by name). An empty or blank line is an error too (the file may end with a newline), and so is a
 * line longer than {@link #MAX_LINE_CHARS} characters (so an endless input such as {@code /dev/zero}
 * ends in an error, not an exhausted heap).
 *
 * <p>One column is the label (default: the last one). For classification, labels keep their
 * meaning and are never renumbered: without class names a label is a non-negative integer class
 * index, taken as written (classes {@code "0".."max"}); with class names (the model's, in the CLI) a
 * label is matched first by name (it equals a class name) and otherwise as a declared index
 * {@code 0..K-1}; anything else is an error naming the line and the value. The data set's source
 * states the mapping used. For regression the label column is the target ({@code [N, 1]}). The
 * other columns, in file order, are the features: inputs {@code [N, F]}, feature names from the
 * header. For z-score standardisation see {@link Standardization}.
 */
public final class CsvReader {
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");

    private CsvReader() {
    }

    /** What the label column means. */
    public enum Kind {
        CLASSIFICATION,
        REGRESSION
    }

    /**
     * Options (immutable; each method returns a new value; start from {@link #defaults()}). The label
     * column is given either by name or by 0-based index (negative counts from the end, -1 = last =
     * the default).
     *
     * @param labelName  the label column's name, or {@code ""} to select it by {@code labelIndex}
     * @param labelIndex the label column's index when {@code labelName} is empty; the value
     *                   {@link Integer#MIN_VALUE} means "{@code labelName} as in a spec" (a name if the
     *                   header has it, otherwise an integer index), see {@link #labelColumnSpec(String)}
     * @param kind       classification (integer labels) or regression (numeric target)
     * @param classNames explicit class names for labels {@code 0..K-1}, or empty to name classes by their codes
     */
    public record Options(String labelName, int labelIndex, Kind kind, List<String> classNames) {
        public Options {
            Objects.requireNonNull(labelName, "labelName (use \"\" to select by index)");
            Objects.requireNonNull(kind, "kind");
            classNames = List.copyOf(classNames);
        }

        /** Classification on the last column, classes named by their integer codes. */
        public static Options defaults() {
            return new Options("", -1, Kind.CLASSIFICATION, List.of());
        }

        /** Label column by its header name. */
        public Options labelColumn(String name) {
            if (name.isEmpty()) {
                throw new IllegalArgumentException("label column name must not be empty");
            }
            return new Options(name, -1, kind, classNames);
        }

        /** Label column by 0-based index; negative counts from the end (-1 = last column). */
        public Options labelColumn(int index) {
            return new Options("", index, kind, classNames);
        }

        /**
         * Label column from text as in a spec: the column of that name if the header has one, otherwise
         * an integer is an index as in {@link #labelColumn(int)}.
         */
        public Options labelColumnSpec(String spec) {
            return new Options(spec, Integer.MIN_VALUE, kind, classNames);
        }

        /** The label column is a regression target. */
        public Options regression() {
            return new Options(labelName, labelIndex, Kind.REGRESSION, List.of());
        }

        /** Integer class labels {@code 0..K-1} with these names. */
        public Options classNames(List<String> names) {
            return new Options(labelName, labelIndex, Kind.CLASSIFICATION, names);
        }
    }

    /** Reads {@code file} with the default options (classification, label = last column). */
    public static Dataset read(Path file) {
        return read(file, Options.defaults());
    }

    /** Reads {@code file}; the data set is named after the file name without {@code .csv}/{@code .gz}. */
    public static Dataset read(Path file, Options options) {
        return read(file, options, Integer.MAX_VALUE);
    }

    /** {@link #read(Path, Options)} reading only the first {@code limit} data lines (the rest is not read). */
    public static Dataset read(Path file, Options options, int limit) {
        String base = file.getFileName().toString().replaceFirst("\\.gz$", "").replaceFirst("\\.csv$", "");
        try (InputStream in = DataStreams.open(file)) {
            return read(in, file.toString(), base, "csv " + file, options, limit);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads CSV from {@code in} (already decompressed; not closed), naming it {@code where} in
     * messages.
     */
    static Dataset read(InputStream in, String where, String name, String source, Options options) {
        return read(in, where, name, source, options, Integer.MAX_VALUE);
    }

    /** The longest line read (in characters): an endless input without line ends is an error, not an exhausted heap. */
    public static final int MAX_LINE_CHARS = 1 << 22;
    /** The most classes a label column may declare by integer codes (each code up to this minus one). */
    public static final int MAX_CLASSES = 1 << 16;

    static Dataset read(InputStream in, String where, String name, String source, Options options, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException(where + ": limit must be at least 1, got " + limit);
        }
        Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));
        BufferedReader br = new BufferedReader(reader, 1 << 16);
        try {
            String headerLine = readLine(br, where, 1);
            if (headerLine == null) {
                throw new DataFormatException(where + ": file is empty (expected a header line)");
            }
            if (headerLine.startsWith("\uFEFF")) {
                headerLine = headerLine.substring(1);
            }
            List<String> header = split(headerLine, where, 1);
            Map<String, Integer> seen = new HashMap<>();
            for (int c = 0; c < header.size(); c++) {
                String h = header.get(c).trim();
                header.set(c, h);
                if (h.isEmpty()) {
                    throw new DataFormatException(where + ": line 1, column " + (c + 1) + ": empty column name in the header");
                }
                Integer prev = seen.put(h, c);
                if (prev != null) {
                    throw new DataFormatException(where + ": line 1: duplicate column name '" + h + "' at columns "
                            + (prev + 1) + " and " + (c + 1));
                }
            }
            if (header.size() < 2) {
                throw new DataFormatException(where + ": line 1: the header has " + header.size()
                        + " column(s); need at least one feature and one label column");
            }
            int label = labelColumn(header, options, where);
            int f = header.size() - 1;
            List<String> features = new ArrayList<>(header);
            features.remove(label);

            List<double[]> rows = new ArrayList<>();
            List<String> labelText = new ArrayList<>();
            int lineNo = 1;
            for (String line; rows.size() < limit && (line = readLine(br, where, lineNo + 1)) != null; ) {
                lineNo++;
                if (line.isBlank()) {
                    throw new DataFormatException(where + ": line " + lineNo + " is empty (every line after the header must be a sample)");
                }
                List<String> fields = split(line, where, lineNo);
                if (fields.size() != header.size()) {
                    throw new DataFormatException(where + ": line " + lineNo + " has " + fields.size() + " fields, the header has "
                            + header.size());
                }
                double[] row = new double[f];
                int j = 0;
                for (int c = 0; c < fields.size(); c++) {
                    if (c == label) {
                        labelText.add(fields.get(c).trim());
                        continue;
                    }
                    row[j++] = number(fields.get(c), where, lineNo, c, header.get(c));
                }
                rows.add(row);
            }
            int n = rows.size();
            if (n == 0) {
                throw new DataFormatException(where + ": no data lines after the header");
            }
            double[] x = new double[Math.multiplyExact(n, f)];
            for (int i = 0; i < n; i++) {
                System.arraycopy(rows.get(i), 0, x, i * f, f);
            }
            Tensor inputs = new Tensor(Shape.of(n, f), x);
            String labelName = header.get(label);
            String src = source + ", label column " + (label + 1) + " '" + labelName + "'";
            if (options.kind() == Kind.REGRESSION) {
                double[] t = new double[n];
                for (int i = 0; i < n; i++) {
                    t[i] = number(labelText.get(i), where, i + 2, label, labelName);
                }
                return Dataset.regression(name, inputs, Tensor.of(Shape.of(n, 1), t), features, src + " (regression target)");
            }
            int[] labels = new int[n];
            List<String> classNames = options.classNames();
            String mapping = classNames.isEmpty() ? labelsByCode(labelText, labels, where, label, labelName)
                    : labelsByClass(labelText, labels, classNames, where, label, labelName);
            if (classNames.isEmpty()) {
                int k = 0;
                for (int l : labels) {
                    k = Math.max(k, l + 1);
                }
                List<String> codes = new ArrayList<>();
                for (int i = 0; i < k; i++) {
                    codes.add(Integer.toString(i));
                }
                classNames = codes;
            }
            return Dataset.classification(name, inputs, labels, classNames, features, src + " (" + mapping + ")");
        } catch (CharacterCodingException e) {
            throw new DataFormatException(where + ": not valid UTF-8 text: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(where + ": read failed: " + e.getMessage(), e);
        }
    }

    /** One line, at most {@link #MAX_LINE_CHARS} characters; null at the end of the input. */
    private static String readLine(BufferedReader br, String where, int lineNo) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = br.read();
            if (c < 0) {
                return sb.length() == 0 ? null : sb.toString();
            }
            if (c == '\n') {
                int last = sb.length() - 1;
                return last >= 0 && sb.charAt(last) == '\r' ? sb.substring(0, last) : sb.toString();
            }
            if (sb.length() >= MAX_LINE_CHARS) {
                throw new DataFormatException(where + ": line " + lineNo + " is longer than " + MAX_LINE_CHARS
                        + " characters (an endless input, or not a CSV file?)");
            }
            sb.append((char) c);
        }
    }

    /**
     * Without class names, a label is its own class index: a non-negative integer code, taken as it
     * is (never renumbered by the values present).
     */
    private static String labelsByCode(List<String> text, int[] labels, String where, int label, String labelName) {
        for (int i = 0; i < labels.length; i++) {
            String at = where + ": line " + (i + 2) + ", column " + (label + 1) + " ('" + labelName + "'): ";
            String s = text.get(i);
            if (s.isEmpty()) {
                throw new DataFormatException(at + "missing class label");
            }
            if (!INTEGER.matcher(s).matches()) {
                throw new DataFormatException(at + "class label '" + s + "' is not an integer class index "
                        + "(labels by name need the model's class names)");
            }
            long c;
            try {
                c = Long.parseLong(s);
            } catch (NumberFormatException e) {
                c = Long.MAX_VALUE;
            }
            if (c < 0 || c >= MAX_CLASSES) {
                throw new DataFormatException(at + "class label '" + s + "' is not a class index in 0.." + (MAX_CLASSES - 1));
            }
            labels[i] = (int) c;
        }
        return "labels are class indices as written";
    }

    /**
     * With class names (usually the model's), a label names its class: first by name (the label
     * equals a class name), otherwise by declared index {@code 0..K-1}. Anything else is an error.
     */
    private static String labelsByClass(List<String> text, int[] labels, List<String> classes, String where, int label,
                                        String labelName) {
        Map<String, Integer> byName = new HashMap<>();
        for (int k = classes.size() - 1; k >= 0; k--) {
            byName.put(classes.get(k), k);
        }
        java.util.TreeMap<String, Integer> used = new java.util.TreeMap<>();
        for (int i = 0; i < labels.length; i++) {
            String s = text.get(i);
            Integer k = byName.get(s);
            if (k == null && INTEGER.matcher(s).matches()) {
                try {
                    long c = Long.parseLong(s);
                    k = c >= 0 && c < classes.size() ? (int) c : null;
                } catch (NumberFormatException e) {
                    k = null;
                }
            }
            if (k == null) {
                throw new DataFormatException(where + ": line " + (i + 2) + ", column " + (label + 1) + " ('" + labelName
                        + "'): class label '" + s + "' is neither one of the " + classes.size() + " class names "
                        + abbreviate(classes.toString()) + " nor a class index 0.." + (classes.size() - 1));
            }
            labels[i] = k;
            used.put(s, k);
        }
        StringBuilder m = new StringBuilder("labels matched to classes by name, else by index:");
        int shown = 0;
        for (Map.Entry<String, Integer> e : used.entrySet()) {
            if (shown++ == 20) {
                m.append(" ...");
                break;
            }
            m.append(' ').append('\'').append(e.getKey()).append("' -> ").append(e.getValue()).append(" '")
                    .append(classes.get(e.getValue())).append('\'').append(',');
        }
        m.setLength(m.length() - (m.charAt(m.length() - 1) == ',' ? 1 : 0));
        return m.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 197) + "...";
    }

    private static int labelColumn(List<String> header, Options o, String where) {
        int cols = header.size();
        if (o.labelIndex() == Integer.MIN_VALUE) {
            int byName = header.indexOf(o.labelName());
            if (byName >= 0) {
                return byName;
            }
            if (INTEGER.matcher(o.labelName()).matches()) {
                int i;
                try {
                    i = Integer.parseInt(o.labelName());
                } catch (NumberFormatException e) {
                    throw new DataFormatException(where + ": label column index " + o.labelName() + " is outside the " + cols
                            + " columns: " + header);
                }
                return index(i, cols, where, header);
            }
            throw new DataFormatException(where + ": no label column named '" + o.labelName() + "'; the columns are " + header);
        }
        if (!o.labelName().isEmpty()) {
            int byName = header.indexOf(o.labelName());
            if (byName < 0) {
                throw new DataFormatException(where + ": no label column named '" + o.labelName() + "'; the columns are " + header);
            }
            return byName;
        }
        return index(o.labelIndex(), cols, where, header);
    }

    private static int index(int i, int cols, String where, List<String> header) {
        int c = i < 0 ? cols + i : i;
        if (c < 0 || c >= cols) {
            throw new DataFormatException(where + ": label column index " + i + " is outside the " + cols + " columns "
                    + "(0-based; negative counts from the end): " + header);
        }
        return c;
    }

    /** Parses one numeric field strictly; see the class comment. */
    private static double number(String field, String where, int line, int col, String colName) {
        String s = field.trim();
        String at = where + ": line " + line + ", column " + (col + 1) + " ('" + colName + "'): ";
        if (s.isEmpty()) {
            throw new DataFormatException(at + "missing value");
        }
        if (!NUMBER.matcher(s).matches()) {
            String lower = s.toLowerCase(java.util.Locale.ROOT);
            if (lower.contains("nan") || lower.contains("inf")) {
                throw new DataFormatException(at + "value '" + s + "' is not finite (NaN and infinities are not allowed)");
            }
            throw new DataFormatException(at + "value '" + s + "' is not a number");
        }
        double v = Double.parseDouble(s);
        if (Double.isInfinite(v)) {
            throw new DataFormatException(at + "value '" + s + "' overflows a double");
        }
        return v;
    }

    /** Splits one line at commas, honouring double-quoted fields. */
    static List<String> split(String line, String where, int lineNo) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int i = 0;
        int n = line.length();
        while (true) {
            // start of a field
            int start = i;
            while (i < n && line.charAt(i) == ' ') {
                i++;
            }
            if (i < n && line.charAt(i) == '"') {
                i++;
                cur.setLength(0);
                while (true) {
                    if (i >= n) {
                        throw new DataFormatException(where + ": line " + lineNo + ", column " + (out.size() + 1)
                                + ": unterminated quoted field (quoted fields cannot span lines)");
                    }
                    char ch = line.charAt(i++);
                    if (ch == '"') {
                        if (i < n && line.charAt(i) == '"') {
                            cur.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        cur.append(ch);
                    }
                }
                while (i < n && line.charAt(i) == ' ') {
                    i++;
                }
                if (i < n && line.charAt(i) != ',') {
                    throw new DataFormatException(where + ": line " + lineNo + ", column " + (out.size() + 1)
                            + ": unexpected text after the closing quote");
                }
                out.add(cur.toString());
            } else {
                i = start;
                int comma = line.indexOf(',', i);
                int end = comma < 0 ? n : comma;
                String field = line.substring(i, end);
                if (field.indexOf('"') >= 0) {
                    throw new DataFormatException(where + ": line " + lineNo + ", column " + (out.size() + 1)
                            + ": stray double quote in unquoted field '" + field + "'");
                }
                out.add(field);
                i = end;
            }
            if (i >= n) {
                return out;
            }
            i++; // skip the comma
        }
    }
}
