package org.lde.explain.baseline;

import org.lde.engine.Backend;
import org.lde.explain.Attributor;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * RISE (Petsiuk et al. 2018), with the mask generator of the authors' code. For an image
 * {@code [C, H, W]}, cell size {@code s} pixels and keep probability {@code p}:
 * <ol>
 * <li>a binary grid of {@code gh x gw} cells, {@code gh = ceil(H / s)}, {@code gw = ceil(W / s)},
 *     each cell 1 with probability {@code p};</li>
 * <li>bilinear upsampling of the grid to {@code (gh + 1) s x (gw + 1) s} ({@link Bilinear},
 *     half-pixel convention; the authors use {@code skimage.resize(order=1)}, which differs only
 *     at the outer half cell, where it reflects instead of replicating the edge);</li>
 * <li>a random shift {@code (dy, dx)} uniform in {@code [0, s)^2} and the crop
 *     {@code [dy, dy + H) x [dx, dx + W)}: the mask {@code M in [0, 1]^{H x W}}, applied to every
 *     channel.</li>
 * </ol>
 * The saliency is the mask average weighted by the class probability of the masked input
 * (masked pixels go to 0, as in the paper): {@code phi = 1/(n p) sum_m p_y(x * M_m) M_m}, the
 * same value in every channel. The {@code n} masks are drawn once per call from a generator
 * seeded with {@code seed} and shared by all samples; the {@code N n} masked inputs go to the
 * backend as batched forward passes of at most {@code chunkRows} rows.
 */
public final class Rise implements Attributor {
    private final int masks;
    private final int cellSize;
    private final double keepProbability;
    private final long seed;
    private final int chunkRows;

    private Rise(int masks, int cellSize, double keepProbability, long seed, int chunkRows) {
        Batched.requirePositive("RISE masks", masks);
        Batched.requirePositive("RISE cell size", cellSize);
        if (!(keepProbability > 0 && keepProbability <= 1)) {
            throw new IllegalArgumentException("RISE keep probability must be in (0, 1], got " + keepProbability);
        }
        Batched.requireChunk(chunkRows);
        this.masks = masks;
        this.cellSize = cellSize;
        this.keepProbability = keepProbability;
        this.seed = seed;
        this.chunkRows = chunkRows;
    }

    /** 1000 masks, 4-pixel cells (7 x 7 cells on 28 x 28), p = 0.5, seed 1. */
    public Rise() {
        this(1000, 4, 0.5, 1, Batched.DEFAULT_CHUNK_ROWS);
    }

    public Rise withMasks(int n) {
        return new Rise(n, cellSize, keepProbability, seed, chunkRows);
    }

    public Rise withCellSize(int s) {
        return new Rise(masks, s, keepProbability, seed, chunkRows);
    }

    public Rise withKeepProbability(double p) {
        return new Rise(masks, cellSize, p, seed, chunkRows);
    }

    public Rise withSeed(long s) {
        return new Rise(masks, cellSize, keepProbability, s, chunkRows);
    }

    public Rise withChunkRows(int rows) {
        return new Rise(masks, cellSize, keepProbability, seed, rows);
    }

    @Override
    public String name() {
        return "rise";
    }

    /** The {@code n} masks {@code [n, H, W]} this instance draws for images of {@code H x W}. */
    public Tensor masks(int hh, int ww) {
        Rng rng = new Rng(seed);
        int gh = (hh + cellSize - 1) / cellSize;
        int gw = (ww + cellSize - 1) / cellSize;
        int uh = (gh + 1) * cellSize;
        int uw = (gw + 1) * cellSize;
        double[] out = new double[masks * hh * ww];
        double[] grid = new double[gh * gw];
        for (int m = 0; m < masks; m++) {
            for (int i = 0; i < grid.length; i++) {
                grid[i] = rng.uniform() < keepProbability ? 1 : 0;
            }
            double[] up = Bilinear.resize(grid, gh, gw, uh, uw);
            int dy = rng.nextInt(cellSize);
            int dx = rng.nextInt(cellSize);
            for (int r = 0; r < hh; r++) {
                System.arraycopy(up, (r + dy) * uw + dx, out, (m * hh + r) * ww, ww);
            }
        }
        return new Tensor(Shape.of(masks, hh, ww), out);
    }

    @Override
    public Tensor attribute(Backend backend, Tensor x, int[] classes) {
        Batched.checkAttributionInput(backend, x, classes);
        Network net = backend.network();
        Shape in = net.inputShape();
        if (in.rank() != 3) {
            throw new IllegalArgumentException("RISE needs image inputs [C, H, W], this network takes " + in);
        }
        int n = x.shape().dim(0);
        int ch = in.dim(0);
        int hh = in.dim(1);
        int ww = in.dim(2);
        int hw = hh * ww;
        int d = ch * hw;
        double[] md = masks(hh, ww).data();
        double[] phi = new double[n * d];
        // Rows ordered sample-major (sample i, mask m); processed in chunks so memory stays bounded.
        long total = (long) n * masks;
        int per = Math.max(1, chunkRows);
        for (long from = 0; from < total; from += per) {
            int rows = (int) Math.min(per, total - from);
            double[] buf = new double[rows * d];
            int[] cls = new int[rows];
            for (int r = 0; r < rows; r++) {
                long idx = from + r;
                int i = (int) (idx / masks);
                int m = (int) (idx % masks);
                cls[r] = classes[i];
                for (int cc = 0; cc < ch; cc++) {
                    int xo = i * d + cc * hw;
                    int bo = r * d + cc * hw;
                    for (int p = 0; p < hw; p++) {
                        buf[bo + p] = x.data()[xo + p] * md[m * hw + p];
                    }
                }
            }
            double[] prob = Batched.classProbabilities(backend, new Tensor(in.withBatch(rows), buf), cls, rows);
            for (int r = 0; r < rows; r++) {
                long idx = from + r;
                int i = (int) (idx / masks);
                int m = (int) (idx % masks);
                for (int p = 0; p < hw; p++) {
                    phi[i * d + p] += prob[r] * md[m * hw + p];
                }
            }
        }
        double norm = masks * keepProbability;
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < hw; p++) {
                phi[i * d + p] /= norm;
            }
            for (int cc = 1; cc < ch; cc++) {
                System.arraycopy(phi, i * d, phi, i * d + cc * hw, hw);
            }
        }
        return new Tensor(x.shape(), phi);
    }
}
