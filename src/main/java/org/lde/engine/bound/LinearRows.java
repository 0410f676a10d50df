package org.lde.engine.bound;

import java.util.Arrays;
import org.lde.tensor.Shape;

/**
 * A batch of linear functions of one node of a network, {@code g_r(z) = a_r . z + bias_r}, as the
 * backward bound pass carries them (METHOD.md section 7). Each row's coefficients live in a window
 * of the node's {@code [C, H, W]} grid (vectors are {@code [n, 1, 1]}): all channels, {@code windowH x
 * windowW} cells starting at the row's origin {@code (originH[r], originW[r])}; cells outside the
 * window are zero, and so are cells of the window that fall outside the grid. Rows that start as
 * single neurons of a convolution's output keep windows the size of their receptive field
 * (auto_LiRPA calls this the "patches" form), which is what makes CROWN on a CNN cheap; a full row
 * has the window of the whole grid and origin {@code (0, 0)}.
 *
 * <p>Layout: {@code coefficients[((r * channels + c) * windowH + i) * windowW + j]}. The arrays are
 * shared, not copied.
 */
public final class LinearRows {
    private final int rows;
    private final int channels;
    private final int windowH;
    private final int windowW;
    private final int[] originH;
    private final int[] originW;
    private final double[] coefficients;
    private final double[] bias;

    LinearRows(int rows, int channels, int windowH, int windowW, int[] originH, int[] originW, double[] coefficients,
               double[] bias) {
        if (originH.length != rows || originW.length != rows || bias.length != rows
                || coefficients.length != (long) rows * channels * windowH * windowW) {
            throw new IllegalArgumentException("linear rows: " + rows + " rows of " + channels + "x" + windowH + "x" + windowW
                    + " do not match arrays of " + originH.length + ", " + originW.length + ", " + bias.length + ", "
                    + coefficients.length);
        }
        this.rows = rows;
        this.channels = channels;
        this.windowH = windowH;
        this.windowW = windowW;
        this.originH = originH;
        this.originW = originW;
        this.coefficients = coefficients;
        this.bias = bias;
    }

    /**
     * Full rows {@code a [R, size]} over a node of the given shape, with zero bias.
     *
     * @param a row-major {@code [rows, shape.size]}; kept, not copied
     */
    public static LinearRows full(Shape nodeShape, int rows, double[] a) {
        Grid g = Grid.of(nodeShape);
        if (a.length != (long) rows * g.size()) {
            throw new IllegalArgumentException("specification of " + a.length + " values is not " + rows + " rows of "
                    + nodeShape + " (" + g.size() + " values each)");
        }
        return new LinearRows(rows, g.c(), g.h(), g.w(), new int[rows], new int[rows], a, new double[rows]);
    }

    /**
     * Full rows {@code a [R, size]} with the given bias {@code [R]} (both kept, not copied).
     */
    public static LinearRows full(Shape nodeShape, int rows, double[] a, double[] bias) {
        LinearRows r = full(nodeShape, rows, a);
        if (bias.length != rows) {
            throw new IllegalArgumentException("bias of " + bias.length + " values for " + rows + " rows");
        }
        return new LinearRows(rows, r.channels, r.windowH, r.windowW, r.originH, r.originW, a, bias);
    }

    /**
     * Rows with windows of {@code channels x windowH x windowW} at the given origins (a backend's result; layout in the
     * class comment; every array kept, not copied).
     *
     * @throws IllegalArgumentException when an array's length does not fit the counts
     */
    public static LinearRows windowed(int rows, int channels, int windowH, int windowW, int[] originH, int[] originW,
                                      double[] coefficients, double[] bias) {
        return new LinearRows(rows, channels, windowH, windowW, originH, originW, coefficients, bias);
    }

    /** Whether every row's window is the whole node of the given shape at origin {@code (0, 0)} (coefficients {@code [R, size]}). */
    public boolean fullOver(Shape nodeShape) {
        return isFull(Grid.of(nodeShape));
    }

    /**
     * Two rows per listed neuron of a node, {@code +e_j} then {@code -e_j} (their lower bounds give the
     * neuron's lower bound and minus its upper bound), each in a 1x1 window at the neuron's cell.
     *
     * @param neurons flat indices into the node ({@code (c * H + i) * W + j})
     */
    public static LinearRows plusMinusIdentity(Shape nodeShape, int[] neurons) {
        Grid g = Grid.of(nodeShape);
        int r = 2 * neurons.length;
        int[] oh = new int[r];
        int[] ow = new int[r];
        double[] a = new double[r * g.c()];
        for (int k = 0; k < neurons.length; k++) {
            int n = neurons[k];
            if (n < 0 || n >= g.size()) {
                throw new IllegalArgumentException("neuron " + n + " is outside the node of shape " + nodeShape);
            }
            int c = n / g.plane();
            int cell = n % g.plane();
            for (int s = 0; s < 2; s++) {
                oh[2 * k + s] = cell / g.w();
                ow[2 * k + s] = cell % g.w();
                a[(2 * k + s) * g.c() + c] = s == 0 ? 1 : -1;
            }
        }
        return new LinearRows(r, g.c(), 1, 1, oh, ow, a, new double[r]);
    }

