package org.lde.engine.fast;

import java.util.concurrent.TimeUnit;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.ejml.dense.row.CommonOps_MT_FDRM;
import org.lde.tensor.Rng;
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
 * The GEMM candidates of the fast backend (README "Speed on the CPU": the measurements that chose
 * OpenBLAS), {@code C = A B} with square {@code size x size} float32 matrices, average time per
 * product ({@code GFLOP/s = 2 size^3 / time}):
 * <ul>
 * <li>{@code fast}: the backend's {@link GemmF32} on OpenBLAS (native operands, single-threaded calls
 *     on shape-determined parts, on a pool of {@code threads});</li>
 * <li>{@code fast-f64}: the same in float64 ({@code GemmF64}, square float64 matrices);</li>
 * <li>{@code java}: the backend's blocked Java fallback on {@code threads};</li>
 * <li>{@code openblas-arrays}: {@code cblas_sgemm} through JavaCPP's {@code float[]} overload (JNI
 *     copies the arrays on every call), single-threaded;</li>
 * <li>{@code ejml}, {@code ejml-mt}: EJML's {@code CommonOps_FDRM.mult} and its concurrent
 *     {@code CommonOps_MT_FDRM.mult}.</li>
 * </ul>
 * Run: {@code mvn -B -o -Pbench test-compile exec:exec -Djmh.args="FastGemmBench -f 1 -wi 3 -i 5"}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class FastGemmBench {
    @Param({"512"})
    public int size;

    @Param({"fast", "fast-f64", "java", "openblas-arrays", "ejml", "ejml-mt"})
    public String impl;

    @Param({"1", "2"})
    public int threads;

    private FastPool pool;
    private GemmF32 gemm;
    private GemmF64 gemm64;
    private GemmF32.Mat a;
    private GemmF32.Mat b;
    private GemmF32.Mat c;
    private GemmF64.Mat a64;
    private GemmF64.Mat b64;
    private GemmF64.Mat c64;
    private float[] ha;
    private float[] hb;
    private float[] hc;
    private FMatrixRMaj ma;
    private FMatrixRMaj mb;
    private FMatrixRMaj mc;

    @Setup(Level.Trial)
    public void setUp() {
        int n = size * size;
        double[] r = new Rng(9).uniform(org.lde.tensor.Shape.of(2 * n), -1, 1).data();
        ha = new float[n];
        hb = new float[n];
        hc = new float[n];
        for (int i = 0; i < n; i++) {
            ha[i] = (float) r[i];
            hb[i] = (float) r[n + i];
        }
        pool = new FastPool(threads);
        boolean nat = !impl.equals("java");
        if (nat && !NativeBlas.status().usable()) {
            throw new IllegalStateException("FastGemmBench " + impl + ": " + NativeBlas.status().reason());
        }
        gemm = new GemmF32(nat, pool);
        a = gemm.mat().ensure(n);
        b = gemm.mat().ensure(n);
        c = gemm.mat().ensure(n);
        a.put(0, ha, 0, n);
        b.put(0, hb, 0, n);
        gemm64 = new GemmF64(nat, pool);
        if (impl.equals("fast-f64")) {
            double[] da = new double[n];
            double[] db = new double[n];
            System.arraycopy(r, 0, da, 0, n);
            System.arraycopy(r, n, db, 0, n);
            a64 = gemm64.mat().ensure(n);
            b64 = gemm64.mat().ensure(n);
            c64 = gemm64.mat().ensure(n);
            a64.put(0, da, 0, n);
            b64.put(0, db, 0, n);
        }
        ma = FMatrixRMaj.wrap(size, size, ha);
        mb = FMatrixRMaj.wrap(size, size, hb);
        mc = FMatrixRMaj.wrap(size, size, hc);
        System.out.println("# FastGemmBench " + impl + " " + size + "^3, " + threads + " threads; " + FastBackend.gemmLibrary());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
        b.close();
        c.close();
        if (a64 != null) {
            a64.close();
            b64.close();
            c64.close();
        }
        pool.close();
    }

    @Benchmark
    public Object multiply() {
        switch (impl) {
            case "fast":
            case "java":
                gemm.mult(false, false, size, size, size, a, b, 0, c);
                return c;
            case "fast-f64":
                gemm64.mult(false, false, size, size, size, a64, b64, 0, c64);
                return c64;
            case "openblas-arrays":
                openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                        openblas_nolapack.CblasNoTrans, size, size, size, 1, ha, size, hb, size, 0, hc, size);
                return hc;
            case "ejml":
                CommonOps_FDRM.mult(ma, mb, mc);
                return mc;
            case "ejml-mt":
                CommonOps_MT_FDRM.mult(ma, mb, mc);
                return mc;
            default:
                throw new IllegalArgumentException("unknown impl " + impl);
        }
    }
}
