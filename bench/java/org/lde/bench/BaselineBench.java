package org.lde.bench;

import java.util.concurrent.TimeUnit;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.explain.Attributor;
import org.lde.explain.baseline.Baselines;
import org.lde.model.Architectures;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;
import org.lde.engine.Evaluation;
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
 * Time of one attribution call per baseline (default settings from {@link Baselines#all()}) on
 * the float64 EJML backend with the Fashion-MNIST CNN architecture ({@code Architectures.fashionCnn},
 * random initialisation: the cost does not depend on the weights, except DeepFool/BSM/BIG whose
 * iteration count does), for a small batch of random 28x28 inputs explained for their predicted
 * class. Average time per call; divide by {@code batch} for the time per explanation.
 *
 * <p>Run: {@code mvn -B -o -Pbench test-compile exec:exec -Djmh.args="BaselineBench -f 1 -wi 1 -i 3"}
 * (one method: {@code -p method=ig-gl50}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class BaselineBench {
    @Param({"saliency", "grad-x-input", "ig-gl50", "ig-trap50", "smoothgrad", "gradcam", "rise", "occlusion",
        "l0-sensitivity", "deepfool", "bsm", "big"})
    public String method;

    @Param({"4"})
    public int batch;

    private Backend backend;
    private Attributor attributor;
    private Tensor x;
    private int[] classes;

    @Setup(Level.Trial)
    public void setUp() {
        backend = Backends.cpu(Architectures.fashionCnn(1));
        attributor = Baselines.create(method);
        x = new Rng(7).uniform(Shape.of(batch, 1, 28, 28), 0, 1);
        classes = Evaluation.argmax(backend.forward(x));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
    }

    @Benchmark
    public Tensor attribute() {
        return attributor.attribute(backend, x, classes);
    }
}