    public int rows() {
        return rows;
    }

    public int channels() {
        return channels;
    }

    public int windowH() {
        return windowH;
    }

    public int windowW() {
        return windowW;
    }

    /** First grid row of row {@code r}'s window (may be negative: cells outside the grid are zero). */
    public int originH(int r) {
        return originH[r];
    }

    public int originW(int r) {
        return originW[r];
    }

    /** The shared coefficient array (layout in the class comment). */
    public double[] coefficients() {
        return coefficients;
    }

    /** The shared bias array {@code [rows]}. */
    public double[] bias() {
        return bias;
    }

    /** Coefficients per row: {@code channels * windowH * windowW}. */
    public int rowSize() {
        return channels * windowH * windowW;
    }

    /** Row {@code r} scattered into a full node of the given grid (cells outside it dropped). */
    double[] dense(int r, Grid g) {
        double[] out = new double[g.size()];
        addDense(r, g, 1, out);
        return out;
    }

    /** {@code out += scale * row r}, scattered into a full node of grid {@code g}. */
    void addDense(int r, Grid g, double scale, double[] out) {
        int base = r * rowSize();
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < windowH; i++) {
                int gi = originH[r] + i;
                if (gi < 0 || gi >= g.h()) {
                    continue;
                }
                for (int j = 0; j < windowW; j++) {
                    int gj = originW[r] + j;
                    if (gj >= 0 && gj < g.w()) {
                        out[(c * g.h() + gi) * g.w() + gj] += scale * coefficients[base + (c * windowH + i) * windowW + j];
                    }
                }
            }
        }
    }

    /** Whether every row's window is the whole grid {@code g} at origin {@code (0, 0)}. */
    boolean isFull(Grid g) {
        if (channels != g.c() || windowH != g.h() || windowW != g.w()) {
            return false;
        }
        for (int r = 0; r < rows; r++) {
            if (originH[r] != 0 || originW[r] != 0) {
                return false;
            }
        }
        return true;
    }

    /** These rows with the window of the whole grid {@code g} (this object when it already is; else a copy, bias shared). */
    LinearRows full(Grid g) {
        if (isFull(g)) {
            return this;
        }
        double[] a = new double[rows * g.size()];
        for (int r = 0; r < rows; r++) {
            double[] d = dense(r, g);
            System.arraycopy(d, 0, a, r * g.size(), d.length);
        }
        return new LinearRows(rows, g.c(), g.h(), g.w(), new int[rows], new int[rows], a, bias);
    }

    /**
     * The sum of two row sets of the same node (grid {@code g}): coefficients and biases added. Rows with
     * the same windows and origins are added in place of their window, others over the whole grid.
     */
    static LinearRows sum(LinearRows x, LinearRows y, Grid g) {
        if (x.rows != y.rows) {
            throw new IllegalArgumentException("cannot add " + x.rows + " rows to " + y.rows);
        }
        boolean same = x.channels == y.channels && x.windowH == y.windowH && x.windowW == y.windowW
                && Arrays.equals(x.originH, y.originH) && Arrays.equals(x.originW, y.originW);
        LinearRows a = same ? x.copy() : x.full(g).copy();
        LinearRows b = same ? y : y.full(g);
        for (int i = 0; i < a.coefficients.length; i++) {
            a.coefficients[i] += b.coefficients[i];
        }
        for (int r = 0; r < a.rows; r++) {
            a.bias[r] += b.bias[r];
        }
        return a;
    }

    /** Channels {@code [from, from + count)} of these rows (same windows and origins), with the given bias. */
    LinearRows channelSlice(int from, int count, double[] newBias) {
        int cells = windowH * windowW;
        double[] a = new double[rows * count * cells];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(coefficients, (r * channels + from) * cells, a, r * count * cells, count * cells);
        }
        return new LinearRows(rows, count, windowH, windowW, originH.clone(), originW.clone(), a, newBias);
    }

    /** A copy of the coefficients and origins with the given bias (kept, not copied). */
    LinearRows copyWithBias(double[] newBias) {
        return new LinearRows(rows, channels, windowH, windowW, originH.clone(), originW.clone(), coefficients.clone(), newBias);
    }

    /** A deep copy. */
    public LinearRows copy() {
        return new LinearRows(rows, channels, windowH, windowW, originH.clone(), originW.clone(), coefficients.clone(),
                bias.clone());
    }

    /** Rows with every coefficient and bias negated (a deep copy). */
    public LinearRows negated() {
        LinearRows n = copy();
        for (int i = 0; i < n.coefficients.length; i++) {
            n.coefficients[i] = -n.coefficients[i];
        }
        for (int i = 0; i < rows; i++) {
            n.bias[i] = -n.bias[i];
        }
        return n;
    }

    @Override
    public String toString() {
        return "LinearRows[" + rows + " x " + channels + "x" + windowH + "x" + windowW + ", origins "
                + Arrays.toString(Arrays.copyOf(originH, Math.min(rows, 4))) + "...]";
    }
}
