package org.lde.engine.fast;

import java.util.concurrent.TimeUnit;
import org.lde.engine.Window2d;
import org.lde.tensor.Rng;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The measurement behind the fast backend's branch-free elementwise kernels (README "Speed on the CPU"):
 * on {@code 2^20} float32 values of random sign (a convolution's output before its ReLU), one thread,
 * milliseconds per pass:
 * <ul>
 * <li>{@code relu-ternary}: {@code y = x > 0 ? x : 0}, the reference's form, as the backend had it;</li>
 * <li>{@code relu-max}: {@code y = Math.max(x, 0)}, {@link FastOpsF32#relu} now;</li>
 * <li>{@code grad-ternary}: {@code dx = x > 0 ? dy : 0}, the ReLU gradient as the backend had it;</li>
 * <li>{@code grad-select}: {@link Select#ifPositive}, {@link FastOpsF32#reluBackward} now;</li>
 * <li>{@code maxpool-2x2}: {@link FastOpsF32#maxPoolForward} with arg-max on 2x2 stride-2 windows (the
 *     branch-free path) over {@code [64, 128, 128]}, and {@code maxpool-general}: the same values through
 *     the general loop's window {@code 2x2} stride 2 with a padding of 1 (a branch per cell; 65x65
 *     windows instead of 64x64, all but the border ones of the same shape).</li>
 * </ul>
 * Run: {@code mvn -B -o -Pbench test-compile exec:exec -Djmh.args="FastBranchBench -f 1 -wi 2 -i 3 -r 1"}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class FastBranchBench {
    @Param({"relu-ternary", "relu-max", "grad-ternary", "grad-select", "maxpool-2x2", "maxpool-general"})
    public String kernel;

    private static final int N = 1 << 20;
    private final float[] x = new float[N];
    private final float[] dy = new float[N];
    private final float[] y = new float[N];
    private final Window2d fast = new Window2d(64, 128, 128, 2, 2, 2, 2, 0, 0);
    private final Window2d general = new Window2d(64, 128, 128, 2, 2, 2, 2, 1, 1);
    private final int[] argmax = new int[64 * 65 * 65];
    private final float[] pooled = new float[64 * 65 * 65];

    @Setup
    public void setUp() {
        Rng rng = new Rng(7);
        for (int i = 0; i < N; i++) {
            x[i] = (float) rng.gaussian();
            dy[i] = (float) rng.gaussian();
        }
    }

    @Benchmark
    public Object run() {
        switch (kernel) {
            case "relu-ternary":
                for (int i = 0; i < N; i++) {
                    float v = x[i];
                    y[i] = v > 0 ? v : 0;
                }
                return y;
            case "relu-max":
                FastOpsF32.relu(x, y, 0, N);
                return y;
            case "grad-ternary":
                for (int i = 0; i < N; i++) {
                    y[i] = x[i] > 0 ? dy[i] : 0;
                }
                return y;
            case "grad-select":
                FastOpsF32.reluBackward(x, 0, dy, y, 0, N);
                return y;
            case "maxpool-2x2":
                FastOpsF32.maxPoolForward(fast, x, 0, pooled, 0, argmax, 0);
                return pooled;
            case "maxpool-general":
                FastOpsF32.maxPoolForward(general, x, 0, pooled, 0, argmax, 0);
                return pooled;
            default:
                throw new IllegalArgumentException("unknown kernel " + kernel);
        }
    }
}
