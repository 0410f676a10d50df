package org.lde.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.lde.device.DeviceBuffer;
import org.lde.device.Dim3;
import org.lde.device.Kernel;
import org.lde.device.KernelArgs;
import org.lde.device.emu.EmulatedDevice;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Emulator throughput: thread-instructions per second on representative kernels, one core.
 * <ul>
 * <li>{@code sgemm}: the 16x16 shared-memory tiled SGEMM of src/test/cuda/sgemm_tiled.cu (bar.sync,
 * ld/st.shared, unrolled fma, coalesced global loads), 128x128x128;</li>
 * <li>{@code relu}: a bandwidth-style elementwise kernel, 1M elements.</li>
 * </ul>
 * The {@code threadInstructions} counter (an auxiliary JMH counter) is the figure to read:
 * dynamic thread-instructions executed per second. Run:
 * {@code java -cp target/classes:target/test-classes:<deps> org.openjdk.jmh.Main EmulatorThroughputBench}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class EmulatorThroughputBench {

    @Param({"sgemm", "relu"})
    public String kernel;

    private EmulatedDevice dev;
    private Kernel k;
    private Dim3 grid;
    private Dim3 block;
    private KernelArgs args;
    private long instructionsPerLaunch;

    /** Counters JMH reports as rates. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        public long threadInstructions;
    }

    static String resource(String name) throws IOException {
        try (InputStream in = EmulatorThroughputBench.class.getResourceAsStream("/org/lde/device/emu/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dev = new EmulatedDevice();
        Random r = new Random(1);
        if (kernel.equals("sgemm")) {
            int n = 128;
            k = dev.loadModule("sgemm_tiled.ptx", resource("sgemm_tiled.ptx")).kernel("sgemm_tiled");
            DeviceBuffer a = dev.allocate(4L * n * n);
            DeviceBuffer b = dev.allocate(4L * n * n);
            DeviceBuffer c = dev.allocate(4L * n * n);
            float[] x = new float[n * n];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextFloat();
            }
            a.write(x);
            b.write(x);
            grid = Dim3.of(n / 16, n / 16);
            block = Dim3.of(16, 16);
            args = KernelArgs.of().ptr(a).ptr(b).ptr(c).i32(n).i32(n).i32(n);
        } else {
            int n = 1 << 20;
            k = dev.loadModule("elementwise.ptx", resource("elementwise.ptx")).kernel("relu_fwd");
            DeviceBuffer x = dev.allocate(4L * n);
            DeviceBuffer y = dev.allocate(4L * n);
            grid = Dim3.of(n / 256);
            block = Dim3.of(256);
            args = KernelArgs.of().ptr(x).ptr(y).i32(n);
        }
        dev.launch(k, grid, block, 0, args);
        instructionsPerLaunch = dev.lastProfile().orElseThrow().threadInstructions();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        dev.close();
    }

    @Benchmark
    public void launch(Counters counters) {
        dev.launch(k, grid, block, 0, args);
        counters.threadInstructions += instructionsPerLaunch;
    }
}
