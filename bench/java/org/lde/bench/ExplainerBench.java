package org.lde.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.lde.data.SampleData;
import org.lde.device.Devices;
import org.lde.device.GpuProbe;
import org.lde.engine.Backend;
import org.lde.engine.cpu.EjmlBackend;
import org.lde.engine.fast.FastBackend;
import org.lde.engine.gpu.GpuBackend;
import org.lde.explain.Baseline;
import org.lde.explain.Explanation;
import org.lde.explain.LagrangeDualExplainer;
import org.lde.model.Architectures;
import org.lde.model.ModelFile;
import org.lde.model.Network;
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
 * The Lagrange dual explainer: one batched {@code explain} call over {@code batch} embedded
 * Fashion-MNIST test images (1, 32, 256), deletion toward zero and additive, default options (FLIP, L2,
 * {@code S_max = 5}, the backend's own dual solver). Backends: {@code ejml} (float64, the reference
 * solver), {@code fast} and {@code fast-f64} (the fast CPU backend in float32 and float64, the float64
 * reference solver), {@code emulator} ({@code GpuBackend} on the PTX emulator: every forward and reverse pass and
 * every dual solve runs the PTX kernels, the rows built by {@code dual_linearize_rows} and solved by
 * {@code dual_ascent_box} without leaving the device) and {@code cuda} (a GPU; skipped with the probe's
 * reason when there is none). The score is milliseconds per call; explanations per second are
 * {@code 1000 * batch / score}. Models: the trained samples {@code fmnist-cnn} and {@code fmnist-mlp}
 * (784-128-64-10; the emulator is slow, so its runs use the MLP). At teardown the mean forward and
 * reverse passes per explanation of the last call are printed (machine-independent figures, METHOD.md
 * section 9).
 *
 * <p>Run (EJML): {@code mvn -B -o -Pbench test-compile exec:exec -Djmh.args="ExplainerBench -p backend=ejml -f 1 -wi 1 -i 3"};
 * emulator, one timed call per batch:
 * {@code -Djmh.args="ExplainerBench -p backend=emulator -p model=fmnist-mlp -p perturbation=deletion -bm ss -f 1 -wi 1 -i 1"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ExplainerBench {
    @Param({"1", "32", "256"})
    public int batch;

    @Param({"deletion", "additive"})
    public String perturbation;

    /** {@code ejml} by default; {@code -p backend=fast}, {@code fast-f64}, {@code emulator} or {@code cuda} (a plain run must not start hours of emulation). */
    @Param({"ejml"})
    public String backend;

    /** {@code fmnist-cnn} by default, or {@code fmnist-mlp}. */
    @Param({"fmnist-cnn"})
    public String model;

    private Backend engine;
    private Tensor x;
    private LagrangeDualExplainer explainer;
    private List<Explanation> last;

    @Setup(Level.Trial)
    public void setUp() {
        String resource = "/org/lde/models/" + model + ".safetensors";
        Network net;
        String which;
        if (ExplainerBench.class.getResource(resource) != null) {
            net = ModelFile.openResource(resource);
            which = "trained sample:" + model;
        } else {
            net = model.equals("fmnist-mlp") ? Architectures.fashionMlp(1) : Architectures.fashionCnn(1);
            which = model + " architecture, random weights (seed 1): the trained sample model is not in the resources";
        }
        switch (backend) {
            case "ejml":
                engine = new EjmlBackend(net);
                break;
            case "fast":
                engine = FastBackend.open(net, FastBackend.Precision.F32);
                break;
            case "fast-f64":
                engine = FastBackend.open(net, FastBackend.Precision.F64);
                break;
            case "emulator":
                engine = GpuBackend.open(net, "emulator");
                break;
            case "cuda":
                GpuProbe.Result probe = Devices.probe();
                if (!probe.usable()) {
                    throw new IllegalStateException("ExplainerBench backend=cuda: no usable CUDA GPU: " + probe.reason());
                }
                engine = GpuBackend.open(net, "cuda");
                break;
            default:
                throw new IllegalArgumentException("backend must be ejml, fast, fast-f64, emulator or cuda, got " + backend);
        }
        System.out.println("# ExplainerBench model: " + which + "; backend " + engine.name());
        x = SampleData.fashionMnist().inputs().slice(0, batch);
        LagrangeDualExplainer.Builder b = LagrangeDualExplainer.builder();
        explainer = (perturbation.equals("additive") ? b.additive() : b.deletion(Baseline.ZERO)).build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (last != null) {
            double f = 0;
            double r = 0;
            int verified = 0;
            for (Explanation e : last) {
                f += e.forwardPasses();
                r += e.reversePasses();
                verified += e.verified() ? 1 : 0;
            }
            System.out.printf("%n# ExplainerBench %s %s batch %d %s: %.2f forward and %.2f reverse passes (%d seeds each) per "
                    + "explanation, %d/%d verified%n", backend, model, batch, perturbation, f / last.size(), r / last.size(),
                    last.get(0).reverseSeeds() / Math.max(1, last.get(0).reversePasses()), verified, last.size());
        }
        engine.close();
    }

    @Benchmark
    public List<Explanation> explain() {
        last = explainer.explain(engine, x);
        return last;
    }
}
