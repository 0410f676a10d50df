package org.lde.bench;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.lde.device.DeviceBuffer;
import org.lde.device.Devices;
import org.lde.device.Dim3;
import org.lde.device.Kernel;
import org.lde.device.KernelArgs;
import org.lde.device.KernelLibrary;
import org.lde.device.cuda.CublasGemm;
import org.lde.device.cuda.CudaDevice;
import org.lde.tensor.Rng;
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
 * The hand-written {@code sgemm_nn} (kernels/gemm.cu) against cuBLAS's SGEMM (jcublas, {@link CublasGemm})
 * on a GPU, at the GEMM shapes the models run (row-major {@code C[M,N] = A[M,K] B[K,N]}):
 * <ul>
 *   <li>{@code 640x784x128}: the reverse pass through fmnist-mlp's fc1 (64 samples x 10 seeds);</li>
 *   <li>{@code 640x128x64}: the reverse pass through its fc2;</li>
 *   <li>{@code 640x784x64}: the reverse pass through fmnist-cnn's fc1 (16 x 7 x 7 = 784 inputs);</li>
 *   <li>{@code 2048x2048x2048}: a square size where cuBLAS is near the GPU's peak.</li>
 * </ul>
 * Each benchmark method times launch + synchronize of one GEMM. After each trial one line gives the
 * ratio {@code time(sgemm_nn) / time(cuBLAS)} at that shape, measured on the side with the same
 * buffers (20 launches of each after 5 warm-up launches), so that the ratio appears even when only
 * one method runs. Without a usable GPU each trial fails with one line (no stack trace).
 *
 * <pre>
 * mvn -B -o -Pbench test-compile exec:exec -Djmh.args="CublasGemmBench"
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class CublasGemmBench {

    @Param({"640x784x128", "640x128x64", "640x784x64", "2048x2048x2048"})
    public String shape;

    private CudaDevice dev;
    private KernelLibrary library;
    private CublasGemm cublas;
    private Kernel kernel;
    private int m;
    private int n;
    private int k;
    private DeviceBuffer a;
    private DeviceBuffer b;
    private DeviceBuffer c;
    private KernelArgs args;
    private Dim3 grid;
    private final Dim3 block = Dim3.of(256);

    @Setup(Level.Trial)
    public void setUp() {
        AbstractKernelBench.requireGpu("CublasGemmBench");
        String[] mnk = shape.split("x");
        m = Integer.parseInt(mnk[0]);
        n = Integer.parseInt(mnk[1]);
        k = Integer.parseInt(mnk[2]);
        dev = (CudaDevice) Devices.open("cuda");
        library = new KernelLibrary(dev);
        cublas = new CublasGemm(dev);
        kernel = library.kernel("gemm", "sgemm_nn");
        a = filled(m * k, 21);
        b = filled(k * n, 22);
        c = dev.allocate(4L * m * n);
        c.fill32(DeviceBuffer.POISON);
        args = KernelArgs.of().i32(m).i32(n).i32(k).f32(1f).ptr(a).i32(k).ptr(b).i32(n).f32(0f).ptr(c).i32(n);
        grid = new Dim3((n + 31) / 32, (m + 31) / 32, 1);   // the launch shape of GpuKernels.gemm
    }

    private DeviceBuffer filled(int count, long seed) {
        Rng rng = new Rng(seed);
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) rng.uniform(-1, 1);
        }
        DeviceBuffer buf = dev.allocate(4L * count);
        buf.write(v);
        return buf;
    }

    private void handwrittenOnce() {
        dev.launch(kernel, grid, block, 0, args);
        dev.synchronize();
    }

    private void cublasOnce() {
        cublas.sgemmNN(m, n, k, a, b, c);
        dev.synchronize();
    }

    @Benchmark
    public void handwritten_sgemm_nn() {
        handwrittenOnce();
    }

    @Benchmark
    public void cublas_sgemm() {
        cublasOnce();
    }

    private static double microsPerLaunch(Runnable once) {
        for (int i = 0; i < 5; i++) {
            once.run();
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            once.run();
        }
        return (System.nanoTime() - t0) * 1e-3 / 20;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            if (dev != null && c != null) {
                double hand = microsPerLaunch(this::handwrittenOnce);
                double blas = microsPerLaunch(this::cublasOnce);
                double flops = 2.0 * m * n * k;
                System.out.println(String.format(Locale.ROOT,
                        "%n# sgemm_nn / cuBLAS at M=%d N=%d K=%d on %s: %.2f (hand-written %.2f us = %.1f GFLOP/s, cuBLAS %.2f us"
                                + " = %.1f GFLOP/s; 20 launches each after 5 warm-up, launch + synchronize)",
                        m, n, k, dev.name(), hand / blas, hand, flops / hand * 1e-3, blas, flops / blas * 1e-3));
            }
        } finally {
            for (AutoCloseable r : new AutoCloseable[] {a, b, c, cublas, library, dev}) {
                if (r != null) {
                    try {
                        r.close();
                    } catch (Exception e) {
                        System.out.println("# closing " + r + " failed: " + e.getMessage());
                    }
                }
            }
        }
    }
}
