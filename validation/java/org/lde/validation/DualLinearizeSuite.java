package org.lde.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lde.data.SampleData;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.Dim3;
import org.lde.device.KernelArgs;
import org.lde.device.KernelLibrary;
import org.lde.engine.Backend;
import org.lde.engine.Recorded;
import org.lde.engine.cpu.EjmlBackend;
import org.lde.engine.dual.DualAgreement;
import org.lde.engine.dual.DualLinearization;
import org.lde.engine.dual.DualSolution;
import org.lde.engine.dual.DualSolutions;
import org.lde.engine.dual.DualStatus;
import org.lde.engine.dual.LinearizedDual;
import org.lde.engine.dual.ReferenceDualSolver;
import org.lde.engine.gpu.GpuBackend;
import org.lde.engine.gpu.GpuDualSolver;
import org.lde.explain.ExplainMode;
import org.lde.explain.Explanation;
import org.lde.explain.LagrangeDualExplainer;
import org.lde.model.ModelFile;
import org.lde.model.Network;
import org.lde.model.Task;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The device half of the explainer's linearized step ({@code Backend.solveLinearized} on
 * {@link GpuBackend}): kernel {@code dual_linearize_rows} (kernels/dual.cu) against its float64
 * reference {@link DualLinearization#rows}, and the fused step (reverse pass, rows, {@code dual_ascent_box})
 * against {@link EjmlBackend}'s float64 step and against the float64 {@link ReferenceDualSolver} on the
 * very problem the kernel solved (METHOD.md section 10: {@code 1e-5} for the float32 rows, {@code 1e-4}
 * for dual quantities). Outputs are poisoned before every launch; shapes are not multiples of 32; the
 * grid is also launched smaller than the row count (blocks loop).
 */
class DualLinearizeSuite extends AbstractKernelSuite {

    static final double DUAL_TOL = 1e-4;

    // ---------------------------------------------------------------------------- dual_linearize_rows

    /** N, R, d of the kernel cases. */
    static final int[][] SHAPES = {{1, 1, 1}, {3, 4, 37}, {5, 9, 200}, {2, 3, 785}};

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void rowsKernelMatchesTheFloat64Reference(String kind) {
        KernelLibrary lib = library(kind);
        Device dev = lib.device();
        Rng rng = new Rng(41);
        for (int[] sh : SHAPES) {
            int n = sh[0];
            int rows = sh[1];
            int d = sh[2];
            int q = n * rows;
            float[] g = randomFloats(rng, q * d);
            float[] scale = randomFloats(rng, n * d);
            float[] t = new float[n * d];
            for (int i = 0; i < t.length; i++) {
                t[i] = (float) rng.uniform();
            }
            float[] m = randomFloats(rng, q);
            double kappa = 0.25;
            DualLinearization.Rows ref = DualLinearization.builder(new Tensor(Shape.of(n, d), toDouble(scale)),
                    new Tensor(Shape.of(n, d), toDouble(t)), new Tensor(Shape.of(n, rows), toDouble(m)), kappa).build()
                    .rows(new Tensor(Shape.of(n, rows, d), toDouble(g)));
            for (int block : new int[] {32, 256}) {
                for (int grid : new int[] {q, Math.max(1, q / 3)}) {
                    for (boolean inPlace : new boolean[] {false, true}) {
                        String what = String.format(Locale.ROOT, "dual_linearize_rows N=%d R=%d d=%d block=%d grid=%d%s", n,
                                rows, d, block, grid, inPlace ? " in place" : "");
                        try (DeviceBuffer gb = upload(dev, g, q * d);
                             DeviceBuffer sb = upload(dev, scale, n * d);
                             DeviceBuffer tb = upload(dev, t, n * d);
                             DeviceBuffer mb = upload(dev, m, q);
                             DeviceBuffer ab = upload(dev, null, q * d);
                             DeviceBuffer rb = upload(dev, null, q)) {
                            DeviceBuffer out = inPlace ? gb : ab;
                            dev.launch(lib.kernel("dual", "dual_linearize_rows"), Dim3.of(grid), Dim3.of(block), 0,
                                    KernelArgs.of().i32(n).i32(rows).i32(d).ptr(gb).ptr(sb).ptr(tb).ptr(mb).f64(kappa)
                                            .ptr(out).ptr(rb));
                            dev.synchronize();
                            checkRows(what, download(out, q * d), download(rb, q), ref, toDouble(t), d, rows, kappa,
                                    toDouble(m));
                        }
                    }
                }
            }
        }
    }

    /**
     * {@code a} must be bit-identical to the float64 product rounded to float (a product of two floats is
     * exact in double); {@code r} within one float rounding of the float64 value plus what rounding each
     * {@code a_i} to float changes in {@code a^T t} ({@code 2^-24 sum |a_i t_i|}: the kernel sums the
     * products of the rounded rows it hands to the solver, the reference those of the exact products).
     */
    private static void checkRows(String what, float[] a, float[] r, DualLinearization.Rows ref, double[] t, int d,
                                  int rows, double kappa, double[] m) {
        double[] ra = ref.a().data();
        for (int j = 0; j < a.length; j++) {
            if (Float.floatToRawIntBits(a[j]) != Float.floatToRawIntBits((float) ra[j])) {
                fail(what + ": a[" + j + "] = " + a[j] + ", reference " + (float) ra[j]
                        + (Float.floatToRawIntBits(a[j]) == DeviceBuffer.POISON ? " (poison: never written)" : ""));
            }
        }
        double[] rr = ref.r().data();
        for (int q = 0; q < r.length; q++) {
            double scale = Math.abs(kappa) + Math.abs(m[q]);
            for (int i = 0; i < d; i++) {
                scale += Math.abs(ra[q * d + i] * t[(q / rows) * d + i]);
            }
            double tol = Math.ulp((float) rr[q]) + 0x1p-24 * scale;
            if (!(Math.abs(r[q] - rr[q]) <= tol)) {
                fail(what + ": r[" + q + "] = " + r[q] + ", reference " + rr[q] + " (tolerance " + tol + ")"
                        + (Float.floatToRawIntBits(r[q]) == DeviceBuffer.POISON ? " (poison: never written)" : ""));
            }
        }
    }

    // ---------------------------------------------------------------------------- the fused step

    /** Random margins seeds: for classifiers {@code e_j - e_y} for R classes j != y, for regression one seed +-1. */
    private static Tensor seeds(Rng rng, int n, int c, int rows) {
        double[] s = new double[n * rows * c];
        for (int i = 0; i < n; i++) {
            if (c == 1) {
                s[i] = rng.nextInt(2) == 0 ? 1 : -1;
                continue;
            }
            int y = rng.nextInt(c);
            int k = 0;
            for (int j = 0; j < c && k < rows; j++) {
                if (j != y) {
                    s[(i * rows + k) * c + j] = 1;
                    s[(i * rows + k) * c + y] = -1;
                    k++;
                }
            }
        }
        return new Tensor(Shape.of(n, rows, c), s);
    }

    /**
     * A linearization of the deletion model toward zero ({@code D = -x}, box {@code [0, 1]}) or the
     * additive one ({@code D = I}, box {@code [-x, 1 - x]}), at iterates {@code t} a quarter of the way in,
     * with margins in {@code [-1, -0.25)} (the decision not yet moved).
     */
    private static DualLinearization linearization(Rng rng, Tensor x, int rows, boolean deletion,
                                                   DualLinearization.Grouping grouping) {
        int n = x.shape().dim(0);
        int d = x.size() / n;
        double[] scale = new double[n * d];
        double[] t = new double[n * d];
        double[] lo = new double[n * d];
        double[] hi = new double[n * d];
        for (int j = 0; j < n * d; j++) {
            double xi = x.data()[j];
            scale[j] = deletion ? -xi : 1;
            lo[j] = deletion ? 0 : -xi;
            hi[j] = deletion ? 1 : 1 - xi;
            t[j] = lo[j] + 0.25 * rng.uniform() * (hi[j] - lo[j]);
        }
        double[] m = new double[n * rows];
        for (int j = 0; j < m.length; j++) {
            m[j] = -0.25 - 0.75 * rng.uniform();
        }
        return DualLinearization.builder(new Tensor(Shape.of(n, d), scale), new Tensor(Shape.of(n, d), t),
                        new Tensor(Shape.of(n, rows), m), 0.0)
                .box(new Tensor(Shape.of(n, d), lo), new Tensor(Shape.of(n, d), hi)).grouping(grouping).build();
    }

    private static Tensor input(Rng rng, Network net, int n) {
        double[] x = new double[n * net.inputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.uniform();
        }
        return new Tensor(net.inputShape().withBatch(n), x);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void fusedStepAgreesWithTheFloat64Step(String kind) {
        KernelLibrary lib = library(kind);
        Rng rng = new Rng(43);
        List<String> report = new ArrayList<>();
        for (int net = 0; net < 6; net++) {
            Network network = net % 2 == 1 ? AgreementNetworks.cnn(rng) : AgreementNetworks.mlp(rng);
            int c = network.outputSize();
            int rows = network.task() == Task.REGRESSION ? 1 : c - 1;
            int n = 1 + rng.nextInt(4);
            Tensor x = input(rng, network, n);
            Tensor seeds = seeds(rng, n, c, rows);
            for (DualLinearization.Grouping grouping : DualLinearization.Grouping.values()) {
                boolean deletion = rng.nextInt(2) == 0;
                DualLinearization lin = linearization(rng, x, rows, deletion, grouping);
                LinearizedDual ref;
                LinearizedDual dev;
                try (EjmlBackend cpu = new EjmlBackend(network); Recorded rc = cpu.forwardRecorded(x)) {
                    ref = cpu.solveLinearized(rc, seeds, lin);
                }
                try (GpuBackend gpu = new GpuBackend(network, lib.device()); Recorded rg = gpu.forwardRecorded(x)) {
                    dev = gpu.solveLinearized(rg, seeds, lin);
                }
                String what = String.format(Locale.ROOT, "%s net %d (%s, d=%d, C=%d) N=%d %s %s", kind, net,
                        network.layers().size() > 4 ? "cnn" : "mlp", network.inputSize(), c, n,
                        deletion ? "deletion" : "additive", grouping);
                double rowErr = dev.rows().relativeError(ref.rows());
                double rhsErr = dev.rhs().relativeError(ref.rhs());
                assertTrue(rowErr <= TOLERANCE, what + ": rows D g relative error " + rowErr);
                assertTrue(rhsErr <= TOLERANCE, what + ": right-hand sides relative error " + rhsErr);
                // the kernel solver against the float64 reference on the problem it solved (rows as float32)
                DualSolutions exact = new ReferenceDualSolver().solve(dev.problem());
                double worst = 0;
                for (int b = 0; b < dev.problem().batch(); b++) {
                    DualSolution k = dev.solutions().get(b);
                    DualSolution e = exact.get(b);
                    DualSolution r = ref.solutions().get(b);
                    assertEquals(e.status(), k.status(), what + ", problem " + b + ": status");
                    assertEquals(r.status(), k.status(), what + ", problem " + b + ": status against the EJML step");
                    if (e.status() == DualStatus.SOLVED) {
                        DualAgreement agree = DualAgreement.of(e, k);
                        assertTrue(agree.passesPrimalAndValue(DUAL_TOL), what + ", problem " + b + ": " + agree);
                        DualAgreement cross = DualAgreement.of(r, k);
                        assertTrue(cross.passesPrimalAndValue(DUAL_TOL), what + ", problem " + b
                                + " against the EJML step: " + cross);
                        worst = Math.max(worst, Math.max(agree.tError(), agree.dualValueError()));
                    }
                }
                report.add(String.format(Locale.ROOT, "%s: rows %.1e, r %.1e, worst t/G vs reference %.1e", what, rowErr,
                        rhsErr, worst));
            }
        }
        report.forEach(s -> System.out.println("DualLinearizeSuite " + s));
    }

    /**
     * The data flow the explainer relies on: the gradients never reach the host before the solver has
     * run; one step uploads the seeds and the linearization's six small tensors and downloads the rows,
     * {@code r} and the solver's five outputs, once each; nothing is freed while a launch may use it and
     * nothing leaks.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void theRowsStayOnTheDeviceUntilTheSolverHasRun(String kind) {
        library(kind);
        TrackingDevice dev = new TrackingDevice(library(kind).device());
        Rng rng = new Rng(47);
        Network network = AgreementNetworks.cnn(rng);
        int c = network.outputSize();
        int rows = network.task() == Task.REGRESSION ? 1 : c - 1;
        int n = 3;
        Tensor x = input(rng, network, n);
        Tensor seeds = seeds(rng, n, c, rows);
        try (GpuBackend gpu = new GpuBackend(network, dev)) {
            int parameterBuffers = dev.liveBuffers();
            for (DualLinearization.Grouping grouping : DualLinearization.Grouping.values()) {
                DualLinearization lin = linearization(rng, x, rows, true, grouping);
                try (Recorded rec = gpu.forwardRecorded(x)) {
                    dev.resetCounters();
                    gpu.solveLinearized(rec, seeds, lin);
                }
                int solver = dev.log.lastIndexOf("launch dual_ascent_box");
                int builder = dev.log.indexOf("launch dual_linearize_rows");
                assertTrue(builder >= 0 && solver > builder, grouping + ": rows built, then solved: " + dev.log);
                for (int i = 0; i < solver; i++) {
                    assertTrue(!dev.log.get(i).startsWith("download"), grouping + ": a download before the solver ran: "
                            + dev.log);
                }
                assertEquals(7, dev.uploads, grouping + ": seeds, scale, t, m, box (2), lambda0: " + dev.log);
                assertEquals(7, dev.downloads, grouping + ": rows, r and the solver's 5 outputs: " + dev.log);
                assertTrue(dev.log.contains("download " + n * rows * network.inputSize()), "the rows, once: " + dev.log);
                assertEquals(List.of(), dev.freedInFlight, grouping + ": buffers freed under a running launch");
                assertEquals(parameterBuffers, dev.liveBuffers(), grouping + ": the step frees what it allocated");
            }
        }
    }

    /** Wrong shapes are refused with a message naming them, before anything runs. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void mismatchedLinearizationsAreRefused(String kind) {
        Rng rng = new Rng(53);
        Network network = AgreementNetworks.mlp(rng);
        while (network.task() == Task.REGRESSION) {
            network = AgreementNetworks.mlp(rng);
        }
        int c = network.outputSize();
        Tensor x = input(rng, network, 2);
        DualLinearization other = linearization(rng, input(rng, network, 3), c - 1, true,
                DualLinearization.Grouping.PER_ROW);
        DualLinearization fewer = linearization(rng, x, Math.max(1, c - 2), true, DualLinearization.Grouping.PER_ROW);
        List<Backend> backends = new ArrayList<>();
        try (EjmlBackend cpu = new EjmlBackend(network); GpuBackend gpu = new GpuBackend(network, library(kind).device())) {
            backends.add(cpu);
            backends.add(gpu);
            for (Backend b : backends) {
                try (Recorded rec = b.forwardRecorded(x)) {
                    Tensor seeds = seeds(rng, 2, c, c - 1);
                    IllegalArgumentException e1 = assertThrows(IllegalArgumentException.class,
                            () -> b.solveLinearized(rec, seeds, other));
                    assertTrue(e1.getMessage().contains("N = 3"), b.name() + ": " + e1.getMessage());
                    if (c > 2) {
                        IllegalArgumentException e2 = assertThrows(
                                IllegalArgumentException.class, () -> b.solveLinearized(rec, seeds, fewer));
                        assertTrue(e2.getMessage().contains("R = " + (c - 2)), b.name() + ": " + e2.getMessage());
                    }
                }
            }
        }
    }

    /**
     * The device step's step size for {@code K > 1}: it cannot compute the host's spectral
     * {@code 1/||A||_2^2} without the rows, so the kernel uses {@code 1/||A||_F^2}. On the TARGET problems
     * of the sample MLP (8 embedded images, target class 2, {@code K = 9}, {@code d = 784}, deletion
     * toward zero at {@code x}) both must reach the same solutions; the iteration counts of the two are
     * printed (the price of the smaller step).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void theFrobeniusStepReachesTheSameSolutions(String kind) {
        KernelLibrary lib = library(kind);
        Network network = ModelFile.loadResource("/org/lde/models/fmnist-mlp.safetensors");
        int n = 8;
        int c = network.outputSize();
        int rows = c - 1;
        int d = network.inputSize();
        Tensor x = SampleData.fashionMnist().inputs().slice(0, n);
        double[] seeds = new double[n * rows * c];
        double[] scale = new double[n * d];
        double[] ones = new double[n * d];
        for (int i = 0; i < n; i++) {
            int k = 0;
            for (int j = 0; j < c; j++) {
                if (j != 2) {
                    seeds[(i * rows + k) * c + 2] = 1;
                    seeds[(i * rows + k) * c + j] = -1;
                    k++;
                }
            }
        }
        for (int j = 0; j < n * d; j++) {
            scale[j] = -x.data()[j];
            ones[j] = 1;
        }
        Tensor seedT = new Tensor(Shape.of(n, rows, c), seeds);
        try (GpuBackend gpu = new GpuBackend(network, lib.device()); Recorded rec = gpu.forwardRecorded(x)) {
            double[] m = new double[n * rows];
            double[] lg = rec.logits().data();
            for (int q = 0; q < n * rows; q++) {
                for (int j = 0; j < c; j++) {
                    m[q] += seeds[q * c + j] * lg[(q / rows) * c + j];
                }
            }
            DualLinearization lin = DualLinearization.builder(new Tensor(Shape.of(n, d), scale), Tensor.zeros(n, d),
                            new Tensor(Shape.of(n, rows), m), 0.0)
                    .box(Tensor.zeros(n, d), new Tensor(Shape.of(n, d), ones))
                    .grouping(DualLinearization.Grouping.PER_SAMPLE).build();
            LinearizedDual fro = gpu.solveLinearized(rec, seedT, lin);
            DualSolutions spectral = new GpuDualSolver(lib).solve(fro.problem());
            StringBuilder its = new StringBuilder();
            for (int b = 0; b < n; b++) {
                DualSolution f = fro.solutions().get(b);
                DualSolution sp = spectral.get(b);
                assertEquals(DualStatus.SOLVED, f.status(), "problem " + b + " with the Frobenius step");
                assertEquals(DualStatus.SOLVED, sp.status(), "problem " + b + " with the spectral step");
                DualAgreement agree = DualAgreement.of(sp, f);
                assertTrue(agree.passesPrimalAndValue(DUAL_TOL), "problem " + b + ": " + agree);
                its.append(b == 0 ? "" : ", ").append(sp.iterations()).append(" / ").append(f.iterations());
            }
            System.out.println("DualLinearizeSuite " + kind + " sample MLP, TARGET 2, K = 9, d = 784: iterations with the "
                    + "spectral / Frobenius step: " + its);
        }
    }

    // ---------------------------------------------------------------------------- the explainer on the device

    /**
     * The explainer with its default (backend) solver on a device against the same explainer on EJML, on
     * the trained sample MLP ({@code sample:fmnist-mlp}) and the first embedded test images: one outer
     * step (the linearized problem at {@code x} alone) must give the same nearest competitor, the same
     * dual value and {@code t*} within {@code 1e-4}; with the default five steps every point the device
     * calls adversarial must flip the decision of the float64 network too.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void theExplainerOnTheKernelSolverAgreesWithTheReference(String kind) {
        Network network = ModelFile.loadResource("/org/lde/models/fmnist-mlp.safetensors");
        Tensor x = SampleData.fashionMnist().inputs().slice(0, 3);
        LagrangeDualExplainer one = LagrangeDualExplainer.builder().maxOuterIterations(1)
                .build();
        LagrangeDualExplainer full = LagrangeDualExplainer.builder().build();
        try (EjmlBackend cpu = new EjmlBackend(network); GpuBackend gpu = new GpuBackend(network, library(kind).device())) {
            List<Explanation> ref = one.explain(cpu, x);
            List<Explanation> dev = one.explain(gpu, x);
            for (int n = 0; n < ref.size(); n++) {
                Explanation r = ref.get(n);
                Explanation e = dev.get(n);
                String what = kind + " image " + n;
                assertEquals(r.chosenClass(), e.chosenClass(), what + ": nearest competitor");
                assertEquals(r.certificate().linearizedStatus(), e.certificate().linearizedStatus(), what + ": status");
                double gErr = Math.abs(e.certificate().linearizedDualValue() - r.certificate().linearizedDualValue())
                        / Math.abs(r.certificate().linearizedDualValue());
                double tErr = e.t().relativeError(r.t());
                assertTrue(gErr <= DUAL_TOL, what + ": dual value " + e.certificate().linearizedDualValue() + " vs "
                        + r.certificate().linearizedDualValue());
                assertTrue(tErr <= DUAL_TOL, what + ": t* relative error " + tErr);
                System.out.printf(Locale.ROOT, "DualLinearizeSuite explainer %s: competitor %d, G %.6g vs %.6g (%.1e), "
                        + "t* %.1e%n", what, e.chosenClass(), e.certificate().linearizedDualValue(), r.certificate().linearizedDualValue(),
                        gErr, tErr);
            }
            // TARGET mode: one problem with K = C - 1 rows per image (the kernel's K > 1 path, Frobenius step)
            LagrangeDualExplainer target = LagrangeDualExplainer.builder()
                    .mode(ExplainMode.TARGET).target(2).maxOuterIterations(1).build();
            List<Explanation> tr = target.explain(cpu, x);
            List<Explanation> te = target.explain(gpu, x);
            for (int n = 0; n < tr.size(); n++) {
                String what = kind + " image " + n + " TARGET 2";
                assertEquals(tr.get(n).certificate().linearizedStatus(), te.get(n).certificate().linearizedStatus(), what + ": status");
                if (tr.get(n).certificate().linearizedStatus() == DualStatus.SOLVED) {
                    double gErr = Math.abs(te.get(n).certificate().linearizedDualValue() - tr.get(n).certificate().linearizedDualValue())
                            / Math.max(1e-300, Math.abs(tr.get(n).certificate().linearizedDualValue()));
                    double tErr = te.get(n).t().relativeError(tr.get(n).t());
                    assertTrue(gErr <= DUAL_TOL && tErr <= DUAL_TOL, what + ": dual value error " + gErr + ", t* " + tErr);
                }
            }
            List<Explanation> walked = full.explain(gpu, x);
            int verified = 0;
            for (Explanation e : walked) {
                if (e.adversarial().isPresent()) {
                    verified++;
                    Tensor xa = e.adversarial().get().input();
                    Tensor logits = cpu.forward(xa.reshape(network.inputShape().withBatch(1)));
                    int arg = 0;
                    for (int j = 1; j < logits.size(); j++) {
                        arg = logits.data()[j] > logits.data()[arg] ? j : arg;
                    }
                    assertTrue(arg != e.predictedClass(), kind + " image " + e.sample()
                            + ": the device's adversarial point keeps class " + arg + " in float64");
                    assertEquals(org.lde.explain.VerifiedBy.FLOAT64_HOST_RECHECK, e.adversarial().get().verifiedBy());
                    assertEquals(arg, e.adversarial().get().outputClass(), "the recorded class is the float64 one");
                }
            }
            assertTrue(verified > 0, kind + ": no adversarial point verified on " + walked.size() + " images");
            System.out.printf(Locale.ROOT, "DualLinearizeSuite explainer %s: %d of %d images with a verified point%n", kind,
                    verified, walked.size());
        }
    }
}
