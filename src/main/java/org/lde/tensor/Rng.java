package org.lde.tensor;

import java.util.SplittableRandom;

/** Seeded random numbers: the same seed gives the same sequence on every machine and JVM. */
public final class Rng {
    private final SplittableRandom random;
    private double spare = Double.NaN;

    public Rng(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /**
     * A generator for the stream {@code (a, b)} of a run seeded with {@code seed} (e.g. sample and restart):
     * the three numbers are mixed (a SplitMix64 finalizer) so that neighbouring keys give unrelated streams.
     */
    public static Rng stream(long seed, long a, long b) {
        long s = seed * 0x9E3779B97F4A7C15L + a * 0xC2B2AE3D27D4EB4FL + b * 0x165667B19E3779F9L;
        s ^= s >>> 33;
        s *= 0xFF51AFD7ED558CCDL;
        s ^= s >>> 33;
        return new Rng(s);
    }

    public double uniform() {
        return random.nextDouble();
    }

    public double uniform(double lo, double hi) {
        return lo + (hi - lo) * random.nextDouble();
    }

    public int nextInt(int bound) {
        return random.nextInt(bound);
    }

    public long nextLong() {
        return random.nextLong();
    }

    /** Standard normal by the polar Box-Muller method (deterministic, no platform intrinsics). */
    public double gaussian() {
        if (!Double.isNaN(spare)) {
            double s = spare;
            spare = Double.NaN;
            return s;
        }
        double u, v, s;
        do {
            u = 2 * random.nextDouble() - 1;
            v = 2 * random.nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double m = Math.sqrt(-2 * Math.log(s) / s);
        spare = v * m;
        return u * m;
    }

    public Tensor uniform(Shape shape, double lo, double hi) {
        double[] d = new double[shape.sizeInt()];
        for (int i = 0; i < d.length; i++) {
            d[i] = uniform(lo, hi);
        }
        return new Tensor(shape, d);
    }

    public Tensor gaussian(Shape shape, double std) {
        double[] d = new double[shape.sizeInt()];
        for (int i = 0; i < d.length; i++) {
            d[i] = std * gaussian();
        }
        return new Tensor(shape, d);
    }

    /** Fisher-Yates permutation of {@code 0..n-1}. */
    public int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
