package org.lde.bench;

import java.util.concurrent.TimeUnit;
import org.lde.engine.Backend;
import org.lde.engine.Recorded;
import org.lde.engine.fast.FastBackend;
import org.lde.model.Network;
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
 * The measurement behind the fast backend's rule for direct convolutions
 * ({@code FastBackend.DIRECT_MAX_PATCH}): one convolution layer of the table's networks, on the im2col
 * path ({@code conv=im2col}) and on the direct kernels ({@code conv=direct}), float32, forward
 * ({@code op=forward}: logits of a conv-flatten network) and forward plus data gradient
 * ({@code op=backward}: a recorded forward pass and one reverse pass with one random seed per image).
 * Layers ({@code patch} = {@code C kH kW}):
 * <ul>
 * <li>{@code fmnist-conv1}: 1x28x28 to 8, 3x3 pad 1 (patch 9), batch 32;</li>
 * <li>{@code fmnist-conv2}: 8x14x14 to 16, 3x3 pad 1 (patch 72), batch 32;</li>
 * <li>{@code c224-conv1}, {@code c224-conv2}, {@code c224-conv3}: the 3x224x224 CNN's stride-2 3x3
 *     convolutions 3-16, 16-32, 32-64 (patches 27, 144, 288), batch 8;</li>
 * <li>{@code r18-stem}: ResNet-18's 7x7 stride-2 stem 3-64 (patch 147), batch 8;</li>
 * <li>{@code r18-layer1}: a 64-64 3x3 convolution on 56x56 (patch 576), batch 8.</li>
 * </ul>
 * Run: {@code mvn -B -o -Pbench test-compile exec:exec -Djmh.args="FastConvBench -f 1 -wi 1 -i 3 -r 1"}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class FastConvBench {
    @Param({"fmnist-conv1", "fmnist-conv2", "c224-conv1", "c224-conv2", "c224-conv3", "r18-stem", "r18-layer1"})
    public String layer;

    @Param({"im2col", "direct"})
    public String conv;

    @Param({"forward", "backward"})
    public String op;

    private Backend engine;
    private Tensor x;
    private Tensor seeds;

    /** {c, h, w, out, k, stride, pad, batch} of each layer. */
    private static int[] geometry(String layer) {
        switch (layer) {
            case "fmnist-conv1":
                return new int[] {1, 28, 28, 8, 3, 1, 1, 32};
            case "fmnist-conv2":
                return new int[] {8, 14, 14, 16, 3, 1, 1, 32};
            case "c224-conv1":
                return new int[] {3, 224, 224, 16, 3, 2, 1, 8};
            case "c224-conv2":
                return new int[] {16, 112, 112, 32, 3, 2, 1, 8};
            case "c224-conv3":
                return new int[] {32, 56, 56, 64, 3, 2, 1, 8};
            case "r18-stem":
                return new int[] {3, 224, 224, 64, 7, 2, 3, 8};
            case "r18-layer1":
                return new int[] {64, 56, 56, 64, 3, 1, 1, 8};
            default:
                throw new IllegalArgumentException("unknown layer " + layer);
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        int[] g = geometry(layer);
        Network net = Network.builder(g[0], g[1], g[2]).seed(1).conv2d("conv", g[3], g[4], g[4], g[5], g[5], g[6], g[6]).flatten()
                .build();
        int n = g[7];
        Rng rng = new Rng(2);
        x = rng.uniform(net.inputShape().withBatch(n), 0, 1);
        seeds = rng.uniform(Shape.of(n, 1, net.outputSize()), -1, 1);
        FastBackend.Conv c = conv.equals("direct") ? FastBackend.Conv.DIRECT : FastBackend.Conv.IM2COL;
        engine = FastBackend.open(net, FastBackend.Precision.F32, FastBackend.defaultThreads(), FastBackend.Gemm.AUTO, c);
        System.out.println("# FastConvBench " + layer + " " + conv + " " + op + " on " + engine.name());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        engine.close();
    }

    @Benchmark
    public Object run() {
        if (op.equals("forward")) {
            return engine.forward(x);
        }
        try (Recorded r = engine.forwardRecorded(x)) {
            return engine.reverse(r, seeds);
        }
    }
}
