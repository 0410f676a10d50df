package org.lde.explain.baseline;

import java.util.ArrayList;
import java.util.List;
import org.lde.engine.Backend;
import org.lde.explain.Attributor;
import org.lde.tensor.Tensor;

/**
 * Occlusion (Zeiler and Fergus 2014). A {@code window x window} square spanning all channels
 * (height 1 for vector inputs, see {@link ImageView}) slides with {@code stride}; each position
 * {@code W} is replaced by the constant {@code baseline} and scored by the drop of the class
 * logit, {@code Delta_W = f_y(x) - f_y(x with x_i := b for i in W)}. A feature's attribution is
 * the mean of {@code Delta_W} over the windows that cover it.
 *
 * <p>Positions along an axis of length {@code L}: {@code 0, stride, 2 stride, ...} while the
 * window fits, plus one last window flush with the far edge ({@code L - window}) when the regular
 * grid leaves pixels uncovered, so every feature is covered at least once. A window larger than
 * the image is an error. For a linear model {@code f_y = w^T x + c}, {@code Delta_W =
 * sum_{i in W} w_i (x_i - b)}. All {@code N P} occluded inputs go to the backend as batched forward
 * passes of at most {@code chunkRows} rows.
 */
public final class Occlusion implements Attributor {
    private final int window;
    private final int stride;
    private final double baseline;
    private final int chunkRows;

    private Occlusion(int window, int stride, double baseline, int chunkRows) {
        Batched.requirePositive("occlusion window", window);
        Batched.requirePositive("occlusion stride", stride);
        if (!Double.isFinite(baseline)) {
            throw new IllegalArgumentException("occlusion baseline must be finite, got " + baseline);
        }
        Batched.requireChunk(chunkRows);
        this.window = window;
        this.stride = stride;
        this.baseline = baseline;
        this.chunkRows = chunkRows;
    }

    /** 4 x 4 windows, stride 2, baseline 0. */
    public Occlusion() {
        this(4, 2, 0, Batched.DEFAULT_CHUNK_ROWS);
    }

    public Occlusion withWindow(int w) {
        return new Occlusion(w, stride, baseline, chunkRows);
    }

    public Occlusion withStride(int s) {
        return new Occlusion(window, s, baseline, chunkRows);
    }

    public Occlusion withBaseline(double b) {
        return new Occlusion(window, stride, b, chunkRows);
    }

    public Occlusion withChunkRows(int rows) {
        return new Occlusion(window, stride, baseline, rows);
    }

    @Override
    public String name() {
        return "occlusion";
    }

    /** Window start positions along an axis of {@code length} (see the class comment). */
    static int[] positions(int length, int window, int stride) {
        if (window > length) {
            throw new IllegalArgumentException("occlusion window " + window + " is larger than the image side " + length);
        }
        List<Integer> ps = new ArrayList<>();
        int p = 0;
        for (; p + window <= length; p += stride) {
            ps.add(p);
        }
        int last = ps.get(ps.size() - 1);
        if (last + window < length) {
            ps.add(length - window);
        }
        return ps.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public Tensor attribute(Backend backend, Tensor x, int[] classes) {
        Batched.checkAttributionInput(backend, x, classes);
        ImageView v = ImageView.of(backend.network().inputShape());
        int wh = v.height() == 1 ? 1 : window;
        int[] py = positions(v.height(), wh, v.height() == 1 ? 1 : stride);
        int[] px = positions(v.width(), window, stride);
        int n = x.shape().dim(0);
        int d = v.size();
        int hw = v.pixels();
        int np = py.length * px.length;
        // Row layout: sample i, window q -> row i * (np + 1) + q; row i * (np + 1) + np is x itself.
        int per = np + 1;
        long total = (long) n * per;
        double[] score = new double[(int) total];
        for (long from = 0; from < total; from += chunkRows) {
            int rows = (int) Math.min(chunkRows, total - from);
            double[] buf = new double[rows * d];
            int[] cls = new int[rows];
            for (int r = 0; r < rows; r++) {
                int idx = (int) (from + r);
                int i = idx / per;
                int q = idx % per;
                cls[r] = classes[i];
                System.arraycopy(x.data(), i * d, buf, r * d, d);
                if (q < np) {
                    int y0 = py[q / px.length];
                    int x0 = px[q % px.length];
                    for (int c = 0; c < v.channels(); c++) {
                        for (int yy = y0; yy < y0 + wh; yy++) {
                            for (int xx = x0; xx < x0 + window; xx++) {
                                buf[r * d + c * hw + yy * v.width() + xx] = baseline;
                            }
                        }
                    }
                }
            }
            double[] f = Batched.classLogits(backend, new Tensor(backend.network().inputShape().withBatch(rows), buf), cls, rows);
            System.arraycopy(f, 0, score, (int) from, rows);
        }
        double[] sum = new double[n * hw];
        int[] count = new int[hw];
        for (int q = 0; q < np; q++) {
            int y0 = py[q / px.length];
            int x0 = px[q % px.length];
            for (int yy = y0; yy < y0 + wh; yy++) {
                for (int xx = x0; xx < x0 + window; xx++) {
                    count[yy * v.width() + xx]++;
                }
            }
        }
        for (int i = 0; i < n; i++) {
            double full = score[i * per + np];
            for (int q = 0; q < np; q++) {
                double drop = full - score[i * per + q];
                int y0 = py[q / px.length];
                int x0 = px[q % px.length];
                for (int yy = y0; yy < y0 + wh; yy++) {
                    for (int xx = x0; xx < x0 + window; xx++) {
                        sum[i * hw + yy * v.width() + xx] += drop;
                    }
                }
            }
        }
        double[] phi = new double[n * d];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < v.channels(); c++) {
                for (int p = 0; p < hw; p++) {
                    phi[i * d + c * hw + p] = sum[i * hw + p] / count[p];
                }
            }
        }
        return new Tensor(x.shape(), phi);
    }
}
