package org.lde.engine.fast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lde.engine.Recorded;
import org.lde.engine.Seeds;
import org.lde.engine.Window2d;
import org.lde.engine.cpu.EjmlBackend;
import org.lde.engine.cpu.ReferenceOps;
import org.lde.model.Architectures;
import org.lde.model.AvgPool2d;
import org.lde.model.Conv2d;
import org.lde.model.Dense;
import org.lde.model.Flatten;
import org.lde.model.Layer;
import org.lde.model.MaxPool2d;
import org.lde.model.Network;
import org.lde.model.ReLU;
import org.lde.model.Task;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The fast backend's pieces against independent computations: its array kernels against the float64
 * reference operations ({@link ReferenceOps}) on random geometries (kernels 1..4, strides 1..3,
 * paddings up to half the kernel, sizes that are multiples of nothing) with outputs poisoned with NaN
 * first; its GEMM (OpenBLAS in parts and the Java loop, every transpose, accumulate or not) against a
 * plain float64 triple loop; and the blocked and grouped paths of the backend (one image per im2col
 * block, one sample per reverse group) against the EJML backend.
 */
class FastKernelsTest {

    private static Window2d window(Rng rng) {
        for (;;) {
            int kh = 1 + rng.nextInt(4), kw = 1 + rng.nextInt(4);
            int ph = rng.nextInt(kh / 2 + 1), pw = rng.nextInt(kw / 2 + 1);
            int h = 1 + rng.nextInt(11), w = 1 + rng.nextInt(11);
            if (h + 2 * ph >= kh && w + 2 * pw >= kw) {
                return new Window2d(1 + rng.nextInt(3), h, w, kh, kw, 1 + rng.nextInt(3), 1 + rng.nextInt(3), ph, pw);
            }
        }
    }

    private static double[] random(Rng rng, int n) {
        return rng.uniform(Shape.of(n), -1, 1).data();
    }

    private static double[] poisoned(int n) {
        double[] a = new double[n];
        Arrays.fill(a, Double.NaN);
        return a;
    }

    @Test
    void im2colCol2imAndPoolingMatchTheReferenceOperations() {
        Rng rng = new Rng(41);
        for (int t = 0; t < 300; t++) {
            Window2d g = window(rng);
            int k = g.patchSize(), p = g.outPlane(), in = g.inSize(), out = g.channels() * p;
            int images = 1 + rng.nextInt(3), ld = images * p + rng.nextInt(3);
            String what = "case " + t + " " + g;
            double[] x = random(rng, images * in);
            double[] ref = poisoned(k * ld);
            double[] got = poisoned(k * ld);
            for (int s = 0; s < images; s++) {
                ReferenceOps.im2col(g, x, s * in, s * p, ld, ref);
                for (int c = 0; c < g.channels(); c++) {
                    FastOpsF64.im2col(g, x, s * in, s * p, ld, got, c);
                }
            }
            assertArrayEquals(ref, got, 0.0, "im2col " + what); // NaN == NaN only in the columns both leave alone

            double[] cols = random(rng, k * ld);
            double[] dxRef = new double[images * in];
            double[] dxGot = poisoned(images * in);
            for (int s = 0; s < images; s++) {
                ReferenceOps.col2imAdd(g, cols, s * p, ld, dxRef, s * in);
                Arrays.fill(dxGot, s * in, (s + 1) * in, 0);
                for (int c = 0; c < g.channels(); c++) {
                    FastOpsF64.col2imAdd(g, cols, s * p, ld, dxGot, s * in, c);
                }
            }
            assertArrayEquals(dxRef, dxGot, 1e-14, "col2im " + what);
            double[] dxScratch = poisoned(images * in);
            double[] scratchCols = cols.clone();
            for (int s = 0; s < images; s++) {
                Arrays.fill(dxScratch, s * in, (s + 1) * in, 0);
                for (int c = 0; c < g.channels(); c++) {
                    FastOpsF64.col2imAddScratch(g, scratchCols, s * p, ld, dxScratch, s * in, c);
                }
            }
            assertArrayEquals(dxRef, dxScratch, 1e-14, "col2im on scratch columns " + what);

            double[] yRef = new double[out];
            int[] argRef = new int[out];
            double[] yGot = poisoned(out);
            int[] argGot = new int[out];
            Arrays.fill(argGot, -1);
            ReferenceOps.maxPoolForward(g, x, 0, yRef, 0, argRef, 0);
            FastOpsF64.maxPoolForward(g, x, 0, yGot, 0, argGot, 0);
            assertArrayEquals(yRef, yGot, 0.0, "max-pool " + what);
            assertArrayEquals(argRef, argGot, "max-pool arg-max " + what);
            double[] dy = random(rng, out);
            double[] gRef = new double[in];
            double[] gGot = poisoned(in);
            ReferenceOps.maxPoolBackwardAdd(g, dy, 0, argRef, 0, gRef, 0);
            FastOpsF64.maxPoolBackward(out, in, dy, 0, argGot, 0, gGot, 0);
            assertArrayEquals(gRef, gGot, 1e-14, "max-pool backward " + what);

            double[] aRef = new double[out];
            double[] aGot = poisoned(out);
            ReferenceOps.avgPoolForward(g, x, 0, aRef, 0);
            FastOpsF64.avgPoolForward(g, x, 0, aGot, 0);
            assertArrayEquals(aRef, aGot, 1e-14, "avg-pool " + what);
            double[] bRef = new double[in];
            double[] bGot = poisoned(in);
            ReferenceOps.avgPoolBackwardAdd(g, dy, 0, bRef, 0);
            FastOpsF64.avgPoolBackward(g, dy, 0, bGot, 0);
            assertArrayEquals(bRef, bGot, 1e-14, "avg-pool backward " + what);

            float[] xf = new float[x.length];
            for (int q = 0; q < x.length; q++) {
                xf[q] = (float) x[q];
            }
            float[] yf = new float[out];
            int[] argF = new int[out];
            FastOpsF32.maxPoolForward(g, xf, 0, yf, 0, argF, 0);
            assertArrayEquals(argRef, argF, "float32 max-pool arg-max " + what);
        }
    }

