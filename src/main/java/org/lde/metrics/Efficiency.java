package org.lde.metrics;

import java.util.Objects;
import org.lde.engine.CountingBackend;
import org.lde.explain.Attributor;
import org.lde.tensor.Tensor;

/**
 * Efficiency of one attribution call (METHOD.md section 9): the wall time per explained sample
 * and the backend work, counted by a {@link CountingBackend} (a figure that does not depend on the
 * machine): batched forward calls and the samples in them, reverse calls and their seed rows,
 * in total and per explained sample.
 */
public final class Efficiency {
    private Efficiency() {
    }

    /** The figures of one call. */
    public record Result(String method, int samples, double wallSeconds, CountingBackend.Counts counts) {
        public Result {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(counts, "counts");
        }

        public double secondsPerSample() {
            return wallSeconds / samples;
        }

        /** Forward-pass rows (samples through the network) per explained sample. */
        public double forwardRowsPerSample() {
            return (double) counts.forwardSamples() / samples;
        }

        /** Reverse-pass seed rows (vector-Jacobian products) per explained sample. */
        public double reverseRowsPerSample() {
            return (double) counts.reverseRows() / samples;
        }
    }

    /** Attributions and the efficiency figures of computing them. */
    public record Timed(Tensor attributions, Result efficiency) {
        public Timed {
            Objects.requireNonNull(attributions, "attributions");
            Objects.requireNonNull(efficiency, "efficiency");
        }
    }

    /** Runs {@code method} once on {@code x} for {@code classes}, timing and counting it. */
    public static Timed measure(CountingBackend backend, Attributor method, Tensor x, int[] classes) {
        Objects.requireNonNull(method, "method");
        CountingBackend.Counts before = backend.counts();
        long t0 = System.nanoTime();
        Tensor phi = method.attribute(backend, x, classes);
        double secs = (System.nanoTime() - t0) / 1e9;
        CountingBackend.Counts used = backend.counts().minus(before);
        return new Timed(phi, new Result(method.name(), x.shape().dim(0), secs, used));
    }
}
