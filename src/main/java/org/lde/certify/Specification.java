package org.lde.certify;

import java.util.Arrays;

/**
 * The rows {@code C} of a specification {@code C f(x')} (METHOD.md section 7), per sample: the
 * logits ({@code C = I}), the margins {@code f_y - f_j} of the predicted class {@code y} over every
 * other class {@code j}, or the margins of a given label over every other class. Margin rows are in
 * the order of {@code j} ascending, {@code j != y}.
 */
public final class Specification {
    /** What the rows are. */
    public enum Kind { LOGITS, PREDICTED_MARGINS, LABEL_MARGINS }

    private final Kind kind;
    private final int[] labels;

    private Specification(Kind kind, int[] labels) {
        this.kind = kind;
        this.labels = labels;
    }

    /** The logits themselves. */
    public static Specification logits() {
        return new Specification(Kind.LOGITS, new int[0]);
    }

    /** The margins of each sample's predicted class (arg-max of the backend's logits at {@code x}). */
    public static Specification predictedMargins() {
        return new Specification(Kind.PREDICTED_MARGINS, new int[0]);
    }

    /** The margins of the given label of each sample over every other class. */
    public static Specification labelMargins(int[] labels) {
        return new Specification(Kind.LABEL_MARGINS, labels.clone());
    }

    public Kind kind() {
        return kind;
    }

    /** Rows per sample for {@code classes} outputs. */
    public int rows(int classes) {
        return kind == Kind.LOGITS ? classes : classes - 1;
    }

    /**
     * The class whose margins sample {@code n} bounds ({@code -1} for logits).
     *
     * @param predicted the predicted classes
     */
    int anchor(int n, int[] predicted) {
        switch (kind) {
            case LOGITS:
                return -1;
            case PREDICTED_MARGINS:
                return predicted[n];
            default:
                return labels[n];
        }
    }

    void check(int samples, int classes) {
        if (kind == Kind.LABEL_MARGINS) {
            if (labels.length != samples) {
                throw new IllegalArgumentException(labels.length + " labels for " + samples + " samples");
            }
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] < 0 || labels[i] >= classes) {
                    throw new IllegalArgumentException("label " + labels[i] + " of sample " + i + " is outside [0, " + classes + ")");
                }
            }
        }
        if (kind != Kind.LOGITS && classes < 2) {
            throw new IllegalArgumentException("margins need at least 2 outputs, the network has " + classes);
        }
    }

    /** The other class of margin row {@code r} for anchor {@code y} (or the logit index for logits). */
    static int other(int y, int r) {
        return y < 0 || r < y ? r : r + 1;
    }

    /** Row-major {@code [rows, classes]} matrix for anchor {@code y}. */
    static double[] matrix(int y, int classes) {
        int rows = y < 0 ? classes : classes - 1;
        double[] m = new double[rows * classes];
        for (int r = 0; r < rows; r++) {
            int j = other(y, r);
            m[r * classes + j] = y < 0 ? 1 : -1;
            if (y >= 0) {
                m[r * classes + y] = 1;
            }
        }
        return m;
    }

    @Override
    public String toString() {
        return kind == Kind.LABEL_MARGINS ? "label margins " + Arrays.toString(labels) : kind.name().toLowerCase();
    }
}
