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
 * call gives the same answer; all {@code N n} rows go to the backend as a few batched gradient calls.
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
        int n = x.shape().dim(0);
        int d = backend.network().inputSize();
        double sigma = noiseFraction * (backend.network().hi() - backend.network().lo());
        Rng rng = new Rng(seed);
        double[] phi = new double[n * d];
        // Samples in groups of max(1, chunkRows / samples); the draws are taken sample by sample,
        // so the grouping does not change them.
        int group = Math.max(1, chunkRows / samples);
        for (int from = 0; from < n; from += group) {
            int to = Math.min(n, from + group);
            Tensor noisy = Batched.repeatRows(x.slice(from, to), samples);
            double[] nd = noisy.data();
            for (int i = 0; i < nd.length; i++) {
                nd[i] += sigma * rng.gaussian();
            }
            int[] cls = Batched.repeatEach(java.util.Arrays.copyOfRange(classes, from, to), samples);
            double[] gd = Batched.classGradients(backend, noisy, cls, chunkRows).data();
            for (int i = from; i < to; i++) {
                for (int k = 0; k < samples; k++) {
                    int off = ((i - from) * samples + k) * d;
                    for (int j = 0; j < d; j++) {
                        phi[i * d + j] += gd[off + j] / samples;
                    }
                }
            }
        }
        return new Tensor(x.shape(), phi);
    }
}