    /**
     * The 2x2 stride-2 max-pooling path (no branch per cell) against the reference on odd and even sizes, with
     * values drawn from five levels so that windows hold ties (the first maximal cell must win), values and
     * arg-maxes, float64 and float32, with poisoned outputs.
     */
    @Test
    void twoByTwoMaxPoolingMatchesTheReferenceWithTies() {
        Rng rng = new Rng(47);
        for (int t = 0; t < 200; t++) {
            Window2d g = new Window2d(1 + rng.nextInt(3), 2 + rng.nextInt(9), 2 + rng.nextInt(9), 2, 2, 2, 2, 0, 0);
            int in = g.inSize(), out = g.channels() * g.outPlane();
            double[] x = new double[in];
            float[] xf = new float[in];
            for (int q = 0; q < in; q++) {
                x[q] = rng.nextInt(5) - 2;
                xf[q] = (float) x[q];
            }
            double[] yRef = new double[out];
            int[] argRef = new int[out];
            ReferenceOps.maxPoolForward(g, x, 0, yRef, 0, argRef, 0);
            double[] y = poisoned(out);
            int[] arg = new int[out];
            Arrays.fill(arg, -1);
            FastOpsF64.maxPoolForward(g, x, 0, y, 0, arg, 0);
            assertArrayEquals(yRef, y, 0.0, "2x2 max-pool " + g);
            assertArrayEquals(argRef, arg, "2x2 max-pool arg-max " + g);
            double[] yNoArg = poisoned(out);
            FastOpsF64.maxPoolForward(g, x, 0, yNoArg, 0, null, 0);
            assertArrayEquals(yRef, yNoArg, 0.0, "2x2 max-pool without arg-max " + g);
            float[] yf = new float[out];
            Arrays.fill(yf, Float.NaN);
            int[] argF = new int[out];
            FastOpsF32.maxPoolForward(g, xf, 0, yf, 0, argF, 0);
            assertArrayEquals(argRef, argF, "float32 2x2 max-pool arg-max " + g);
            for (int q = 0; q < out; q++) {
                assertEquals(yRef[q], yf[q], 0.0, "float32 2x2 max-pool " + g);
            }
        }
    }

