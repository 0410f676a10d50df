package org.lde.bench;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.lde.engine.Backend;
import org.lde.engine.Recorded;
import org.lde.engine.Seeds;
import org.lde.model.Architectures;
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
 * A 3x224x224 network of ResNet-18's shape ({@code Architectures.resnet18Shaped(1000, 7)}: basic blocks
 * with Add, 1x1 stride-2 projections, BatchNorm folded, global average pooling, fc; 11.7 M parameters,
 * about 1.8 GFLOP per image forward) on random images: {@code work=forward} (logits) and
 * {@code work=margin} (a recorded forward pass and one margin gradient {@code e_0 - e_1} per image, the
 * input gradient an explanation needs), at {@code batch} 1 and 8, on {@code ejml} (float64 reference),
 * {@code fast} (float32) and {@code fast-f64}. Milliseconds per operation.
 *
 * <p>Run (single shots: the reference takes seconds per call):
 * {@code mvn -B -o -Pbench test-compile exec:exec -Djmh.args="ResNetBench -f 1 -wi 1 -i 3 -bm ss -tu ms"}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ResNetBench {
    @Param({"forward", "margin"})
    public String work;

    @Param({"1", "8"})
    public int batch;

    @Param({"ejml", "fast"})
    public String backend;

    private Backend engine;
    private Tensor x;
    private Tensor marginSeeds;

    @Setup(Level.Trial)
    public void setUp() {
        Network net = Architectures.resnet18Shaped(1000, 7);
        x = new Rng(8).uniform(net.inputShape().withBatch(batch), 0, 1);
        engine = CpuSpeedBench.open(backend, net);
        int[] a = new int[batch];
        int[] b = new int[batch];
        Arrays.fill(b, 1);
        marginSeeds = Seeds.margin(a, b, net.outputSize());
        System.out.println("# ResNetBench " + work + " batch " + batch + " on " + engine.name());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        engine.close();
    }

    @Benchmark
    public Object run() {
        if (work.equals("forward")) {
            return engine.forward(x);
        }
        try (Recorded r = engine.forwardRecorded(x)) {
            return engine.reverse(r, marginSeeds);
        }
    }
}
