package org.lde.explain.baseline;

import org.lde.engine.Backend;
import org.lde.explain.Attributor;
import org.lde.tensor.Rng;
import org.lde.tensor.Tensor;

/**
 * SmoothGrad (Smilkov et al. 2017): the class-logit gradient averaged over {@code n} noisy copies,
 * {@code phi = 1/n sum_k grad f_y(x + e_k)}, {@code e_k ~ N(0, sigma^2 I)} with
 * {@code sigma = noiseFraction * (hi - lo)} of the network's data domain (default 0.15, inside
 * the paper's recommended 10-20%). The noisy points are not clipped to the domain (as in the
 * paper). The noise is drawn from a generator seeded with {@code seed} for every call, so the same
 * call gives the same answer, in the order sample, draw, feature; {@link #attributeWithNoise} takes
 * the noise {@code e} from the caller instead ({@code [N n, inputShape...]}, row {@code i n + k} is
 * {@code e_k} of sample {@code i}), so that a figure can be reproduced against another library. All
 * {@code N n} rows go to the backend as a few batched gradient calls.
 */
public final class SmoothGrad implements Attributor {
    private final int samples;
    private final double noiseFraction;
    private final long seed;
    private final int chunkRows;

    private SmoothGrad(int samples, double noiseFraction, long seed, int chunkRows) {
        Batched.requirePositive("smoothgrad samples", samples);
        Batched.requirePositiveFinite("smoothgrad noise fraction", noiseFraction);
        Batched.requireChunk(chunkRows);
        this.samples = samples;
        this.noiseFraction = noiseFraction;
        this.seed = seed;
        this.chunkRows = chunkRows;
    }

    /** 50 samples, sigma = 15% of the data range, seed 1. */
    public SmoothGrad() {
        this(50, 0.15, 1, Batched.DEFAULT_CHUNK_ROWS);
    }

    public SmoothGrad withSamples(int n) {
        return new SmoothGrad(n, noiseFraction, seed, chunkRows);
    }

    public SmoothGrad withNoiseFraction(double f) {
        return new SmoothGrad(samples, f, seed, chunkRows);
    }

    public SmoothGrad withSeed(long s) {
        return new SmoothGrad(samples, noiseFraction, s, chunkRows);
    }

    public SmoothGrad withChunkRows(int rows) {
        return new SmoothGrad(samples, noiseFraction, seed, rows);
    }

    @Override
    public String name() {
        return "smoothgrad";
    }

    @Override
    public Tensor attribute(Backend backend, Tensor x, int[] classes) {
        Batched.checkAttributionInput(backend, x, classes);
        double sigma = noiseFraction * (backend.network().hi() - backend.network().lo());
        Rng rng = new Rng(seed);
        // The draws are taken row by row in order, so the grouping does not change them.
        return run(backend, x, classes, samples, (rows, firstRow) -> {
            for (int i = 0; i < rows.length; i++) {
                rows[i] += sigma * rng.gaussian();
            }
        });
    }

    /**
     * SmoothGrad with given noise: {@code phi = 1/n sum_k grad f_y(x + e_k)}, {@code n} the draws per
     * sample of {@code noise} ({@code [N n, inputShape...]}, row {@code i n + k} is {@code e_k} of
     * sample {@code i}); this instance's sample count, noise fraction and seed are not used.
     */
    public Tensor attributeWithNoise(Backend backend, Tensor x, int[] classes, Tensor noise) {
        Batched.checkAttributionInput(backend, x, classes);
        int m = Batched.checkNoise("smoothgrad noise", noise, x);
        int d = backend.network().inputSize();
        double[] e = noise.data();
        return run(backend, x, classes, m, (rows, firstRow) -> {
            for (int i = 0; i < rows.length; i++) {
                rows[i] += e[firstRow * d + i];
            }
        });
    }

    /** Adds the noise of global rows {@code firstRow ..} to the repeated inputs {@code rows}. */
    private interface Noise {
        void add(double[] rows, int firstRow);
    }

    private Tensor run(Backend backend, Tensor x, int[] classes, int m, Noise noise) {
        int n = x.shape().dim(0);
        int d = backend.network().inputSize();
        double[] phi = new double[n * d];
        // Samples in groups of max(1, chunkRows / m).
        int group = Math.max(1, chunkRows / m);
        for (int from = 0; from < n; from += group) {
            int to = Math.min(n, from + group);
            Tensor noisy = Batched.repeatRows(x.slice(from, to), m);
            noise.add(noisy.data(), from * m);
            int[] cls = Batched.repeatEach(java.util.Arrays.copyOfRange(classes, from, to), m);
            double[] gd = Batched.classGradients(backend, noisy, cls, chunkRows).data();
            for (int i = from; i < to; i++) {
                for (int k = 0; k < m; k++) {
                    int off = ((i - from) * m + k) * d;
                    for (int j = 0; j < d; j++) {
                        phi[i * d + j] += gd[off + j] / m;
                    }
                }
            }
        }
        return new Tensor(x.shape(), phi);
    }
}
