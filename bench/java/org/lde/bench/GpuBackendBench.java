package org.lde.bench;

import java.util.concurrent.TimeUnit;

import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.Loss;
import org.lde.engine.LossValue;
import org.lde.engine.OptimizerSpec;
import org.lde.engine.OptimizerState;
import org.lde.engine.Recorded;
import org.lde.engine.Seeds;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A backend end to end on an MLP (784-100-10 on CUDA and the CPU, 37-20-10 on the emulator) or the
 * sample CNN ({@code -p model=cnn}; slow on the emulator): a
 * forward pass, a forward pass plus a whole Jacobian (one batched reverse pass with
 * {@code Seeds.identity}), and one training step (forward, cross-entropy, parameter gradients,
 * Adam), for each backend kind ({@code cpu} is the float64 reference for comparison).
 *
 * <pre>
 * mvn -B -o -Pbench test-compile exec:exec -Djmh.args="GpuBackendBench -p kind=emulator,cpu -p model=mlp"
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class GpuBackendBench {
    @Param({"emulator", "cuda", "cpu"})
    public String kind;

    @Param({"9"})
    public int batch;

    /** {@code mlp}: the MLP above; {@code cnn}: the sample CNN ({@code Architectures.fashionCnn}, 1x28x28, 10 classes). */
    @Param({"mlp", "cnn"})
    public String model;

    private Backend backend;
    private OptimizerState optimizer;
    private Tensor x;
    private Tensor labels;
    private Tensor seeds;

    @Setup(Level.Trial)
    public void setUp() {
        boolean small = kind.equals("emulator");
        int in = small ? 37 : 784;
        Network net = model.equals("cnn") ? org.lde.model.Architectures.fashionCnn(3)
                : Network.builder(in).seed(3).dense(small ? 20 : 100).relu().dense(10).build();
        backend = Backends.open(net, kind);
        optimizer = backend.optimizer(OptimizerSpec.adam(1e-4));
        Rng rng = new Rng(5);
        x = rng.uniform(net.inputShape().withBatch(batch), 0, 1);
        labels = Tensor.zeros(batch);
        for (int i = 0; i < batch; i++) {
            labels.data()[i] = rng.nextInt(10);
        }
        seeds = Seeds.identity(batch, 10);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (optimizer != null) {
            optimizer.close();
        }
        if (backend != null) {
            backend.close();
        }
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

    @Benchmark
    public double trainingStep() {
        try (Recorded rec = backend.forwardRecorded(x)) {
            LossValue lv = backend.loss(rec.logits(), labels, Loss.SOFTMAX_CROSS_ENTROPY);
            backend.step(optimizer, backend.parameterGradients(rec, lv.gradient()));
            return lv.value();
        }
    }
}
