package org.lde.validation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lde.device.Devices;
import org.lde.device.GpuProbe;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.Loss;
import org.lde.engine.LossValue;
import org.lde.engine.OptimizerSpec;
import org.lde.engine.OptimizerState;
import org.lde.engine.ParameterGradients;
import org.lde.engine.Recorded;
import org.lde.engine.Seeds;
import org.lde.engine.cpu.EjmlBackend;
import org.lde.engine.fast.FastBackend;
import org.lde.engine.fast.FastBackend.Conv;
import org.lde.engine.fast.FastBackend.Gemm;
import org.lde.engine.fast.FastBackend.Precision;
import org.lde.model.Architectures;
import org.lde.model.Layer;
import org.lde.model.LeakyReLU;
import org.lde.model.MaxPool2d;
import org.lde.model.Network;
import org.lde.model.ReLU;
import org.lde.model.Task;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * {@link FastBackend} against {@link EjmlBackend} (float64, the truth), as
 * {@code GpuBackendAgreementSuite} holds the kernels: random architectures ({@link AgreementNetworks}:
 * MLPs, and CNNs with every layer kind, strides, paddings, BatchNorm; {@link AgreementGraphs}: random
 * graphs with forks, add and concat joins, grouped and dilated convolutions, every activation, affine
 * and global average pooling nodes), sizes that are multiples of no
 * tile, batch sizes 1 to 9, fresh random inputs per seeded case: forward, recorded forward and every
 * layer output, reverse passes with random seeds, whole Jacobians, margin gradients, layer gradients at
 * every layer, parameter gradients, losses, SGD and Adam steps, short training runs, and the sample CNN
 * at full size. Relative error {@code ||fast - ref|| / ||ref||}: {@code <= 1e-5} in float32 (METHOD.md
 * section 10) and {@code <= 1e-12} in float64; NaN never passes.
 *
 * <p>Variants: float32 and float64 on OpenBLAS (skipped with the reason where it does not load),
 * float32 on the Java GEMM (the fallback), float32 with every convolution on the direct kernels and
 * float64 with every plain one on im2col. Parameter and input gradients of random graphs are also
 * checked against central differences (float64), independently of the reference. Also: results are bitwise the same for 1, 2 and 3 threads,
 * buffers reused across calls of different batch sizes never leak old values into new results, and
 * bad arguments get the reference's messages. Cases per property test: {@code lde.agreement.cases}
 * (default 8), seed base {@code lde.agreement.seed} (default 0; {@code random} draws one).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FastBackendAgreementSuite {
    static final int CASES = Integer.getInteger("lde.agreement.cases", 8);
    static final long SEED = GpuBackendAgreementSuite.SEED;

    /** A backend configuration under test. */
    record Variant(String name, Precision precision, Gemm gemm, Conv conv) {
        /** METHOD.md section 10 for float32; float64 agrees with the reference to rounding. */
        double tol() {
            return precision == Precision.F32 ? 1e-5 : 1e-12;
        }

        /** Per-tensor parameter gradients and Adam runs: see {@code GpuBackendAgreementSuite} for why float32 needs more. */
        double looseTol() {
            return precision == Precision.F32 ? 1e-3 : 1e-10;
        }

        Backend open(Network net) {
            if (gemm == Gemm.AUTO) {
                assumeTrue(FastBackend.gemmLibrary().startsWith("OpenBLAS"), () -> "skipped: " + FastBackend.gemmLibrary());
            }
            return FastBackend.open(net, precision, FastBackend.defaultThreads(), gemm, conv);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Variant> variants() {
        return Stream.of(new Variant("f32-openblas", Precision.F32, Gemm.AUTO, Conv.AUTO),
                new Variant("f64-openblas", Precision.F64, Gemm.AUTO, Conv.AUTO), new Variant("f32-java", Precision.F32, Gemm.JAVA, Conv.AUTO),
                new Variant("f32-direct", Precision.F32, Gemm.AUTO, Conv.DIRECT), new Variant("f64-im2col", Precision.F64, Gemm.AUTO, Conv.IM2COL));
    }

    private final Map<String, Double> worst = new LinkedHashMap<>();

    @AfterAll
    void printWorst() {
        System.out.println("FastBackendAgreementSuite: case seeds from " + SEED + "; GEMM here: " + FastBackend.gemmLibrary());
        worst.forEach((k, v) -> System.out.printf(Locale.ROOT, "FastBackendAgreementSuite: worst relative error %-50s %.3e%n", k, v));
    }

    private void check(String what, Tensor got, Tensor ref, double tol) {
        assertEquals(ref.shape(), got.shape(), what + ": shape");
        double err = got.relativeError(ref);
        if (!(err <= tol)) {
            fail(String.format(Locale.ROOT, "%s: relative error %s > %s (shape %s)", what,
                    Double.isNaN(err) ? "NaN" : String.format(Locale.ROOT, "%.3e", err), tol, ref.shape()));
        }
        worst.merge(what.replaceAll(" case \\d+.*", "").replaceAll(" on \\S+$", ""), err, Math::max);
    }

    private void checkScalar(String what, double got, double ref, double tol) {
        check(what, Tensor.of(Shape.of(1), got), Tensor.of(Shape.of(1), ref), tol);
    }

    interface CaseBody {
        void run(EjmlBackend ref, Backend fast, Tensor x, Rng rng, String label);
    }

    /** The network of the current case as generated (before BatchNorm folding). */
    private Network original;

    private void forCases(Variant v, long seed, CaseBody body) {
        seed += SEED;
        Rng rng = new Rng(seed);
        for (int c = 0; c < CASES; c++) {
            Network net = c % 3 == 2 ? AgreementGraphs.graph(rng) : c % 3 == 1 ? AgreementNetworks.cnn(rng) : AgreementNetworks.mlp(rng);
            Tensor x = input(rng, net);
            String label = String.format(Locale.ROOT, "case %d (seed %d, N=%d, layers %s) on %s", c, seed, x.shape().dim(0),
                    net.layers().stream().map(Layer::kind).toList(), v);
            original = net;
            try (EjmlBackend ref = new EjmlBackend(net); Backend fast = v.open(net)) {
                body.run(ref, fast, x, rng, label);
            }
        }
    }

    /** A batch of 1..9 inputs in [0, 1] at which no ReLU or max-pool input lies within 1e-4 of a kink (resampled). */
    private static Tensor input(Rng rng, Network net) {
        for (int attempt = 0; ; attempt++) {
            int n = 1 + rng.nextInt(9);
            Tensor x = rng.uniform(net.inputShape().withBatch(n), 0, 1);
            if (attempt >= 20 || kinkFree(net, x)) {
                return x;
            }
        }
    }

    /** No input of a ReLU, LeakyReLU or max-pool lies within 1e-4 of a kink (or of a max-pool tie: any two inputs that close). */
    private static boolean kinkFree(Network net, Tensor x) {
        try (EjmlBackend ref = new EjmlBackend(net); Recorded rec = ref.forwardRecorded(x)) {
            Network folded = ref.network();
            List<Layer> ls = folded.layers();
            for (int i = 0; i < ls.size(); i++) {
                if (ls.get(i) instanceof ReLU || ls.get(i) instanceof LeakyReLU || ls.get(i) instanceof MaxPool2d) {
                    int j = folded.inputsOf(i)[0];
                    double[] in = j < 0 ? x.data() : ref.layerOutput(rec, ls.get(j).name()).data();
                    for (double v : in) {
                        if (v != 0 && Math.abs(v) < 1e-4) {
                            return false;
                        }
                    }
                }
            }
        }
        return true;
    }

    // ------------------------------------------------------------------------------------ forward and reverse

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void forwardRecordedForwardAndLayerOutputsAgree(Variant v) {
        forCases(v, 11, (ref, fast, x, rng, label) -> {
            check("forward " + label, fast.forward(x), ref.forward(x), v.tol());
            try (Recorded r = ref.forwardRecorded(x); Recorded f = fast.forwardRecorded(x)) {
                check("recorded logits " + label, f.logits(), r.logits(), v.tol());
                assertEquals(x.shape().dim(0), f.batch());
                for (Layer l : original.layers()) {
                    check("layer output " + label + " layer " + l.name(), fast.layerOutput(f, l.name()), ref.layerOutput(r, l.name()),
                            v.tol());
                }
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void reversePassesWithRandomSeedsJacobiansAndMarginsAgree(Variant v) {
        forCases(v, 12, (ref, fast, x, rng, label) -> {
            int n = x.shape().dim(0), c = ref.network().outputSize();
            int s = 1 + rng.nextInt(3);
            Tensor seeds = rng.uniform(Shape.of(n, s, c), -1, 1);
            try (Recorded r = ref.forwardRecorded(x); Recorded f = fast.forwardRecorded(x)) {
                check("reverse S=" + s + " " + label, fast.reverse(f, seeds), ref.reverse(r, seeds), v.tol());
                check("jacobian " + label, fast.reverse(f, Seeds.identity(n, c)), ref.reverse(r, Seeds.identity(n, c)), v.tol());
                int[] a = new int[n];
                int[] b = new int[n];
                for (int i = 0; i < n; i++) {
                    a[i] = rng.nextInt(c);
                    b[i] = rng.nextInt(c);
                }
                Tensor m = Seeds.margin(a, b, c);
                check("margin gradient " + label, fast.reverse(f, m), ref.reverse(r, m), v.tol());
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void layerGradientsAgreeAtEveryLayer(Variant v) {
        forCases(v, 13, (ref, fast, x, rng, label) -> {
            int n = x.shape().dim(0), c = ref.network().outputSize();
            try (Recorded r = ref.forwardRecorded(x); Recorded f = fast.forwardRecorded(x)) {
                for (Layer l : original.layers()) {
                    int s = 1 + rng.nextInt(c);
                    Tensor seeds = rng.uniform(Shape.of(n, s, c), -1, 1);
                    check("layer gradient " + label + " layer " + l.name() + " S=" + s, fast.layerGradient(f, l.name(), seeds),
                            ref.layerGradient(r, l.name(), seeds), v.tol());
                }
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void parameterGradientsAgree(Variant v) {
        forCases(v, 14, (ref, fast, x, rng, label) -> {
            int n = x.shape().dim(0), c = ref.network().outputSize();
            Tensor dy = rng.uniform(Shape.of(n, c), -1, 1);
            try (Recorded r = ref.forwardRecorded(x); Recorded f = fast.forwardRecorded(x)) {
                List<Tensor> pr = ref.parameterGradients(r, dy).gradients();
                List<Tensor> pf = fast.parameterGradients(f, dy).gradients();
                assertEquals(pr.size(), pf.size(), label + ": number of gradients");
                check("parameter gradients (all, one vector) " + label, concat(pf), concat(pr), v.tol());
                List<Layer.Parameter> names = ref.network().trainableParameters();
                for (int q = 0; q < pr.size(); q++) {
                    check("parameter gradient, per tensor " + label + " " + names.get(q).name(), pf.get(q), pr.get(q), v.looseTol());
                }
            }
        });
    }

    /**
     * Random graphs only ({@link AgreementGraphs}: forks summed by the reverse pass, add and concat joins,
     * grouped and dilated convolutions, every activation, affine, global average pooling, reshaping nodes):
     * forward, every layer output, reverse with S seeds, every layer gradient and parameter gradients.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void randomGraphsAgreeOnEveryPass(Variant v) {
        Rng rng = new Rng(SEED + 18);
        for (int q = 0; q < CASES; q++) {
            Network net = AgreementGraphs.graph(rng);
            Tensor x = input(rng, net);
            int n = x.shape().dim(0), c = net.outputSize();
            String label = String.format(Locale.ROOT, "graph case %d (seed %d, N=%d) %s on %s", q, SEED + 18, n, net.summary(), v);
            try (EjmlBackend ref = new EjmlBackend(net); Backend fast = v.open(net);
                 Recorded r = ref.forwardRecorded(x); Recorded f = fast.forwardRecorded(x)) {
                check("graph forward " + label, fast.forward(x), ref.forward(x), v.tol());
                int s = 1 + rng.nextInt(3);
                Tensor seeds = rng.uniform(Shape.of(n, s, c), -1, 1);
                check("graph reverse " + label, fast.reverse(f, seeds), ref.reverse(r, seeds), v.tol());
                for (Layer l : net.layers()) {
                    check("graph layer output " + label + " layer " + l.name(), fast.layerOutput(f, l.name()),
                            ref.layerOutput(r, l.name()), v.tol());
                    check("graph layer gradient " + label + " layer " + l.name(), fast.layerGradient(f, l.name(), seeds),
                            ref.layerGradient(r, l.name(), seeds), v.tol());
                }
                Tensor dy = rng.uniform(Shape.of(n, c), -1, 1);
                List<Tensor> pr = ref.parameterGradients(r, dy).gradients();
                List<Tensor> pf = fast.parameterGradients(f, dy).gradients();
                assertEquals(pr.size(), pf.size(), label + ": number of gradients");
                check("graph parameter gradients (all, one vector) " + label, concat(pf), concat(pr), v.tol());
            }
        }
    }

    /**
     * Central differences of {@code L = sum dy * forward(x)} in float64 (step 1e-6) check the fast backend's
     * parameter gradients (a random sample of entries of every tensor) and its input gradient on small random
     * graphs, with every convolution direct and with plain ones on im2col: an independent computation, not
     * the reference backend.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("directAndIm2col")
    void finiteDifferencesCheckGradientsOnRandomGraphs(Conv conv) {
        Rng rng = new Rng(SEED + 19);
        double h = 1e-6;
        for (int q = 0; q < Math.max(2, CASES / 2); q++) {
            Network net = AgreementGraphs.graph(rng);
            Tensor x = input(rng, net);
            int n = x.shape().dim(0), c = net.outputSize();
            Tensor dy = rng.uniform(Shape.of(n, c), -1, 1);
            String label = "graph " + q + " " + net.summary() + " " + conv;
            try (Backend fast = FastBackend.open(net, Precision.F64, 1, Gemm.AUTO, conv); Recorded r = fast.forwardRecorded(x)) {
                Network folded = fast.network().copy();
                List<Tensor> grads = fast.parameterGradients(r, dy).gradients();
                List<Layer.Parameter> ps = folded.trainableParameters();
                assertEquals(ps.size(), grads.size(), label);
                for (int t = 0; t < ps.size(); t++) {
                    double[] p = ps.get(t).value().data();
                    for (int e = 0; e < 3; e++) {
                        int k = rng.nextInt(p.length);
                        double keep = p[k];
                        p[k] = keep + h;
                        double up = weighted(folded, x, dy, conv);
                        p[k] = keep - h;
                        double down = weighted(folded, x, dy, conv);
                        p[k] = keep;
                        double fd = (up - down) / (2 * h);
                        double got = grads.get(t).data()[k];
                        assertTrue(Math.abs(got - fd) <= 1e-5 * (1 + Math.abs(fd)),
                                label + ": d/d " + ps.get(t).name() + "[" + k + "] = " + got + ", central difference " + fd);
                    }
                }
                Tensor gx = fast.reverse(r, dy.reshape(Shape.of(n, 1, c)));
                for (int e = 0; e < 4; e++) {
                    int k = rng.nextInt(x.size());
                    Tensor xu = x.copy();
                    Tensor xd = x.copy();
                    xu.data()[k] += h;
                    xd.data()[k] -= h;
                    double fd = (weighted(folded, xu, dy, conv) - weighted(folded, xd, dy, conv)) / (2 * h);
                    assertTrue(Math.abs(gx.data()[k] - fd) <= 1e-5 * (1 + Math.abs(fd)),
                            label + ": d/dx[" + k + "] = " + gx.data()[k] + ", central difference " + fd);
                }
            }
        }
    }

    static Stream<Conv> directAndIm2col() {
        return Stream.of(Conv.DIRECT, Conv.IM2COL);
    }

    /** {@code sum dy * forward(x)} on a fresh float64 fast backend of {@code net}. */
    private static double weighted(Network net, Tensor x, Tensor dy, Conv conv) {
        try (Backend b = FastBackend.open(net, Precision.F64, 1, Gemm.AUTO, conv)) {
            double[] z = b.forward(x).data();
            double sum = 0;
            for (int k = 0; k < z.length; k++) {
                sum += z[k] * dy.data()[k];
            }
            return sum;
        }
    }

    // ------------------------------------------------------------------------------------ training

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void lossesAgree(Variant v) {
        forCases(v, 15, (ref, fast, x, rng, label) -> {
            int n = x.shape().dim(0), c = ref.network().outputSize();
            Tensor z = rng.uniform(Shape.of(n, c), -4, 4);
            Tensor t = rng.uniform(Shape.of(n, c), -1, 1);
            LossValue mr = ref.loss(z, t, Loss.MSE);
            LossValue mf = fast.loss(z, t, Loss.MSE);
            checkScalar("MSE value " + label, mf.value(), mr.value(), 1e-12);
            check("MSE gradient " + label, mf.gradient(), mr.gradient(), 1e-12);
            if (c >= 2) {
                Tensor y = Tensor.zeros(n);
                for (int i = 0; i < n; i++) {
                    y.data()[i] = rng.nextInt(c);
                }
                LossValue cr = ref.loss(z, y, Loss.SOFTMAX_CROSS_ENTROPY);
                LossValue cf = fast.loss(z, y, Loss.SOFTMAX_CROSS_ENTROPY);
                checkScalar("cross-entropy value " + label, cf.value(), cr.value(), 1e-12);
                check("cross-entropy gradient " + label, cf.gradient(), cr.gradient(), 1e-12);
                assertEquals(cr.correct(), cf.correct(), "correct count " + label);
            }
        });
    }

    private static List<OptimizerSpec> optimizers() {
        return List.of(OptimizerSpec.sgd(0.1, 0), OptimizerSpec.sgd(0.05, 0.9),
                new OptimizerSpec(OptimizerSpec.Kind.SGD, 0.05, 0.5, 0.9, 0.999, 1e-8, 0.01),
                OptimizerSpec.adam(1e-3), new OptimizerSpec(OptimizerSpec.Kind.ADAM, 1e-2, 0, 0.8, 0.99, 1e-6, 0.05));
    }

    /** Both backends given the same gradients end at the same parameters (snapshot() and network()). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void optimizerStepsWithTheSameGradientsAgree(Variant v) {
        forCases(v, 16, (ref0, fast0, x, rng, label) -> {
            for (OptimizerSpec spec : optimizers()) {
                try (EjmlBackend ref = new EjmlBackend(fast0.snapshot()); Backend fast = v.open(fast0.snapshot());
                     OptimizerState sr = ref.optimizer(spec); OptimizerState sf = fast.optimizer(spec)) {
                    for (int step = 0; step < 3; step++) {
                        List<Tensor> grads = new ArrayList<>();
                        for (Layer.Parameter p : ref.network().trainableParameters()) {
                            grads.add(rng.uniform(p.value().shape(), -1, 1));
                        }
                        ParameterGradients pg = new ParameterGradients(grads);
                        ref.step(sr, pg);
                        fast.step(sf, pg);
                    }
                    assertEquals(3, sf.steps());
                    checkParameters(spec.kind() + " 3 steps " + label, fast.snapshot(), ref.snapshot(), v.tol());
                    checkParameters(spec.kind() + " network() " + label, fast.network(), ref.network(), v.tol());
                }
            }
        });
    }

    /** Each backend computes its own losses and gradients for 5 steps; then a recorded pass is stale. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void shortTrainingRunsAgree(Variant v) {
        forCases(v, 17, (ref0, fast0, x, rng, label) -> {
            Network net = ref0.network();
            int n = x.shape().dim(0), c = net.outputSize();
            boolean ce = net.task() == Task.CLASSIFICATION;
            Tensor targets = ce ? Tensor.zeros(n) : rng.uniform(Shape.of(n, c), -1, 1);
            if (ce) {
                for (int i = 0; i < n; i++) {
                    targets.data()[i] = rng.nextInt(c);
                }
            }
            Loss loss = ce ? Loss.SOFTMAX_CROSS_ENTROPY : Loss.MSE;
            for (OptimizerSpec spec : List.of(OptimizerSpec.sgd(0.1, 0.9), OptimizerSpec.adam(1e-2))) {
                try (EjmlBackend ref = new EjmlBackend(fast0.snapshot()); Backend fast = v.open(fast0.snapshot());
                     OptimizerState sr = ref.optimizer(spec); OptimizerState sf = fast.optimizer(spec)) {
                    double lastRef = Double.NaN;
                    double lastFast = Double.NaN;
                    for (int step = 0; step < 5; step++) {
                        lastRef = trainStep(ref, sr, x, targets, loss);
                        lastFast = trainStep(fast, sf, x, targets, loss);
                    }
                    double tol = spec.kind() == OptimizerSpec.Kind.SGD ? v.tol() : v.looseTol();
                    check(spec.kind() + " 5 training steps, all parameters " + label, concat(values(fast.snapshot())),
                            concat(values(ref.snapshot())), tol);
                    checkScalar("training loss " + spec.kind() + " " + label, lastFast, lastRef, v.tol());
                }
            }
        });
    }

    private static double trainStep(Backend b, OptimizerState s, Tensor x, Tensor targets, Loss loss) {
        try (Recorded r = b.forwardRecorded(x)) {
            LossValue lv = b.loss(r.logits(), targets, loss);
            b.step(s, b.parameterGradients(r, lv.gradient()));
            return lv.value();
        }
    }

    private void checkParameters(String what, Network got, Network ref, double tol) {
        List<Layer.Parameter> pg = got.trainableParameters();
        List<Layer.Parameter> pr = ref.trainableParameters();
        assertEquals(pr.size(), pg.size(), what + ": parameter count");
        for (int q = 0; q < pr.size(); q++) {
            check(what + " " + pr.get(q).name(), pg.get(q).value(), pr.get(q).value(), tol);
        }
    }

    private static List<Tensor> values(Network net) {
        return net.trainableParameters().stream().map(Layer.Parameter::value).toList();
    }

    /** All tensors of {@code ts} as one flat vector. */
    private static Tensor concat(List<Tensor> ts) {
        double[] all = new double[ts.stream().mapToInt(Tensor::size).sum()];
        int at = 0;
        for (Tensor t : ts) {
            System.arraycopy(t.data(), 0, all, at, t.size());
            at += t.size();
        }
        return new Tensor(Shape.of(all.length), all);
    }

    // ------------------------------------------------------------------------------------ full size, threads, reuse

    /** The sample CNN at its real size (1x28x28, 10 classes), batch 3: forward, Jacobian, parameter gradients. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void theSampleCnnAgreesAtFullSize(Variant v) {
        Network net = Architectures.fashionCnn(5);
        Rng rng = new Rng(27);
        Tensor x = rng.uniform(net.inputShape().withBatch(3), 0, 1);
        int n = 3, c = net.outputSize();
        try (EjmlBackend ref = new EjmlBackend(net); Backend fast = v.open(net);
             Recorded r = ref.forwardRecorded(x); Recorded f = fast.forwardRecorded(x)) {
            check("sample CNN forward on " + v, fast.forward(x), ref.forward(x), v.tol());
            check("sample CNN jacobian on " + v, fast.reverse(f, Seeds.identity(n, c)), ref.reverse(r, Seeds.identity(n, c)), v.tol());
            Tensor dy = rng.uniform(Shape.of(n, c), -1, 1);
            check("sample CNN parameter gradients on " + v, concat(fast.parameterGradients(f, dy).gradients()),
                    concat(ref.parameterGradients(r, dy).gradients()), v.tol());
        }
    }

    /** Work is split over images, channels and rows, never inside a sum: 1, 2 and 3 threads give the same bits. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void resultsAreBitwiseTheSameForEveryThreadCount(Variant v) {
        Network net = Architectures.fashionCnn(5);
        Rng rng = new Rng(28);
        Tensor x = rng.uniform(net.inputShape().withBatch(7), 0, 1);
        Tensor dy = rng.uniform(Shape.of(7, net.outputSize()), -1, 1);
        List<double[]> first = null;
        for (int threads = 1; threads <= 3; threads++) {
            if (v.gemm() == Gemm.AUTO) {
                v.open(net).close(); // skips without OpenBLAS
            }
            List<double[]> got = new ArrayList<>();
            try (Backend b = FastBackend.open(net, v.precision(), threads, v.gemm()); Recorded r = b.forwardRecorded(x)) {
                got.add(b.forward(x).data());
                got.add(b.reverse(r, Seeds.identity(7, net.outputSize())).data());
                got.add(concat(b.parameterGradients(r, dy).gradients()).data());
            }
            if (first == null) {
                first = got;
            } else {
                for (int q = 0; q < got.size(); q++) {
                    assertArrayEquals(first.get(q), got.get(q), 0.0, "result " + q + " with " + threads + " threads vs 1 thread on " + v);
                }
            }
        }
    }

    /**
     * Buffers are reused across calls: interleaved batch sizes, closed and reopened recorded passes and
     * a second backend give the bits a fresh backend gives, so no old values leak into new results.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void reusedBuffersNeverLeakOldValues(Variant v) {
        Rng rng = new Rng(29);
        Network net = AgreementNetworks.cnn(rng);
        int c = net.outputSize();
        Tensor big = rng.uniform(net.inputShape().withBatch(9), 0, 1);
        Tensor small = rng.uniform(net.inputShape().withBatch(2), -1, 2);
        double[] freshSmall;
        double[] freshSmallJacobian;
        try (Backend fresh = v.open(net); Recorded r = fresh.forwardRecorded(small)) {
            freshSmall = fresh.forward(small).data();
            freshSmallJacobian = fresh.reverse(r, Seeds.identity(2, c)).data();
        }
        try (Backend b = v.open(net)) {
            for (int round = 0; round < 2; round++) {
                try (Recorded r = b.forwardRecorded(big)) {
                    b.reverse(r, Seeds.identity(9, c));
                }
                b.forward(big);
                assertArrayEquals(freshSmall, b.forward(small).data(), 0.0, "forward after a bigger batch, round " + round);
                try (Recorded r = b.forwardRecorded(small)) {
                    assertArrayEquals(freshSmall, r.logits().data(), 0.0, "recorded logits in reused arrays, round " + round);
                    assertArrayEquals(freshSmallJacobian, b.reverse(r, Seeds.identity(2, c)).data(), 0.0, "jacobian, round " + round);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------ validation messages and Backends

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void badInputsAreRejectedWithTheReferenceMessages(Variant v) {
        Network net = AgreementNetworks.mlp(new Rng(19));
        int d = net.inputSize(), c = net.outputSize();
        Tensor x = new Rng(20).uniform(net.inputShape().withBatch(2), 0, 1);
        Tensor nan = x.copy();
        nan.data()[1] = Double.NaN;
        try (EjmlBackend ref = new EjmlBackend(net); Backend fast = v.open(net);
             Recorded r = ref.forwardRecorded(x); Recorded f = fast.forwardRecorded(x)) {
            sameError("wrong input shape", ref, fast, b -> b.forward(Tensor.zeros(Shape.of(2, d + 1))));
            sameError("NaN input", ref, fast, b -> b.forward(nan));
            sameError("NaN input, recorded", ref, fast, b -> b.forwardRecorded(nan));
            sameError("wrong seeds", ref, fast, b -> b.reverse(b == ref ? r : f, Tensor.zeros(Shape.of(2, 1, c + 1))));
            sameError("unknown layer", ref, fast, b -> b.layerOutput(b == ref ? r : f, "nope"));
            sameError("wrong outputGrad", ref, fast, b -> b.parameterGradients(b == ref ? r : f, Tensor.zeros(Shape.of(3, c))));
            sameError("foreign pass", ref, fast, b -> b.reverse(b == ref ? f : r, Seeds.identity(2, c)));
            sameError("wrong logits", ref, fast, b -> b.loss(Tensor.zeros(Shape.of(2, c + 1)), Tensor.zeros(2), Loss.MSE));
            sameError("wrong gradient count", ref, fast, b -> {
                b.step(b.optimizer(OptimizerSpec.sgd(0.1, 0)), new ParameterGradients(List.of()));
                return null;
            });
        }
        Backend closed = v.open(net);
        closed.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> closed.forward(x));
        assertEquals("FastBackend is closed", e.getMessage());
        try (Backend fast = v.open(net); OptimizerState s = fast.optimizer(OptimizerSpec.sgd(0.1, 0))) {
            Recorded old = fast.forwardRecorded(x);
            fast.step(s, fast.parameterGradients(old, Tensor.zeros(Shape.of(2, c))));
            IllegalStateException stale = assertThrows(IllegalStateException.class, () -> fast.reverse(old, Seeds.identity(2, c)));
            assertTrue(stale.getMessage().contains("stale"), stale.getMessage());
            old.close();
            assertEquals("recorded pass is closed", assertThrows(IllegalStateException.class, old::logits).getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> FastBackend.open(net, v.precision(), 0, v.gemm()));
    }

    private static void sameError(String what, Backend ref, Backend fast, Function<Backend, Object> call) {
        RuntimeException er = assertThrows(RuntimeException.class, () -> call.apply(ref), what + ": reference");
        RuntimeException ef = assertThrows(RuntimeException.class, () -> call.apply(fast), what + ": fast");
        assertEquals(er.getClass(), ef.getClass(), what + ": exception class (" + ef.getMessage() + ")");
        assertEquals(er.getMessage().replace("EjmlBackend", "B").replaceAll("\\(got [^)]*\\)", ""),
                ef.getMessage().replace("FastBackend", "B").replaceAll("\\(got [^)]*\\)", ""), what + ": message");
    }

    @Test
    void backendsOpensTheFastBackendByNameAndForAutoWithoutAGpu() {
        Network net = AgreementNetworks.mlp(new Rng(21));
        Tensor x = new Rng(22).uniform(net.inputShape().withBatch(3), 0, 1);
        try (Backend ref = Backends.open(net, "cpu"); Backend f32 = Backends.open(net, "cpu-fast");
             Backend f64 = Backends.open(net, " CPU-FAST-F64 ")) {
            assertTrue(f32.name().startsWith("fast-f32"), f32.name());
            assertTrue(f64.name().startsWith("fast-f64"), f64.name());
            check("Backends.open(cpu-fast) forward", f32.forward(x), ref.forward(x), 1e-5);
            check("Backends.open(cpu-fast-f64) forward", f64.forward(x), ref.forward(x), 1e-12);
        }
        GpuProbe.Result r = Devices.probe();
        if (!r.usable()) {
            try (Backend auto = Backends.open(net, "auto")) {
                assertTrue(auto.name().startsWith("fast-f32"), "auto without a GPU: " + auto.name());
            }
        }
        assertTrue(Backends.KINDS.containsAll(List.of("cpu", "cpu-fast", "cpu-fast-f64", "emulator", "cuda", "auto")),
                Backends.KINDS.toString());
    }
}
