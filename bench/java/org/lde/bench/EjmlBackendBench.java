package org.lde.bench;

import java.util.concurrent.TimeUnit;
import org.lde.engine.Backend;
import org.lde.engine.Recorded;
import org.lde.engine.Seeds;
import org.lde.engine.cpu.EjmlBackend;
import org.lde.model.Architectures;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The float64 reference backend on the sample CNN ({@code Architectures.fashionCnn}, 28x28 grey
 * inputs, 10 classes): a forward pass, and a forward pass plus a whole input Jacobian (one batched
 * reverse pass with {@code Seeds.identity}, {@code N * 10} gradient rows), at batch 1 and 64.
 * Average time per operation.
 *
 * <p>Run: {@code mvn -B -o -Pbench test-compile exec:exec -Djmh.args="EjmlBackendBench -f 1 -wi 2 -i 3"}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class EjmlBackendBench {
    @Param({"1", "64"})
    public int batch;

    private Backend backend;
    private Tensor x;
    private Tensor seeds;

    @Setup(Level.Trial)
    public void setUp() {
        backend = new EjmlBackend(Architectures.fashionCnn(1));
        x = new Rng(7).uniform(Shape.of(batch, 1, 28, 28), 0, 1);
        seeds = Seeds.identity(batch, 10);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
    }

    @Benchmark
    public Tensor forward() {
        return backend.forward(x);
    }

    @Benchmark
    public Tensor forwardAndJacobian() {
        try (Recorded rec = backend.forwardRecorded(x)) {
            return backend.reverse(rec, seeds);
        }
    }
}