    /** The branch-free ReLU gradient mask against {@code x > 0 ? v : 0} on signed zeros, subnormals, infinities and random values. */
    @Test
    void selectIfPositiveIsTheConditional() {
        Rng rng = new Rng(53);
        float[] fs = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1f, -1f};
        double[] ds = {0d, -0d, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE, -Double.MAX_VALUE,
            Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1d, -1d};
        for (int t = 0; t < 2000; t++) {
            float xf = t < fs.length ? fs[t] : (float) rng.gaussian();
            double xd = t < ds.length ? ds[t] : rng.gaussian();
            float vf = (float) rng.gaussian();
            double vd = rng.gaussian();
            assertEquals(Float.floatToIntBits(xf > 0 ? vf : 0f), Float.floatToIntBits(Select.ifPositive(xf, vf)), "float x = " + xf);
            assertEquals(Double.doubleToLongBits(xd > 0 ? vd : 0d), Double.doubleToLongBits(Select.ifPositive(xd, vd)), "double x = " + xd);
        }
    }

    /** {@code C = op(A) op(B) + beta C} in float64 loops, the reference for both GEMMs. */
    private static double[] product(boolean ta, boolean tb, int m, int n, int k, double[] a, double[] b, double beta, double[] c) {
        double[] out = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = beta == 0 ? 0 : beta * c[i * n + j];
                for (int p = 0; p < k; p++) {
                    s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                }
                out[i * n + j] = s;
            }
        }
        return out;
    }

    @Test
    void gemmMatchesPlainLoopsForEveryTransposeAndPartition() {
        Rng rng = new Rng(42);
        int[][] shapes = {{1, 1, 1}, {7, 5, 3}, {33, 17, 65}, {1029, 37, 131}, {19, 2100, 130}, {300, 301, 97}};
        boolean[] natives = NativeBlas.status().usable() ? new boolean[] {true, false} : new boolean[] {false};
        try (FastPool pool = new FastPool(3)) {
            assertTrue(GemmF64.parts(1029, 37, 131) > 1 && GemmF64.parts(19, 2100, 130) > 1, "the shapes cover split products");
            for (boolean nat : natives) {
                try (GemmF64 gemm = new GemmF64(nat, pool)) {
                    for (int[] sh : shapes) {
                        int m = sh[0], n = sh[1], k = sh[2];
                        for (int variant = 0; variant < 8; variant++) {
                            boolean ta = (variant & 1) != 0, tb = (variant & 2) != 0;
                            double beta = (variant & 4) != 0 ? 1 : 0;
                            double[] a = random(rng, m * k);
                            double[] b = random(rng, k * n);
                            double[] c0 = beta == 0 ? poisoned(m * n) : random(rng, m * n);
                            double[] want = product(ta, tb, m, n, k, a, b, beta, c0);
                            try (GemmF64.Mat ma = gemm.mat().ensure(a.length); GemmF64.Mat mb = gemm.mat().ensure(b.length);
                                 GemmF64.Mat mc = gemm.mat().ensure(c0.length)) {
                                ma.put(0, a, 0, a.length);
                                mb.put(0, b, 0, b.length);
                                mc.put(0, c0, 0, c0.length);
                                gemm.mult(ta, tb, m, n, k, ma, mb, beta, mc);
                                double[] got = new double[m * n];
                                mc.get(0, got, 0, got.length);
                                String what = (nat ? "OpenBLAS" : "Java") + " " + m + "x" + n + "x" + k + " transA=" + ta
                                        + " transB=" + tb + " beta=" + beta;
                                assertEquals(0, new Tensor(Shape.of(m * n), want).maxAbsDiff(new Tensor(Shape.of(m * n), got)), 1e-12, what);
                            }
                        }
                    }
                }
            }
        }
    }

    /** A small CNN with strides, padding, both poolings and a Flatten (channels and sizes odd). */
    private static Network cnn(Rng rng) {
        Conv2d c1 = new Conv2d("conv1", 3, 5, 3, 2, 2, 1, 1, 0, rng.uniform(Shape.of(5, 3, 3, 2), -0.3, 0.3),
                rng.uniform(Shape.of(5), -0.1, 0.1));
        Conv2d c2 = new Conv2d("conv2", 5, 7, 2, 3, 1, 2, 0, 1, rng.uniform(Shape.of(7, 5, 2, 3), -0.3, 0.3),
                rng.uniform(Shape.of(7), -0.1, 0.1));
        List<Layer> ls = List.of(c1, new ReLU("relu1"), new MaxPool2d("pool1", 2, 2, 1, 1, 1, 0), c2, new ReLU("relu2"),
                new AvgPool2d("pool2", 2, 2, 2, 2, 1, 1), new Flatten("flatten"));
        Shape s = Shape.of(3, 11, 9);
        for (Layer l : ls) {
            s = l.outputShape(s);
        }
        Dense fc = new Dense("fc", s.sizeInt(), 4, rng.uniform(Shape.of(4, s.sizeInt()), -0.3, 0.3), rng.uniform(Shape.of(4), -0.1, 0.1));
        List<Layer> all = new java.util.ArrayList<>(ls);
        all.add(fc);
        return new Network(Shape.of(3, 11, 9), all, Task.CLASSIFICATION, List.of(), 0, 1);
    }

    @Test
    void blockedAndGroupedPathsAgreeWithTheReference() {
        Rng rng = new Rng(43);
        for (Network net : List.of(cnn(rng), Architectures.fashionCnn(5))) {
            int n = 5, c = net.outputSize();
            Tensor x = rng.uniform(net.inputShape().withBatch(n), 0, 1);
            Tensor seeds = rng.uniform(Shape.of(n, 3, c), -1, 1);
            Tensor dy = rng.uniform(Shape.of(n, c), -1, 1);
            for (boolean nat : NativeBlas.status().usable() ? new boolean[] {true, false} : new boolean[] {false}) {
              for (int maxPatch : new int[] {0, Integer.MAX_VALUE}) { // every conv on im2col, every conv direct
                try (EjmlBackend ref = new EjmlBackend(net); Recorded r = ref.forwardRecorded(x);
                     FastBackendF64 f64 = new FastBackendF64(net, 2, nat, maxPatch, 1, 1); Recorded q = f64.forwardRecorded(x);
                     FastBackendF32 f32 = new FastBackendF32(net, 2, nat, maxPatch, 1, 1); Recorded p = f32.forwardRecorded(x)) {
                    String what = " (one image per block, one sample per group, " + (nat ? "OpenBLAS" : "Java")
                            + (maxPatch == 0 ? ", im2col" : ", direct convolutions") + ") " + net.summary();
                    assertTrue(f64.forward(x).relativeError(ref.forward(x)) <= 1e-12, "f64 forward" + what);
                    assertTrue(f64.reverse(q, seeds).relativeError(ref.reverse(r, seeds)) <= 1e-12, "f64 reverse" + what);
                    assertTrue(f32.reverse(p, seeds).relativeError(ref.reverse(r, seeds)) <= 1e-5, "f32 reverse" + what);
                    assertTrue(f64.layerGradient(q, "relu1", seeds).relativeError(ref.layerGradient(r, "relu1", seeds)) <= 1e-12,
                            "f64 layer gradient" + what);
                    List<Tensor> gr = ref.parameterGradients(r, dy).gradients();
                    List<Tensor> g64 = f64.parameterGradients(q, dy).gradients();
                    List<Tensor> g32 = f32.parameterGradients(p, dy).gradients();
                    for (int i = 0; i < gr.size(); i++) {
                        assertTrue(g64.get(i).relativeError(gr.get(i)) <= 1e-12, "f64 parameter gradient " + i + what);
                        assertTrue(g32.get(i).relativeError(gr.get(i)) <= 1e-4, "f32 parameter gradient " + i + what);
                    }
                    assertTrue(f32.reverse(p, Seeds.identity(n, c)).relativeError(ref.reverse(r, Seeds.identity(n, c))) <= 1e-5,
                            "f32 jacobian" + what);
                }
              }
            }
        }
    }

    /**
     * Arrays kept for reuse stay under the cap when every call has a new batch size (as an explainer's
     * shrinking active set makes them), and reuse changes no value: each call's logits and input gradients
     * equal those of a fresh backend, to the bit, and the EJML reference's to float32 rounding.
     */
    @Test
    void spareArraysStayUnderTheCapAcrossChangingBatchSizesAndReuseChangesNoValue() {
        Network net = Architectures.fashionCnn(3);
        try (FastBackendF32 be = (FastBackendF32) FastBackend.open(net, FastBackend.Precision.F32, 2, FastBackend.Gemm.AUTO);
             EjmlBackend ref = new EjmlBackend(net)) {
            be.maxSpareElements = 200_000; // a few arrays of a few images of the sample CNN's layers
            Rng rng = new Rng(11);
            long most = 0;
            for (int n = 1; n <= 23; n += 2) {
                Tensor x = rng.uniform(net.inputShape().withBatch(n), 0, 1);
                Tensor seeds = Seeds.identity(n, 10);
                Tensor z;
                Tensor g;
                try (Recorded r = be.forwardRecorded(x)) {
                    z = r.logits();
                    g = be.reverse(r, seeds);
                }
                try (org.lde.engine.Backend fresh = FastBackend.open(net, FastBackend.Precision.F32, 2, FastBackend.Gemm.AUTO);
                     Recorded r = fresh.forwardRecorded(x)) {
                    assertArrayEquals(r.logits().data(), z.data(), 0.0, "logits, batch " + n);
                    assertArrayEquals(fresh.reverse(r, seeds).data(), g.data(), 0.0, "gradients, batch " + n);
                }
                double[] zr = ref.forward(x).data();
                for (int i = 0; i < zr.length; i++) {
                    assertEquals(zr[i], z.data()[i], 1e-4 * (1 + Math.abs(zr[i])), "logit " + i + ", batch " + n);
                }
                most = Math.max(most, be.spareElements());
                assertTrue(be.spareElements() <= 200_000, "batch " + n + ": " + be.spareElements() + " elements kept");
            }
            assertTrue(most > 0, "no array was kept for reuse at all");
        }
    }
}
