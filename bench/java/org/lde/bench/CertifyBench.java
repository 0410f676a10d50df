package org.lde.bench;

import java.util.concurrent.TimeUnit;
import org.lde.certify.BoundResult;
import org.lde.certify.Certifier;
import org.lde.certify.Method;
import org.lde.certify.Specification;
import org.lde.data.SampleData;
import org.lde.engine.Backend;
import org.lde.engine.cpu.EjmlBackend;
import org.lde.engine.bound.Norm;
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
 * Certified bounds (issue 10's speed figure): the margins of the predicted class over every other
 * class, for the first {@code batch} (32) embedded Fashion-MNIST test images, over the L_inf ball of
 * radius {@code eps} (0.01) intersected with {@code [0, 1]}, on the trained sample models
 * {@code fmnist-mlp} (784-128-64-10) and {@code fmnist-cnn} (conv8-pool-conv16-pool-fc64-fc10), by
 * {@code crown} (the figure of record; auto_LiRPA 0.4 needs about 54 ms and 1.9 s for these shapes on 2
 * CPU threads), and {@code ibp} and {@code alpha-crown} (20 Adam steps) for scale. The float64
 * reference ({@code EjmlBackend}'s default bound passes) on the host's cores (a parallel stream over
 * the input sets). Score: milliseconds per batched {@code bounds} call. The number of certified images
 * and the process CPU time per call (all threads, warm-up, JIT and GC included) are printed at teardown.
 *
 * <p>Run: {@code mvn -B -Pbench test-compile exec:exec -Djmh.args="CertifyBench -f 1 -wi 2 -i 5"}; alpha-CROWN on the
 * CNN takes seconds per call: {@code -p method=alpha-crown -bm ss -wi 1 -i 2}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CertifyBench {
    @Param({"fmnist-mlp", "fmnist-cnn"})
    public String model;

    @Param({"crown"})
    public String method;

    @Param({"32"})
    public int batch;

    @Param({"0.01"})
    public double eps;

    private Backend engine;
    private Tensor x;
    private Certifier certifier;
    private BoundResult last;
    private long calls;
    private long cpu0;

    /** CPU time of the whole process (all threads), in nanoseconds. */
    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    @Setup(Level.Trial)
    public void setUp() {
        Network net = ModelFile.openResource("/org/lde/models/" + model + ".safetensors");
        engine = new EjmlBackend(net);
        x = SampleData.fashionMnist().inputs().slice(0, batch);
        certifier = Certifier.builder().method(Method.parse(method)).norm(Norm.LINF).build();
        cpu0 = processCpu();
    }

    @Benchmark
    public BoundResult marginBounds() {
        last = certifier.bounds(engine, x, Specification.predictedMargins(), eps);
        calls++;
        return last;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (last != null) {
            int c = 0;
            for (int n = 0; n < batch; n++) {
                c += last.certified(n, 0) ? 1 : 0;
            }
            // Process CPU time per call (all threads, warm-up, JIT and GC included): a figure that a loaded machine
            // changes far less than the wall time.
            System.out.printf("%n# CertifyBench %s %s batch %d eps %s: %d/%d certified; %d cores; %.1f ms process CPU per call "
                            + "(%d calls)%n", model, method, batch, eps, c, batch, Runtime.getRuntime().availableProcessors(),
                    (processCpu() - cpu0) / 1e6 / calls, calls);
        }
        engine.close();
    }
}
