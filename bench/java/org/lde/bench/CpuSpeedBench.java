package org.lde.bench;

import java.util.concurrent.TimeUnit;
import org.lde.data.SampleData;
import org.lde.engine.Backend;
import org.lde.engine.Recorded;
import org.lde.engine.Seeds;
import org.lde.engine.cpu.EjmlBackend;
import org.lde.engine.fast.FastBackend;
import org.lde.explain.baseline.IntegratedGradients;
import org.lde.model.Architectures;
import org.lde.model.ModelFile;
import org.lde.model.Network;
import org.lde.tensor.Rng;
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
 * The rows of the CPU speed table (README "Speed on the CPU"; src/scripts/bench-cpu.sh runs them next
 * to PyTorch, whose side is src/scripts/bench_cpu_pytorch.py with the same architectures and work):
 * <ul>
 * <li>{@code mlp-forward}, {@code cnn-forward}: logits of {@code batch} Fashion-MNIST test images;</li>
 * <li>{@code mlp-jacobian}, {@code cnn-jacobian}: a recorded forward pass and the whole input Jacobian
 *     (one reverse pass with {@code Seeds.identity}, {@code 10 N} gradient rows);</li>
 * <li>{@code mlp-ig50}, {@code cnn-ig50}: the engine's {@link IntegratedGradients} (50 Gauss-Legendre
 *     points from the zero baseline, for the predicted classes);</li>
 * <li>{@code cnn224-margin}: a 3x224x224 CNN (three 3x3 stride-2 convolutions 3-16-32-64 with ReLUs,
 *     Dense 50176-10; 70 MFLOP per image, random weights) on random images, a recorded forward pass and
 *     a margin gradient {@code e_0 - e_1} (run it with {@code -p batch=8}).</li>
 * </ul>
 * Models: the trained samples {@code fmnist-mlp} (784-128-64-10) and {@code fmnist-cnn}
 * ({@code Architectures.fashionCnn}) from the resources, or their architectures with random weights
 * when the resources are absent. Backends: {@code ejml} (float64 reference), {@code fast} (the fast
 * CPU backend, float32), {@code fast-f64}. Average milliseconds per operation.
 *
 * <p>Run: {@code mvn -B -o -Pbench test-compile exec:exec -Djmh.args="CpuSpeedBench -p work=cnn-forward -p backend=fast -f 1 -wi 2 -i 3"}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CpuSpeedBench {
    @Param({"mlp-forward", "cnn-forward", "mlp-jacobian", "cnn-jacobian", "mlp-ig50", "cnn-ig50", "cnn224-margin"})
    public String work;

    @Param({"32", "256"})
    public int batch;

    @Param({"fast"})
    public String backend;

    private Backend engine;
    private Tensor x;
    private int[] classes;
    private Tensor jacobianSeeds;
    private Tensor marginSeeds;
    private final IntegratedGradients ig = new IntegratedGradients();

    /** The 3x224x224 CNN of the table: three strided convolutions, 70 MFLOP per image. */
    static Network cnn224() {
        return Network.builder(3, 224, 224).seed(3)
                .conv2d("conv1", 16, 3, 3, 2, 2, 1, 1).relu()
                .conv2d("conv2", 32, 3, 3, 2, 2, 1, 1).relu()
                .conv2d("conv3", 64, 3, 3, 2, 2, 1, 1).relu()
                .flatten().dense("fc", 10).build();
    }

    static Network sample(String model) {
        String resource = "/org/lde/models/" + model + ".safetensors";
        if (CpuSpeedBench.class.getResource(resource) != null) {
            return ModelFile.openResource(resource);
        }
        return model.equals("fmnist-mlp") ? Architectures.fashionMlp(1) : Architectures.fashionCnn(1);
    }

    static Backend open(String backend, Network net) {
        switch (backend) {
            case "ejml":
                return new EjmlBackend(net);
            case "fast":
                return FastBackend.open(net, FastBackend.Precision.F32);
            case "fast-f64":
                return FastBackend.open(net, FastBackend.Precision.F64);
            default:
                throw new IllegalArgumentException("backend must be ejml, fast or fast-f64, got " + backend);
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        Network net;
        if (work.startsWith("cnn224")) {
            net = cnn224();
            x = new Rng(5).uniform(net.inputShape().withBatch(batch), 0, 1);
        } else {
            net = sample(work.startsWith("mlp") ? "fmnist-mlp" : "fmnist-cnn");
            x = SampleData.fashionMnist().inputs().slice(0, batch);
            if (work.startsWith("mlp")) {
                x = x.reshape(net.inputShape().withBatch(batch));
            }
        }
        engine = open(backend, net);
        int c = net.outputSize();
        classes = new int[batch];
        double[] z = engine.forward(x).data();
        for (int i = 0; i < batch; i++) {
            for (int k = 1; k < c; k++) {
                classes[i] = z[i * c + k] > z[i * c + classes[i]] ? k : classes[i];
            }
        }
        jacobianSeeds = Seeds.identity(batch, c);
        int[] a = new int[batch];
        int[] b = new int[batch];
        java.util.Arrays.fill(b, 1);
        marginSeeds = Seeds.margin(a, b, c);
        System.out.println("# CpuSpeedBench " + work + " batch " + batch + " on " + engine.name());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        engine.close();
    }

    @Benchmark
    public Object run() {
        switch (work) {
            case "mlp-forward":
            case "cnn-forward":
                return engine.forward(x);
            case "mlp-jacobian":
            case "cnn-jacobian":
                try (Recorded r = engine.forwardRecorded(x)) {
                    return engine.reverse(r, jacobianSeeds);
                }
            case "mlp-ig50":
            case "cnn-ig50":
                return ig.attribute(engine, x, classes);
            case "cnn224-margin":
                try (Recorded r = engine.forwardRecorded(x)) {
                    return engine.reverse(r, marginSeeds);
                }
            default:
                throw new IllegalArgumentException("unknown work " + work);
        }
    }
}
