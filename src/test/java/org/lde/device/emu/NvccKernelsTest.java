package org.lde.device.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.lde.device.DeviceBuffer;
import org.lde.device.Dim3;
import org.lde.device.Kernel;
import org.lde.device.KernelArgs;
import org.lde.device.LaunchProfile;
import org.lde.device.Module;

/** Kernels compiled by nvcc (src/test/cuda) against plain Java loops. */
class NvccKernelsTest {

    /** The PTX of a test module; {@link NvccDebugKernelsTest} runs the same tests on the -G builds. */
    String ptx(String name) {
        return TestPtx.resource(name);
    }

    /** True for the optimised builds (contracted fma, instruction selection the profile checks rely on). */
    boolean optimized() {
        return true;
    }

    private static float[] randoms(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian());
        }
        return x;
    }

    @Test
    void reluMatchesJavaAndCountsInstructions() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            Module m = dev.loadModule("elementwise.ptx", ptx("elementwise.ptx"));
            Kernel k = m.kernel("relu_fwd");
            int n = 1000;
            float[] x = randoms(new Random(1), n);
            x[3] = Float.NaN;
            x[4] = -0.0f;
            try (DeviceBuffer bx = dev.allocate(4L * n); DeviceBuffer by = dev.allocate(4L * n)) {
                bx.write(x);
                by.fill32(DeviceBuffer.POISON);
                dev.launch(k, Dim3.of((n + 127) / 128), Dim3.of(128), 0, KernelArgs.of().ptr(bx).ptr(by).i32(n));
                float[] y = new float[n];
                by.read(y);
                for (int i = 0; i < n; i++) {
                    float want = Float.isNaN(x[i]) ? 0f : Math.max(x[i], 0f); // fmaxf ignores NaN
                    assertEquals(want, y[i], 0f, "i=" + i);
                }
                LaunchProfile p = dev.lastProfile().orElseThrow();
                assertEquals(n, p.instructionsByOpcode().get("max.f32"));
                assertEquals(n * 4L, p.globalLoadBytes());
                assertEquals(n * 4L, p.globalStoreBytes());
                // fully coalesced: 1000 floats = 4000 bytes -> 125 sectors
                assertEquals(125, p.globalLoadSectors());
            }
        }
    }

    @Test
    void axpyGridStrideLoop() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            Kernel k = dev.loadModule("elementwise.ptx", ptx("elementwise.ptx")).kernel("axpy");
            int n = 3001;
            Random r = new Random(2);
            float[] x = randoms(r, n);
            float[] y = randoms(r, n);
            float a = 1.75f;
            try (DeviceBuffer bx = dev.allocate(4L * n); DeviceBuffer by = dev.allocate(4L * n)) {
                bx.write(x);
                by.write(y);
                dev.launch(k, Dim3.of(3), Dim3.of(96), 0, KernelArgs.of().f32(a).ptr(bx).ptr(by).i32(n));
                float[] out = new float[n];
                by.read(out);
                for (int i = 0; i < n; i++) {
                    float want = optimized() ? Math.fma(a, x[i], y[i]) : a * x[i] + y[i]; // -G does not contract
                    assertEquals(want, out[i], 0f, "i=" + i);
                }
            }
        }
    }

    @Test
    void tiledSgemmMatchesJava() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            Kernel k = dev.loadModule("sgemm_tiled.ptx", ptx("sgemm_tiled.ptx")).kernel("sgemm_tiled");
            int mm = 37;
            int nn = 29;
            int kk = 45;
            Random r = new Random(3);
            float[] a = randoms(r, mm * kk);
            float[] b = randoms(r, kk * nn);
            try (DeviceBuffer ba = dev.allocate(4L * a.length); DeviceBuffer bb = dev.allocate(4L * b.length);
                 DeviceBuffer bc = dev.allocate(4L * mm * nn)) {
                ba.write(a);
                bb.write(b);
                bc.fill32(DeviceBuffer.POISON);
                dev.launch(k, Dim3.of((nn + 15) / 16, (mm + 15) / 16), Dim3.of(16, 16), 0,
                        KernelArgs.of().ptr(ba).ptr(bb).ptr(bc).i32(mm).i32(nn).i32(kk));
                float[] c = new float[mm * nn];
                bc.read(c);
                for (int i = 0; i < mm; i++) {
                    for (int j = 0; j < nn; j++) {
                        double ref = 0;
                        for (int t = 0; t < kk; t++) {
                            ref += (double) a[i * kk + t] * b[t * nn + j];
                        }
                        assertEquals(ref, c[i * nn + j], 1e-4 + 1e-5 * Math.abs(ref), "C[" + i + "," + j + "]");
                    }
                }
                LaunchProfile p = dev.lastProfile().orElseThrow();
                assertTrue(p.sharedAccesses() > 0);
                assertTrue(p.flops() >= 2L * mm * nn * kk, "flops " + p.flops());
            }
        }
    }

    @Test
    void blockSumWithShufflesSharedAndFloatAtomics() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            Kernel k = dev.loadModule("reduce.ptx", ptx("reduce.ptx")).kernel("block_sum");
            int n = 10_000;
            float[] x = new float[n];
            double ref = 0;
            for (int i = 0; i < n; i++) {
                x[i] = (i % 7) * 0.25f; // exactly representable partial sums
                ref += x[i];
            }
            try (DeviceBuffer bx = dev.allocate(4L * n); DeviceBuffer out = dev.allocate(4)) {
                bx.write(x);
                out.write(new float[] {0f});
                dev.launch(k, Dim3.of(5), Dim3.of(256), 8 * 4, KernelArgs.of().ptr(bx).ptr(out).i32(n));
                float[] got = new float[1];
                out.read(got);
                assertEquals(ref, got[0], 0.0);
                LaunchProfile p = dev.lastProfile().orElseThrow();
                assertEquals(5L * 256 * 5, p.instructionsByOpcode().get("shfl.sync.down.b32"));
                if (optimized()) {
                    assertEquals(5L, p.instructionsByOpcode().get("atom.global.add.f32"));
                }
            }
        }
    }

    @Test
    void votesBallotsAndIntegerAtomics() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            Kernel k = dev.loadModule("reduce.ptx", ptx("reduce.ptx")).kernel("count_votes");
            int n = 200; // 8 warps of 2 blocks of 128; the last warps lie past n (flag 0)
            int[] flags = new int[n];
            Random r = new Random(4);
            for (int i = 0; i < n; i++) {
                flags[i] = r.nextInt(3) == 0 ? 0 : r.nextInt(5) + 1;
            }
            for (int i = 32; i < 64; i++) {
                flags[i] = 1; // warp 1: all set
            }
            int warps = 8;
            try (DeviceBuffer bf = dev.allocate(4L * n); DeviceBuffer bb = dev.allocate(4L * warps);
                 DeviceBuffer bc = dev.allocate(4L * 5)) {
                bf.write(flags);
                bc.write(new int[] {0, 0, 0, Integer.MIN_VALUE, Integer.MAX_VALUE});
                dev.launch(k, Dim3.of(2), Dim3.of(128), 0, KernelArgs.of().ptr(bf).ptr(bb).ptr(bc).i32(n));
                int[] ballots = new int[warps];
                bb.read(ballots);
                int[] counts = new int[5];
                bc.read(counts);
                int total = 0;
                int all = 0;
                int any = 0;
                int maxPop = Integer.MIN_VALUE;
                int minPop = Integer.MAX_VALUE;
                for (int w = 0; w < warps; w++) {
                    int ballot = 0;
                    for (int l = 0; l < 32; l++) {
                        int i = w * 32 + l;
                        if (i < n && flags[i] != 0) {
                            ballot |= 1 << l;
                        }
                    }
                    assertEquals(ballot, ballots[w], "ballot of warp " + w);
                    int pop = Integer.bitCount(ballot);
                    total += pop;
                    all += ballot == -1 ? 1 : 0;
                    any += ballot != 0 ? 1 : 0;
                    maxPop = Math.max(maxPop, pop);
                    minPop = Math.min(minPop, pop);
                }
                assertEquals(1, all);
                assertEquals(total, counts[0]);
                assertEquals(all, counts[1]);
                assertEquals(any, counts[2]);
                assertEquals(maxPop, counts[3]);
                assertEquals(minPop, counts[4]);
            }
        }
    }

    @Test
    void softmaxRowsWithinApproxTolerance() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            Kernel k = dev.loadModule("reduce.ptx", ptx("reduce.ptx")).kernel("softmax_rows");
            int rows = 5;
            int cols = 77;
            float[] x = randoms(new Random(5), rows * cols);
            try (DeviceBuffer bx = dev.allocate(4L * x.length); DeviceBuffer by = dev.allocate(4L * x.length)) {
                bx.write(x);
                by.fill32(DeviceBuffer.POISON);
                dev.launch(k, Dim3.of(rows), Dim3.of(32), 0, KernelArgs.of().ptr(bx).ptr(by).i32(rows).i32(cols));
                float[] y = new float[x.length];
                by.read(y);
                for (int rr = 0; rr < rows; rr++) {
                    double mx = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < cols; c++) {
                        mx = Math.max(mx, x[rr * cols + c]);
                    }
                    double s = 0;
                    for (int c = 0; c < cols; c++) {
                        s += Math.exp(x[rr * cols + c] - mx);
                    }
                    for (int c = 0; c < cols; c++) {
                        double ref = Math.exp(x[rr * cols + c] - mx) / s;
                        assertEquals(ref, y[rr * cols + c], 1e-6 + 1e-5 * ref, "row " + rr + " col " + c);
                    }
                }
            }
        }
    }

    @Test
    void sharedMemoryHistogramUnderContention() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            Kernel k = dev.loadModule("reduce.ptx", ptx("reduce.ptx")).kernel("histogram");
            int n = 5000;
            int bins = 10;
            int[] x = new int[n];
            int[] ref = new int[bins];
            Random r = new Random(6);
            for (int i = 0; i < n; i++) {
                x[i] = r.nextInt(1000);
                ref[x[i] % bins]++;
            }
            try (DeviceBuffer bx = dev.allocate(4L * n); DeviceBuffer bh = dev.allocate(4L * bins)) {
                bx.write(x);
                bh.write(new int[bins]);
                dev.launch(k, Dim3.of(4), Dim3.of(128), 0, KernelArgs.of().ptr(bx).ptr(bh).i32(n).i32(bins));
                int[] h = new int[bins];
                bh.read(h);
                org.junit.jupiter.api.Assertions.assertArrayEquals(ref, h);
            }
        }
    }

    @Test
    void convolutionMatchesJava() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            Kernel k = dev.loadModule("conv_pool.ptx", ptx("conv_pool.ptx")).kernel("conv2d_fwd");
            int n = 2;
            int cin = 3;
            int h = 9;
            int w = 8;
            int cout = 4;
            int ks = 3;
            Random r = new Random(7);
            float[] x = randoms(r, n * cin * h * w);
            float[] wt = randoms(r, cout * cin * ks * ks);
            float[] bias = randoms(r, cout);
            int oh = h - ks + 1;
            int ow = w - ks + 1;
            int total = n * cout * oh * ow;
            try (DeviceBuffer bx = dev.allocate(4L * x.length); DeviceBuffer bw = dev.allocate(4L * wt.length);
                 DeviceBuffer bb = dev.allocate(4L * cout); DeviceBuffer by = dev.allocate(4L * total)) {
                bx.write(x);
                bw.write(wt);
                bb.write(bias);
                by.fill32(DeviceBuffer.POISON);
                dev.launch(k, Dim3.of((total + 63) / 64), Dim3.of(64), 0, KernelArgs.of().ptr(bx).ptr(bw).ptr(bb).ptr(by)
                        .i32(n).i32(cin).i32(h).i32(w).i32(cout).i32(ks));
                float[] y = new float[total];
                by.read(y);
                for (int idx = 0; idx < total; idx++) {
                    int ox = idx % ow;
                    int oy = (idx / ow) % oh;
                    int co = (idx / (ow * oh)) % cout;
                    int b = idx / (ow * oh * cout);
                    float acc = bias[co];
                    for (int ci = 0; ci < cin; ci++) {
                        for (int ky = 0; ky < ks; ky++) {
                            for (int kx = 0; kx < ks; kx++) {
                                acc = Math.fma(x[((b * cin + ci) * h + oy + ky) * w + ox + kx], wt[((co * cin + ci) * ks + ky) * ks + kx], acc);
                            }
                        }
                    }
                    assertEquals(acc, y[idx], 0f, "idx " + idx); // same fma order: bit-exact
                }
            }
        }
    }

    @Test
    void maxPoolWithStructParameter() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            Kernel k = dev.loadModule("conv_pool.ptx", ptx("conv_pool.ptx")).kernel("maxpool2x2");
            int c = 3;
            int h = 6;
            int w = 10;
            float[] x = randoms(new Random(8), c * h * w);
            int total = c * (h / 2) * (w / 2);
            try (DeviceBuffer bx = dev.allocate(4L * x.length); DeviceBuffer by = dev.allocate(4L * total);
                 DeviceBuffer ba = dev.allocate(4L * total)) {
                bx.write(x);
                // struct ConvShape {int c, h, w, k;} by value: four i32 fill the 16-byte .b8 array parameter
                dev.launch(k, Dim3.of(1), Dim3.of(64), 0, KernelArgs.of().ptr(bx).ptr(by).ptr(ba).i32(c).i32(h).i32(w).i32(2));
                float[] y = new float[total];
                int[] am = new int[total];
                by.read(y);
                ba.read(am);
                for (int idx = 0; idx < total; idx++) {
                    int ox = idx % (w / 2);
                    int oy = (idx / (w / 2)) % (h / 2);
                    int ch = idx / ((w / 2) * (h / 2));
                    float best = Float.NEGATIVE_INFINITY;
                    int bi = -1;
                    for (int dy = 0; dy < 2; dy++) {
                        for (int dx = 0; dx < 2; dx++) {
                            int j = (ch * h + 2 * oy + dy) * w + 2 * ox + dx;
                            if (x[j] > best || bi < 0) {
                                best = x[j];
                                bi = j;
                            }
                        }
                    }
                    assertEquals(best, y[idx], 0f);
                    assertEquals(bi, am[idx]);
                }
            }
        }
    }

    @Test
    void constantDataLocalArraysAndGlobalVariables() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            Kernel k = dev.loadModule("conv_pool.ptx", ptx("conv_pool.ptx")).kernel("const_and_local");
            int n = 50;
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (i * 3) % 11;
            }
            float[] wts = {0.5f, 0.25f, 0.125f, 0.125f};
            try (DeviceBuffer bx = dev.allocate(4L * n); DeviceBuffer by = dev.allocate(4L * n)) {
                bx.write(x);
                dev.launch(k, Dim3.of(2), Dim3.of(32), 0, KernelArgs.of().ptr(bx).ptr(by).i32(n));
                float[] y = new float[n];
                by.read(y);
                for (int i = 0; i < n; i++) {
                    float[] buf = new float[8];
                    for (int j = 0; j < 8; j++) {
                        buf[j] = x[(i + j) % n];
                    }
                    int sel = (int) x[i] & 7;
                    float acc = 0f;
                    for (int j = 0; j < 4; j++) {
                        acc = Math.fma(wts[j], buf[(sel + j) & 7], acc);
                    }
                    assertEquals(acc, y[i], 0f, "i=" + i);
                }
            }
        }
    }

    @Test
    void integerOpsMatchJava() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            Kernel k = dev.loadModule("elementwise.ptx", ptx("elementwise.ptx")).kernel("int_ops");
            int n = 64;
            int[] a = new int[n];
            int[] b = new int[n];
            Random r = new Random(9);
            for (int i = 0; i < n; i++) {
                a[i] = r.nextInt();
                b[i] = i % 5 == 0 ? 0 : r.nextInt(2000) - 1000;
            }
            a[1] = Integer.MIN_VALUE;
            b[1] = -1;
            try (DeviceBuffer ba = dev.allocate(4L * n); DeviceBuffer bb = dev.allocate(4L * n); DeviceBuffer bo = dev.allocate(24L * n)) {
                ba.write(a);
                bb.write(b);
                dev.launch(k, Dim3.of(1), Dim3.of(64), 0, KernelArgs.of().ptr(ba).ptr(bb).ptr(bo).i32(n));
                int[] o = new int[6 * n];
                bo.read(o);
                for (int i = 0; i < n; i++) {
                    int x = a[i];
                    int y = b[i];
                    assertEquals(y != 0 ? x / y : 0, o[6 * i], "div " + i);
                    assertEquals(y != 0 ? x % y : 0, o[6 * i + 1], "rem " + i);
                    assertEquals(x >>> (y & 31), o[6 * i + 2], "shr " + i);
                    assertEquals(Integer.bitCount(x) + Integer.numberOfLeadingZeros(y), o[6 * i + 3], "popc+clz " + i);
                    assertEquals(Math.min(x, y) * Math.max(x, y), o[6 * i + 4], "min*max " + i);
                    assertEquals(Integer.reverse(x) ^ (x << 3), o[6 * i + 5], "brev " + i);
                }
            }
        }
    }

    @Test
    void mathFunctionsWithinTolerance() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            Kernel k = dev.loadModule("elementwise.ptx", ptx("elementwise.ptx")).kernel("math_f32");
            float[] x = {0f, 1f, -1f, 0.5f, -2.75f, 3.3f, 10f, -10f, 1e-3f, 20f, -0.0f, 7.9f};
            int n = x.length;
            try (DeviceBuffer bx = dev.allocate(4L * n); DeviceBuffer bo = dev.allocate(32L * n)) {
                bx.write(x);
                dev.launch(k, Dim3.of(1), Dim3.of(32), 0, KernelArgs.of().ptr(bx).ptr(bo).i32(n));
                float[] o = new float[8 * n];
                bo.read(o);
                for (int i = 0; i < n; i++) {
                    double v = x[i];
                    String at = " at x=" + v;
                    assertEquals(Math.exp(v), o[8 * i], 2e-6 * Math.exp(v), "expf" + at);
                    assertEquals(Math.log(Math.abs(v) + 1), o[8 * i + 1], 2e-6 * Math.log(Math.abs(v) + 2), "logf" + at);
                    assertEquals((float) Math.sqrt(Math.abs(v)), o[8 * i + 2], 0f, "sqrtf" + at);
                    assertEquals(1 / (1 + Math.exp(-v)), o[8 * i + 3], 1e-6, "sigmoid" + at);
                    assertEquals(Math.tanh(v), o[8 * i + 4], 2e-6, "tanhf" + at);
                    assertEquals((float) (int) x[i], o[8 * i + 5], 0f, "trunc" + at);
                    assertEquals(1 / Math.sqrt(Math.abs(v) + 1), o[8 * i + 6], 2e-7, "rsqrtf" + at);
                    assertEquals(x[i] / 3.0f, o[8 * i + 7], 0f, "div" + at);
                }
            }
        }
    }

    @Test
    void vectorLoadsAndDoubleAxpy() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            Module m = dev.loadModule("elementwise.ptx", ptx("elementwise.ptx"));
            int n4 = 40;
            float[] x = randoms(new Random(10), 4 * n4);
            try (DeviceBuffer bx = dev.allocate(16L * n4); DeviceBuffer by = dev.allocate(16L * n4)) {
                bx.write(x);
                dev.launch(m.kernel("vec4_scale"), Dim3.of(2), Dim3.of(32), 0, KernelArgs.of().ptr(bx).ptr(by).f32(-2.5f).i32(n4));
                float[] y = new float[4 * n4];
                by.read(y);
                for (int i = 0; i < y.length; i++) {
                    assertEquals(x[i] * -2.5f, y[i], 0f);
                }
                LaunchProfile p = dev.lastProfile().orElseThrow();
                if (optimized()) {
                    assertEquals(n4, p.instructionsByOpcode().get("ld.global.v4.f32"));
                }
                assertEquals(16L * n4, p.globalLoadBytes());
                assertEquals(1.0, p.loadSectorEfficiency(), 1e-12);
            }
            int n = 33;
            double[] xd = new double[n];
            double[] yd = new double[n];
            for (int i = 0; i < n; i++) {
                xd[i] = i * 0.1;
                yd[i] = 1.0 / (i + 1);
            }
            try (EmuBuffer bx = (EmuBuffer) dev.allocate(8L * n); EmuBuffer by = (EmuBuffer) dev.allocate(8L * n)) {
                bx.writeDoubles(xd, 0);
                by.writeDoubles(yd, 0);
                dev.launch(m.kernel("axpy_f64"), Dim3.of(2), Dim3.of(32), 0, KernelArgs.of().f64(0.3).ptr(bx).ptr(by).i64(n));
                double[] out = new double[n];
                by.readDoubles(out, 0);
                for (int i = 0; i < n; i++) {
                    assertEquals(optimized() ? Math.fma(0.3, xd[i], yd[i]) : 0.3 * xd[i] + yd[i], out[i], 0.0);
                }
            }
        }
    }

    private static double ulpDiff(double want, float got) {
        return Math.abs(want - got) / Math.ulp((float) want);
    }

    @Test
    void fullPrecisionTrigAndPowUseLocalArraysAndFunnelCode() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            Kernel k = dev.loadModule("misc.ptx", ptx("misc.ptx")).kernel("trig_f32");
            // large arguments take the Payne-Hanek path (a local array of 7 words)
            float[] x = {0f, 0.5f, -1f, 3.14159f, 100f, -1234.5f, 1e6f, 3.3e7f, 1e30f, -2.5e-3f, 7f, 0.75f};
            int n = x.length;
            try (DeviceBuffer bx = dev.allocate(4L * n); DeviceBuffer bo = dev.allocate(12L * n)) {
                bx.write(x);
                dev.launch(k, Dim3.of(1), Dim3.of(32), 0, KernelArgs.of().ptr(bx).ptr(bo).i32(n));
                float[] o = new float[3 * n];
                bo.read(o);
                for (int i = 0; i < n; i++) {
                    double v = x[i];
                    // CUDA documents 2 ulp for sinf/cosf and 4 ulp for powf (sin/cos here are of the float argument)
                    assertTrue(ulpDiff(Math.sin(v), o[3 * i]) <= 2 || Math.abs(Math.sin(v) - o[3 * i]) < 1e-38, "sinf(" + v + ") = " + o[3 * i]);
                    assertTrue(ulpDiff(Math.cos(v), o[3 * i + 1]) <= 2, "cosf(" + v + ") = " + o[3 * i + 1]);
                    double pw = Math.pow(Math.abs(v), 1.5);
                    assertTrue(Float.isInfinite((float) pw) ? Float.isInfinite(o[3 * i + 2]) : ulpDiff(pw, o[3 * i + 2]) <= 4,
                            "powf(" + v + ") = " + o[3 * i + 2]);
                }
            }
        }
    }

    @Test
    void doubleMathAndSixtyFourBitDivision() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            Kernel k = dev.loadModule("misc.ptx", ptx("misc.ptx")).kernel("math_f64");
            double[] x = {0.0, 1.0, -1.0, 0.1, 2.5, -7.25, 30.0, -700.0, 1e-9, 123.456};
            int n = x.length;
            try (EmuBuffer bx = (EmuBuffer) dev.allocate(8L * n); EmuBuffer bo = (EmuBuffer) dev.allocate(24L * n);
                 EmuBuffer bq = (EmuBuffer) dev.allocate(16L * n)) {
                bx.writeDoubles(x, 0);
                dev.launch(k, Dim3.of(1), Dim3.of(32), 0, KernelArgs.of().ptr(bx).ptr(bo).ptr(bq).i32(n));
                double[] o = new double[3 * n];
                bo.readDoubles(o, 0);
                double[] qd = new double[2 * n];
                bq.readDoubles(qd, 0);
                for (int i = 0; i < n; i++) {
                    double v = x[i];
                    assertEquals(Math.exp(v), o[3 * i], 2 * Math.ulp(Math.exp(v)), "exp(" + v + ")");
                    assertEquals(Math.log(Math.abs(v) + 1), o[3 * i + 1], 2 * Math.ulp(Math.log(Math.abs(v) + 1)), "log");
                    assertEquals(Math.sqrt(Math.abs(v)) / (v + 3.0), o[3 * i + 2], 0.0, "sqrt/div are exact");
                    long a = (long) (v * 1e6);
                    assertEquals(a / 7, Double.doubleToRawLongBits(qd[2 * i]), "s64 div");
                    assertEquals(Long.remainderUnsigned(a, 1000003L), Double.doubleToRawLongBits(qd[2 * i + 1]), "u64 rem");
                }
            }
        }
    }

    @Test
    void bytesHalvesCasLoopAndSyncthreadsCount() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            Kernel k = dev.loadModule("misc.ptx", ptx("misc.ptx")).kernel("misc_int");
            int n = 150;
            Random r = new Random(11);
            byte[] bytes = new byte[4 * n];
            r.nextBytes(bytes);
            byte[] halves = new byte[2 * n];
            float[] hv = new float[n];
            float hmax = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                int h = Half.fromFloat((float) (r.nextGaussian() * 100), Half.RN);
                halves[2 * i] = (byte) h;
                halves[2 * i + 1] = (byte) (h >>> 8);
                hv[i] = Half.toFloat(h);
                hmax = Math.max(hmax, hv[i]);
            }
            try (EmuBuffer bb = (EmuBuffer) dev.allocate(bytes.length); EmuBuffer bh = (EmuBuffer) dev.allocate(halves.length);
                 DeviceBuffer bo = dev.allocate(4L * (2 * n + 1)); DeviceBuffer bm = dev.allocate(4)) {
                bb.writeBytes(bytes, 0);
                bh.writeBytes(halves, 0);
                bo.fill32(0);
                bm.write(new float[] {Float.NEGATIVE_INFINITY});
                dev.launch(k, Dim3.of(2), Dim3.of(96), 0, KernelArgs.of().ptr(bb).ptr(bh).ptr(bo).ptr(bm).i32(n));
                int[] o = new int[2 * n + 1];
                bo.read(o);
                int odd = 0;
                for (int i = 0; i < n; i++) {
                    int b0 = bytes[4 * i] & 0xFF;
                    int b1 = bytes[4 * i + 1] & 0xFF;
                    int b2 = bytes[4 * i + 2] & 0xFF;
                    int b3 = bytes[4 * i + 3] & 0xFF;
                    int packed = b0 | (b1 << 8) | (b2 << 16) | (b3 << 24);
                    int mix = (packed & b1) | (~packed & b2) ^ (b3 | b0);
                    assertEquals(mix, o[2 * i], "mix " + i);
                    assertEquals(Float.floatToRawIntBits(hv[i] * 2f), o[2 * i + 1], "half " + i);
                    odd += mix & 1;
                }
                assertEquals(odd, o[2 * n], "__syncthreads_count summed over blocks");
                float[] m = new float[1];
                bm.read(m);
                assertEquals(hmax, m[0], 0f, "atomicCAS max loop");
            }
        }
    }
}
