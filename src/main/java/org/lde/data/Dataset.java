package org.lde.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * A labelled data set held in memory.
 *
 * <ul>
 *   <li>{@code inputs}: {@code [N, ...]} float64; images are {@code [N, 1, H, W]} with pixel =
 *       byte / 255 in {@code [0, 1]}, tables are {@code [N, F]}.</li>
 *   <li>{@code labels}: for classification ({@code classNames} not empty) one class index in
 *       {@code 0..K-1} per sample, {@code K = classNames.size()}; otherwise an empty array.</li>
 *   <li>{@code targets}: regression targets {@code [N, T]}; {@code T = 0} (shape {@code [N, 0]})
 *       when there are none. A data set has labels, targets, or both.</li>
 *   <li>{@code featureNames}: one name per input value of a sample (tables), or empty (images).</li>
 *   <li>{@code source}: where the data came from (file, package and version, selection).</li>
 * </ul>
 *
 * The {@code labels} array is copied on construction and by {@link #labels()}; the input and target
 * tensors are shared (not copied), as everywhere in the engine: do not write into them unless you own
 * the data set. Derived data sets ({@link #subset}, {@link #batch}, {@link #split}) copy their rows.
 * Equality is by reference for the arrays and tensors (records' default for such components).
 */
public record Dataset(String name, Tensor inputs, int[] labels, Tensor targets, List<String> classNames,
                      List<String> featureNames, String source) {

    public Dataset {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(targets, "targets");
        Objects.requireNonNull(source, "source");
        classNames = List.copyOf(classNames);
        featureNames = List.copyOf(featureNames);
        labels = labels.clone();
        Shape s = inputs.shape();
        if (s.rank() < 2) {
            throw new IllegalArgumentException("data set '" + name + "': inputs must be [N, ...] with rank >= 2, got " + s);
        }
        int n = s.dim(0);
        long perSample = 1;
        for (int a = 1; a < s.rank(); a++) {
            perSample *= s.dim(a);
        }
        if (perSample == 0) {
            throw new IllegalArgumentException("data set '" + name + "': a sample of shape " + s.dropFirst() + " has no values");
        }
        if (targets.shape().rank() != 2 || targets.shape().dim(0) != n) {
            throw new IllegalArgumentException("data set '" + name + "': targets must be [N, T] with N = " + n
                    + " (T = 0 for none), got " + targets.shape());
        }
        if (classNames.isEmpty()) {
            if (labels.length != 0) {
                throw new IllegalArgumentException("data set '" + name + "': " + labels.length
                        + " labels given but no class names (labels need class names)");
            }
            if (targets.shape().dim(1) == 0) {
                throw new IllegalArgumentException("data set '" + name + "' has neither class labels nor regression targets");
            }
        } else {
            if (labels.length != n) {
                throw new IllegalArgumentException("data set '" + name + "': " + n + " samples but " + labels.length + " labels");
            }
            int k = classNames.size();
            for (int i = 0; i < n; i++) {
                if (labels[i] < 0 || labels[i] >= k) {
                    throw new IllegalArgumentException("data set '" + name + "': label " + labels[i] + " of sample " + i
                            + " is outside 0.." + (k - 1) + " (" + k + " class names)");
                }
            }
        }
        if (!featureNames.isEmpty() && featureNames.size() != perSample) {
            throw new IllegalArgumentException("data set '" + name + "': " + featureNames.size() + " feature names for samples of "
                    + perSample + " values (shape " + s.dropFirst() + ")");
        }
    }

    /** A classification data set without regression targets. */
    public static Dataset classification(String name, Tensor inputs, int[] labels, List<String> classNames,
                                         List<String> featureNames, String source) {
        return new Dataset(name, inputs, labels, Tensor.zeros(inputs.shape().dim(0), 0), classNames, featureNames, source);
    }

    /** A regression data set; {@code targets} is {@code [N]} (one target, reshaped to {@code [N, 1]}) or {@code [N, T]}. */
    public static Dataset regression(String name, Tensor inputs, Tensor targets, List<String> featureNames, String source) {
        Tensor t = targets.shape().rank() == 1 ? targets.reshape(targets.shape().dim(0), 1) : targets;
        return new Dataset(name, inputs, new int[0], t, List.of(), featureNames, source);
    }

    /** Number of samples N. */
    public int size() {
        return inputs.shape().dim(0);
    }

    /** Shape of one sample (inputs without the batch dimension), e.g. {@code [1, 28, 28]} or {@code [30]}. */
    public Shape sampleShape() {
        return inputs.shape().dropFirst();
    }

    /** True for a classification data set (it has class names and one label per sample). */
    public boolean hasLabels() {
        return !classNames.isEmpty();
    }

    /** True if the data set has regression targets ({@code T > 0}). */
    public boolean hasTargets() {
        return targets.shape().dim(1) > 0;
    }

    /** Number of classes K (0 for a pure regression data set). */
    public int numClasses() {
        return classNames.size();
    }

    /** A copy of the labels (empty without classes). */
    @Override
    public int[] labels() {
        return labels.clone();
    }

    /** The label of sample {@code i}. */
    public int label(int i) {
        requireLabels();
        Objects.checkIndex(i, labels.length);
        return labels[i];
    }

    /** Number of samples of each class, indexed by class. */
    public int[] classCounts() {
        requireLabels();
        int[] c = new int[classNames.size()];
        for (int l : labels) {
            c[l]++;
        }
        return c;
    }

    /** Samples {@code [from, to)}, copied. */
    public Dataset subset(int from, int to) {
        if (from < 0 || to > size() || from > to) {
            throw new IndexOutOfBoundsException("subset [" + from + ", " + to + ") of data set '" + name + "' with " + size() + " samples");
        }
        int[] idx = new int[to - from];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = from + i;
        }
        return subset(idx, name, source + "; samples [" + from + ", " + to + ")");
    }

    /** The samples at {@code indices} (in that order, repeats allowed), copied; {@code indices} is not modified. */
    public Dataset subset(int[] indices) {
        return subset(indices, name, source + "; " + indices.length + " selected samples");
    }

    private Dataset subset(int[] indices, String newName, String newSource) {
        Batch b = batch(indices);
        return new Dataset(newName, b.inputs(), hasLabels() ? b.labels() : new int[0], b.targets(), classNames, featureNames, newSource);
    }

    /**
     * One mini-batch: the inputs, labels and targets of the samples at {@code indices} (copied, in
     * that order). {@code indices} is not modified.
     */
    public Batch batch(int[] indices) {
        int n = size();
        int row = sampleShape().sizeInt();
        int t = targets.shape().dim(1);
        double[] x = new double[Math.multiplyExact(indices.length, row)];
        double[] y = new double[Math.multiplyExact(indices.length, t)];
        int[] l = new int[hasLabels() ? indices.length : 0];
        double[] src = inputs.data();
        double[] tsrc = targets.data();
        for (int i = 0; i < indices.length; i++) {
            int k = indices[i];
            if (k < 0 || k >= n) {
                throw new IndexOutOfBoundsException("index " + k + " (position " + i + ") outside data set '" + name + "' of " + n + " samples");
            }
            System.arraycopy(src, k * row, x, i * row, row);
            System.arraycopy(tsrc, k * t, y, i * t, t);
            if (l.length > 0) {
                l[i] = labels[k];
            }
        }
        return new Batch(new Tensor(sampleShape().withBatch(indices.length), x), l, Tensor.of(Shape.of(indices.length, t), y),
                indices.clone());
    }

    /**
     * The sample indices of one epoch cut into mini-batches of {@code batchSize}, in order
     * {@code 0..N-1}. The last batch holds the remainder (it is smaller, never dropped).
     */
    public List<int[]> batchIndices(int batchSize) {
        int[] order = new int[size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        return cut(order, batchSize);
    }

    /**
     * Like {@link #batchIndices(int)}, but over a random permutation drawn from {@code rng} (which
     * advances): the same seed gives the same batches. The last batch holds the remainder.
     */
    public List<int[]> batchIndices(int batchSize, Rng rng) {
        return cut(rng.permutation(size()), batchSize);
    }

    private static List<int[]> cut(int[] order, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        List<int[]> out = new ArrayList<>();
        for (int from = 0; from < order.length; from += batchSize) {
            out.add(Arrays.copyOfRange(order, from, Math.min(order.length, from + batchSize)));
        }
        return out;
    }

    /**
     * A reproducible train/test split: for classification it is stratified (from each class,
     * {@code round(testFraction * count)} samples drawn by a seeded permutation go to the test part);
     * otherwise {@code round(testFraction * N)} samples. Both parts keep the original order.
     */
    public Split split(double testFraction, long seed) {
        if (!(testFraction >= 0 && testFraction <= 1)) {
            throw new IllegalArgumentException("test fraction must be in [0, 1], got " + testFraction);
        }
        Rng rng = new Rng(seed);
        boolean[] test = new boolean[size()];
        if (hasLabels()) {
            for (int c = 0; c < numClasses(); c++) {
                List<Integer> members = new ArrayList<>();
                for (int i = 0; i < labels.length; i++) {
                    if (labels[i] == c) {
                        members.add(i);
                    }
                }
                int[] perm = rng.permutation(members.size());
                long take = Math.round(testFraction * members.size());
                for (int j = 0; j < take; j++) {
                    test[members.get(perm[j])] = true;
                }
            }
        } else {
            int[] perm = rng.permutation(size());
            long take = Math.round(testFraction * size());
            for (int j = 0; j < take; j++) {
                test[perm[j]] = true;
            }
        }
        int nTest = 0;
        for (boolean b : test) {
            nTest += b ? 1 : 0;
        }
        int[] tr = new int[size() - nTest];
        int[] te = new int[nTest];
        int a = 0, b = 0;
        for (int i = 0; i < test.length; i++) {
            if (test[i]) {
                te[b++] = i;
            } else {
                tr[a++] = i;
            }
        }
        String how = "split(testFraction=" + testFraction + ", seed=" + seed + (hasLabels() ? ", stratified" : "") + ")";
        return new Split(subset(tr, name + ":train", source + "; train part of " + how),
                subset(te, name + ":test", source + "; test part of " + how), tr, te);
    }

    /** The same data set with other inputs of the same batch size (e.g. standardised); labels and targets kept. */
    public Dataset withInputs(Tensor newInputs, List<String> newFeatureNames, String newSource) {
        if (newInputs.shape().rank() < 1 || newInputs.shape().dim(0) != size()) {
            throw new IllegalArgumentException("new inputs " + newInputs.shape() + " do not have the " + size() + " samples of '" + name + "'");
        }
        return new Dataset(name, newInputs, labels, targets, classNames, newFeatureNames, newSource);
    }

    /** The same data with other class names (same number of classes), e.g. descriptive names for integer codes. */
    public Dataset withClassNames(List<String> names) {
        requireLabels();
        if (names.size() != classNames.size()) {
            throw new IllegalArgumentException("data set '" + name + "' has " + classNames.size() + " classes, got " + names.size()
                    + " class names " + names);
        }
        return new Dataset(name, inputs, labels, targets, names, featureNames, source);
    }

    /** The same data under another name. */
    public Dataset withName(String newName) {
        return new Dataset(newName, inputs, labels, targets, classNames, featureNames, source);
    }

    private void requireLabels() {
        if (!hasLabels()) {
            throw new IllegalStateException("data set '" + name + "' has no class labels (it holds regression targets only)");
        }
    }

    @Override
    public String toString() {
        return "Dataset[" + name + ": " + size() + " x " + sampleShape()
                + (hasLabels() ? ", " + numClasses() + " classes" : "")
                + (hasTargets() ? ", " + targets.shape().dim(1) + " targets" : "") + "; " + source + "]";
    }

    /**
     * One mini-batch. {@code inputs} is {@code [B, ...]}, {@code labels} has B entries (empty
     * without classes), {@code targets} is {@code [B, T]}, {@code indices} are the samples' positions
     * in the data set they came from.
     */
    public record Batch(Tensor inputs, int[] labels, Tensor targets, int[] indices) {
        public int size() {
            return indices.length;
        }
    }

    /** The two parts of {@link #split}, and which samples of the original went where (ascending). */
    public record Split(Dataset train, Dataset test, int[] trainIndices, int[] testIndices) {
    }
}
