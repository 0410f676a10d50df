package org.lde.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.lde.data.SampleData;
import org.lde.engine.Backend;
import org.lde.engine.cpu.EjmlBackend;
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
 * The Lagrange dual explainer on the float64 EJML backend: one batched {@code explain} call over
 * {@code batch} embedded Fashion-MNIST test images (1, 32, 256), deletion toward zero and additive,
 * default options (FLIP, L2, {@code S_max = 5}). The score is milliseconds per call; explanations per
 * second are {@code 1000 * batch / score}. The model is the trained sample CNN
 * ({@code sample:fmnist-cnn}) when its resource exists, else the same architecture with seeded random
 * weights (printed at setup; random weights give different iteration counts). At teardown the mean
 * forward and reverse passes per explanation of the last call are printed (machine-independent
 * figures, METHOD.md section 9).
 *
 * <p>Run: {@code mvn -B -o -Pbench test-compile exec:exec -Djmh.args="ExplainerBench -f 1 -wi 1 -i 3"}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ExplainerBench {
    @Param({"1", "32", "256"})
    public int batch;

    @Param({"deletion", "additive"})
    public String perturbation;

    private Backend backend;
    private Tensor x;
    private LagrangeDualExplainer explainer;
    private List<Explanation> last;

    @Setup(Level.Trial)
    public void setUp() {
        Network net;
        String which;
        if (ExplainerBench.class.getResource("/org/lde/models/fmnist-cnn.safetensors") != null) {
            net = ModelFile.openResource("/org/lde/models/fmnist-cnn.safetensors");
            which = "trained sample:fmnist-cnn";
        } else {
            net = Architectures.fashionCnn(1);
            which = "fmnist-cnn architecture, random weights (seed 1): the trained sample model is not in the resources";
        }
        System.out.println("# ExplainerBench model: " + which);
        backend = new EjmlBackend(net);
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
            System.out.printf("%n# ExplainerBench batch %d %s: %.2f forward and %.2f reverse passes (%d seeds each) per "
                    + "explanation, %d/%d verified%n", batch, perturbation, f / last.size(), r / last.size(),
                    last.get(0).reverseSeeds() / Math.max(1, last.get(0).reversePasses()), verified, last.size());
        }
        backend.close();
    }

    @Benchmark
    public List<Explanation> explain() {
        last = explainer.explain(backend, x);
        return last;
    }
}
