package org.lde.engine.gpu;

import static org.lde.engine.gpu.GpuBuffers.closeQuietly;
import static org.lde.engine.gpu.GpuBuffers.download;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.Devices;
import org.lde.device.KernelLibrary;
import org.lde.engine.Backend;
import org.lde.engine.BackendChecks;
import org.lde.engine.Loss;
import org.lde.engine.LossValue;
import org.lde.engine.OptimizerSpec;
import org.lde.engine.OptimizerState;
import org.lde.engine.ParameterGradients;
import org.lde.engine.Recorded;
import org.lde.engine.dual.DualLinearization;
import org.lde.engine.dual.DualProblem;
import org.lde.engine.dual.DualSolutions;
import org.lde.engine.dual.DualSolverOptions;
import org.lde.engine.dual.LinearizedDual;
import org.lde.engine.dual.Objective;
import org.lde.model.Layer;
import org.lde.model.Network;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The kernel backend: every {@link Backend} operation as float32 CUDA kernels on a {@link Device}
 * (a GPU through JCuda, or the PTX emulator), with the semantics, validation and error messages of
 * the float64 reference {@code engine.cpu.EjmlBackend} (the argument checks are shared with it in
 * {@link BackendChecks}).
 *
 * <p><b>Graphs.</b> The network is a DAG (layers in topological order, each naming the nodes it
 * reads): every node kind of {@code org.lde.model} runs as kernels: Dense, plain and grouped/dilated
 * Conv2d, ReLU/Sigmoid/Tanh/LeakyReLU, max/average/global-average pooling, the per-channel Affine (an
 * unfoldable BatchNorm), Add and channel Concat joins, and the Reshaping kinds (no kernel: they share
 * their input's buffer). A reverse pass gives each node one device gradient buffer; a fork sums its
 * branches' gradients on the device ({@code axpy}, a = 1), as the reference sums them on the host.
 *
 * <p><b>Data stays on the device.</b> The parameters of {@code network.folded()} (BatchNorm folded
 * into the Dense/Conv2d it reads, or an Affine node) are converted to float32 and uploaded once, when
 * the backend is opened. Host tensors are converted to float32 and uploaded on entry and the results
 * downloaded (and widened to float64) on exit; in between, activations go from node to node in device
 * buffers, a {@link Recorded} pass keeps every node's output (and the max-pool arg-maxes) in device
 * buffers until it is closed, and a reverse pass with {@code S} seeds per sample is ONE batched pass
 * over {@code N S} gradient rows (row {@code r} uses the recorded values of sample {@code r / S}).
 * {@link #jacobian} and {@link #marginGradient} even make their seeds on the device.
 * Unlike the reference there is no splitting into sample groups: a reverse pass through a plain
 * convolution takes at most 65535 gradient rows {@code N S} (the grid limit of kernels/conv.cu), and more is
 * refused with a message before anything is launched.
 * Optimizer state lives on the device; {@link #step} updates the device parameters in place, and
 * {@link #trainStep} runs a whole training step (forward, loss, parameter gradients, update) without
 * parameter gradients or logits crossing the host boundary.
 *
 * <p><b>Kernels</b> (kernels/*.cu): Dense forward {@code dense_forward} (fused with a following ReLU
 * that is its only reader as {@code dense_forward_relu} in {@link #forward}), reverse {@code sgemm_nn}, weight gradient
 * {@code sgemm_tn}, bias gradient {@code dense_backward_bias}; ReLU {@code relu_forward},
 * {@code relu_backward_seeded}; plain convolution and pooling through {@link ConvKernels} (kernels/conv.cu,
 * kernels/pool.cu); the other node kinds through {@link GraphKernels} (kernels/activation.cu, affine.cu,
 * graph.cu, conv_grouped.cu); losses
 * {@code cross_entropy_forward_backward}, {@code mse_forward_backward}; seeds {@code seeds_identity},
 * {@code seeds_margin}; optimizers {@code sgd_step}, {@code adam_step}.
 *
 * <p><b>Parameters and snapshots.</b> {@link #network()} and {@link #snapshot()} return the
 * parameters the device holds (float32 values, widened), downloaded when they are asked for after a
 * {@link #step}. Recorded passes are tied to the parameter version they were made with, as in the
 * reference. Not thread-safe (a {@link Device} is used from one thread).
 *
 * <p><b>Where the code is.</b> This class keeps the public API, the argument checks (in the
 * reference's order), the recorded passes, the optimizer states and closing; the work is delegated to
 * package-private classes: {@code GpuLayerPlan} (layer geometry, parameter upload, host copy),
 * {@code GpuBuffers} (uploads, downloads, buffers retired until the device has finished with them),
 * {@code GpuPasses} (forward, recorded and reverse passes over the graph), {@code GpuLayerOps} (one
 * node's launches), {@code GpuLinearizedStep} (the fused step of
 * {@link #solveLinearized}) and {@code GpuTraining} (parameter gradients, losses, optimizer updates).
 */
public final class GpuBackend implements Backend {
    private final Device device;
    private final boolean ownsDevice;
    private final KernelLibrary library;
    private final GpuKernels k;
    private final GpuLayerPlan plan;
    private final GpuBuffers buffers;
    private final GpuPasses ops;
    private final GpuLinearizedStep linearized;
    private final GpuTraining training;
    private final GpuBounds bounds;
    private final Network net;
    private final int classes;
    private final Map<String, String> aliases;
    private final Set<Pass> passes = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Optim> optims = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;

    /**
     * Opens a backend for {@code network} on {@code device} (which the backend does not own: close
     * it after the backend).
     *
     * @throws IllegalArgumentException for a layer kind the backend cannot run
     */
    public GpuBackend(Network network, Device device) {
        this(network, device, false);
    }

    private GpuBackend(Network network, Device device, boolean ownsDevice) {
        Objects.requireNonNull(network, "network");
        this.device = Objects.requireNonNull(device, "device");
        this.ownsDevice = ownsDevice;
        this.plan = new GpuLayerPlan(network);
        this.net = plan.net;
        this.aliases = plan.aliases;
        this.classes = plan.classes;
        this.library = new KernelLibrary(device);
        this.k = new GpuKernels(library);
        GraphKernels graph = new GraphKernels(library);
        this.buffers = new GpuBuffers(device);
        GpuLayerOps layerOps = new GpuLayerOps(k, graph, new ConvPoolOps(library), plan, buffers);
        this.ops = new GpuPasses(device, k, graph, layerOps, plan, buffers);
        this.linearized = new GpuLinearizedStep(device, library, k, buffers, ops);
        this.training = new GpuTraining(device, k, layerOps, plan, buffers, ops);
        this.bounds = new GpuBounds(device, library, net);
        try {
            plan.uploadParameters(buffers);
        } catch (RuntimeException e) {
            plan.freeParameters();
            library.close();
            throw e;
        }
    }

    /**
     * Opens a backend on a new device of the given kind ({@code "emulator"}, {@code "cuda"} or
     * {@code "auto"}, see {@link Devices#open(String)}); the backend owns the device and closes it.
     */
    public static GpuBackend open(Network network, String deviceKind) {
        Objects.requireNonNull(network, "network");
        Device d = Devices.open(deviceKind);
        try {
            return new GpuBackend(network, d, true);
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return "gpu-f32 (" + device.name() + ")";
    }

    /** The device the kernels run on. */
    public Device device() {
        return device;
    }

    @Override
    public Network network() {
        requireOpen();
        plan.syncHost();
        return net;
    }

    // ------------------------------------------------------------------------------------------
    // forward

    @Override
    public Tensor forward(Tensor x) {
        requireOpen();
        int n = BackendChecks.checkInput(x, net);
        return ops.forward(x, n);
    }

    @Override
    public Recorded forwardRecorded(Tensor x) {
        requireOpen();
        int n = BackendChecks.checkInput(x, net);
        int l = plan.layers.size();
        DeviceBuffer[] acts = new DeviceBuffer[l + 1];
        DeviceBuffer[] argmax = new DeviceBuffer[l];
        Pass pass = new Pass(n, acts, argmax, plan.version);
        try {
            ops.record(pass, x);
        } catch (RuntimeException e) {
            pass.free();
            throw e;
        }
        passes.add(pass);
        return pass;
    }

    // ------------------------------------------------------------------------------------------
    // reverse passes

    @Override
    public Tensor reverse(Recorded recorded, Tensor seeds) {
        requireOpen();
        Pass pass = checkPass(recorded, true);
        int s = BackendChecks.checkSeeds(seeds, pass.n, classes);
        BackendChecks.checkReverseSize(net, pass.n, s, 0, true);
        DeviceBuffer dy = buffers.upload(seeds);
        return ops.reverseFrom(pass, dy, s, 0);
    }

    /**
     * The whole input Jacobian of every sample, {@code [N, C, inputShape...]}: {@link #reverse} with
     * {@code Seeds.identity(N, C)}, the seeds made on the device ({@code seeds_identity}).
     */
    public Tensor jacobian(Recorded recorded) {
        requireOpen();
        Pass pass = checkPass(recorded, true);
        DeviceBuffer dy = buffers.alloc((long) pass.n * classes * classes);
        try {
            k.seedsIdentity(dy, pass.n, classes);
        } catch (RuntimeException e) {
            closeQuietly(dy, e);
            throw e;
        }
        return ops.reverseFrom(pass, dy, classes, 0);
    }

    /**
     * Input gradients of the margins {@code f_a[n] - f_b[n]}, {@code [N, 1, inputShape...]}:
     * {@link #reverse} with {@code Seeds.margin(a, b, C)}, the seeds made on the device
     * ({@code seeds_margin}).
     *
     * @throws IllegalArgumentException when {@code a} or {@code b} does not have {@code N} entries,
     *                                  or holds an index outside {@code [0, C)}
     */
    public Tensor marginGradient(Recorded recorded, int[] a, int[] b) {
        requireOpen();
        Pass pass = checkPass(recorded, true);
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        if (a.length != pass.n || b.length != pass.n) {
            throw new IllegalArgumentException("margin classes: expected " + pass.n + " entries in a and b, got "
                    + a.length + " and " + b.length);
        }
        for (int i = 0; i < pass.n; i++) {
            checkClass(a[i]);
            checkClass(b[i]);
        }
        DeviceBuffer dy = buffers.alloc((long) pass.n * classes);
        try (DeviceBuffer da = buffers.uploadInts(a); DeviceBuffer db = buffers.uploadInts(b)) {
            k.seedsMargin(da, db, dy, pass.n, classes);
            device.synchronize(); // da and db are freed next
        } catch (RuntimeException e) {
            closeQuietly(dy, e);
            throw e;
        }
        return ops.reverseFrom(pass, dy, 1, 0);
    }

    private void checkClass(int c) {
        if (c < 0 || c >= classes) {
            throw new IllegalArgumentException("class index " + c + " outside [0, " + classes + ")");
        }
    }

    // ------------------------------------------------------------------------------------------
    // dual solves

    /** {@link GpuDualSolver#float32Defaults()}: what the float32 kernel can meet (gap and feasibility 1e-5). */
    @Override
    public DualSolverOptions dualDefaults() {
        return GpuDualSolver.float32Defaults();
    }

    /**
     * L2 problems: {@link GpuDualSolver} (kernel {@code dual_ascent_box}, float64 certificates on the
     * host). The L_inf and L1 objectives ({@code K = 1}) have no kernel: the float64 reference solves
     * them exactly (a 1-D search and a fractional knapsack).
     */
    @Override
    public DualSolutions solveDual(DualProblem problem, Tensor lambda0, DualSolverOptions options) {
        requireOpen();
        Objects.requireNonNull(problem, "problem");
        if (problem.objective() != Objective.L2) {
            return Backend.super.solveDual(problem, lambda0, options);
        }
        return new GpuDualSolver(library, options).solve(problem, lambda0);
    }

    /**
     * The fused step on the device, for the L2 objective: the batched reverse pass leaves the gradients
     * {@code g [N R, d]} in device memory; kernel {@code dual_linearize_rows} turns them, in place, into
     * the rows {@code a = D g} and writes {@code r = kappa - m + a^T t} (the scale {@code D}, the iterates
     * {@code t} and the margins {@code m}, computed by the caller from logits it already holds, are
     * uploaded); {@code dual_ascent_box} then reads the rows where they lie: FLIP problems
     * ({@link DualLinearization.Grouping#PER_ROW}) as {@code N R} problems with {@code K = 1} whose box is
     * the sample's ({@code boxGroup = R}), TARGET problems as {@code N} problems with {@code K = R} rows at
     * stride {@code d}. The steps are the kernel's own {@code 1/||A_b||_F^2} (exact for {@code K = 1}; for
     * {@code K > 1} up to {@code K} times smaller than the host's spectral step, which would need the rows
     * on the host; on the sample MLP's TARGET problems, {@code K = 9}, it took 6% to 50% more iterations:
     * DualLinearizeSuite prints the counts). After the solver has finished, the rows, right-hand sides and the solver's outputs are
     * copied back once: the rows are what the caller's path attribution needs, and the float64
     * certificates ({@link GpuDualSolver#solutions}) are evaluated for exactly the float32 problem the
     * kernel solved (widened). Other objectives: the default host path ({@link #reverse} and the float64
     * reference).
     */
    @Override
    public LinearizedDual solveLinearized(Recorded recorded, Tensor seeds, DualLinearization lin) {
        requireOpen();
        Pass pass = checkPass(recorded, true);
        int s = BackendChecks.checkSeeds(seeds, pass.n, classes);
        int d = net.inputSize();
        BackendChecks.checkLinearization(lin, pass.n, seeds, d);
        if (lin.objective() != Objective.L2) {
            return Backend.super.solveLinearized(recorded, seeds, lin);
        }
        return linearized.solve(pass, seeds, s, d, lin, lin.options().orElse(dualDefaults()));
    }

    @Override
    public Tensor layerOutput(Recorded recorded, String layer) {
        requireOpen();
        Pass pass = checkPass(recorded, false);
        int i = BackendChecks.layerIndex(net, aliases, layer);
        return new Tensor(net.outputShape(i).withBatch(pass.n),
                download(pass.acts[i + 1], pass.n * plan.outSize[i]));
    }

    @Override
    public Tensor layerGradient(Recorded recorded, String layer, Tensor seeds) {
        requireOpen();
        Pass pass = checkPass(recorded, true);
        int i = BackendChecks.layerIndex(net, aliases, layer);
        int s = BackendChecks.checkSeeds(seeds, pass.n, classes);
        BackendChecks.checkReverseSize(net, pass.n, s, i + 1, true);
        DeviceBuffer dy = buffers.upload(seeds);
        return ops.reverseFrom(pass, dy, s, i + 1);
    }

    // ------------------------------------------------------------------------------------------
    // training

    @Override
    public ParameterGradients parameterGradients(Recorded recorded, Tensor outputGrad) {
        requireOpen();
        Pass pass = checkPass(recorded, true);
        BackendChecks.checkOutputGrad(outputGrad, pass.n, classes);
        return training.parameterGradients(pass, outputGrad);
    }

    /**
     * {@inheritDoc}
     *
     * <p>As the reference: cross-entropy {@code value = 1/N sum_n (lse(z_n) - z_n[y_n])},
     * {@code gradient = (softmax(z_n) - onehot(y_n)) / N}, {@code correct} = samples whose first
     * maximal logit is {@code y_n}; MSE {@code value = 1/(N C) sum (z - t)^2},
     * {@code gradient = 2 (z - t) / (N C)}. The per-sample losses are computed on the device
     * ({@code kernels/loss.cu}) and summed on the host in float64.
     */
    @Override
    public LossValue loss(Tensor logits, Tensor targets, Loss loss) {
        requireOpen();
        int n = BackendChecks.checkLogits(logits, targets, loss, classes);
        Object t = checkTargets(targets, n, loss);
        return training.loss(logits, n, t, loss);
    }

    /**
     * Validates {@code targets} as the reference does ({@link BackendChecks#checkTargets}): class
     * indices {@code [N]} (returned as {@code int[]}) for cross-entropy, finite {@code [N, C]} for MSE
     * (returned as the tensor).
     */
    private Object checkTargets(Tensor targets, int n, Loss loss) {
        return BackendChecks.checkTargets(targets, n, classes, loss);
    }

    /**
     * One training step that stays on the device: a recorded forward pass of {@code x}, the loss and
     * its gradient w.r.t. the logits, the parameter gradients and the optimizer update, with only the
     * inputs, the targets and the loss ({@link LossValue}: value, logits gradient, correct count)
     * crossing the host boundary. Equivalent to {@code forwardRecorded}, {@code loss(logits())},
     * {@code parameterGradients}, {@code step} (the reference's sequence) without the round trips.
     *
     * @return the loss of the batch BEFORE the update
     */
    public LossValue trainStep(OptimizerState state, Tensor x, Tensor targets, Loss loss) {
        requireOpen();
        Optim opt = checkOptim(state);
        Objects.requireNonNull(targets, "targets");
        Objects.requireNonNull(loss, "loss");
        int n = BackendChecks.checkInput(x, net);
        Object t = checkTargets(targets, n, loss);
        try (Recorded recorded = forwardRecorded(x)) {
            Pass pass = (Pass) recorded;
            DeviceBuffer[] grad = new DeviceBuffer[1];
            LossValue v = training.deviceLoss(pass.acts[plan.layers.size()], n, t, loss, grad);
            List<DeviceBuffer> grads = training.deviceGradients(pass, grad[0]);
            Throwable failure = null;
            try {
                training.update(opt, grads);
            } catch (RuntimeException | Error e) {
                failure = e;
                throw e;
            } finally {
                buffers.settle(failure);
                grads.forEach(b -> closeQuietly(b, null));
            }
            return v;
        }
    }

    @Override
    public OptimizerState optimizer(OptimizerSpec spec) {
        requireOpen();
        Optim o = new Optim(Objects.requireNonNull(spec, "spec"));
        optims.add(o);
        return o;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The update rules of the reference (torch.optim's), as the kernels {@code sgd_step} and
     * {@code adam_step} on the device parameters; the gradients are uploaded (float32) first.
     */
    @Override
    public void step(OptimizerState state, ParameterGradients gradients) {
        requireOpen();
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(gradients, "gradients");
        Optim opt = checkOptim(state);
        List<Layer.Parameter> ps = net.trainableParameters();
        List<Tensor> grads = gradients.gradients();
        BackendChecks.checkGradients(ps, grads);
        training.step(opt, grads);
    }

    private Optim checkOptim(OptimizerState state) {
        Optim opt = BackendChecks.ownedOptimizer(state, Optim.class, o -> o.owner() == this, "GpuBackend");
        BackendChecks.checkOptimizerOpen(opt.closed);
        return opt;
    }

    @Override
    public Network snapshot() {
        requireOpen();
        plan.syncHost();
        return net.copy();
    }

    /** Frees every recorded pass, optimizer state and parameter buffer, unloads the kernels and closes an owned device. Idempotent. */
    /**
     * IBP as float64 kernels ({@link GpuBounds}) for sequential networks of every layer kind (Dense, grouped/dilated
     * Conv2d, pools, activations, affine, global average pool, reshaping); graphs (the reason in
     * {@code GpuBounds.unsupported}) run the host float64 reference. Either way the bounds are those of
     * {@link #network()}: the network the device runs, with its float32 parameters.
     */
    @Override
    public List<org.lde.engine.bound.NodeBounds> intervals(Tensor lower, Tensor upper) {
        network(); // the host mirror of the device parameters, current
        if (GpuBounds.unsupported(net).isPresent()) {
            return Backend.super.intervals(lower, upper);
        }
        int m = org.lde.engine.bound.BoundReference.checkBoxes(net, lower, upper);
        return bounds.intervals(lower.data(), upper.data(), m);
    }

    /**
     * The backward linear-bound pass as float64 kernels ({@link GpuBounds}, windowed rows as the reference) for the
     * networks {@link #intervals} runs on the device, when every row set has the same window geometry and fits the
     * start node; otherwise (and for no rows at all) the host float64 reference, which also reports bad arguments.
     */
    @Override
    public List<org.lde.engine.bound.LinearRows> boundBackward(List<org.lde.engine.bound.NodeBounds> nodeBounds, int startNode,
                                                               List<org.lde.engine.bound.LinearRows> rows,
                                                               List<org.lde.engine.bound.Slopes> slopes) {
        if (!onDevice(nodeBounds, startNode, rows, slopes)) {
            return Backend.super.boundBackward(nodeBounds, startNode, rows, slopes);
        }
        return bounds.backward(nodeBounds, startNode, rows, slopes);
    }

    /**
     * {@link #boundBackward} and the concretization of its rows, both on the device when the backward pass is
     * ({@code bound_concretize_linf} for L_inf over whole-input rows, {@code bound_concretize_window} otherwise, float64 in
     * the reference's order): the rows never leave the device, only one bound per row comes back.
     */
    @Override
    public List<double[]> boundLower(List<org.lde.engine.bound.NodeBounds> nodeBounds, int startNode,
                                     List<org.lde.engine.bound.LinearRows> rows, List<org.lde.engine.bound.Slopes> slopes,
                                     double[][] x, double[] eps, org.lde.engine.bound.Norm norm, double lo, double hi) {
        if (!onDevice(nodeBounds, startNode, rows, slopes) || x.length != rows.size() || eps.length != rows.size()) {
            return Backend.super.boundLower(nodeBounds, startNode, rows, slopes, x, eps, norm, lo, hi);
        }
        return bounds.lower(nodeBounds, startNode, rows, slopes, x, eps, norm, lo, hi);
    }

    /** Whether the backward pass of these arguments runs on the device (else the host reference answers, and checks them). */
    private boolean onDevice(List<org.lde.engine.bound.NodeBounds> nodeBounds, int startNode,
                             List<org.lde.engine.bound.LinearRows> rows, List<org.lde.engine.bound.Slopes> slopes) {
        network(); // the host mirror of the device parameters, current
        boolean fits = startNode >= 1 && startNode <= net.layers().size() && !rows.isEmpty()
                && nodeBounds.size() == rows.size() && slopes.size() == rows.size() && GpuBoundRows.sameWindows(rows);
        int total = 0;
        for (int i = 0; fits && i < rows.size(); i++) {
            fits = rows.get(i).channels() == GpuBoundRows.Grid.of(net.outputShape(startNode - 1)).c();
            total += rows.get(i).rows();
        }
        return fits && total > 0 && GpuBounds.unsupported(net).isEmpty();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            buffers.settle();
        } catch (RuntimeException e) {
            // an asynchronous error of earlier work: the buffers are freed anyway
        }
        for (Pass p : new ArrayList<>(passes)) {
            p.close();
        }
        for (Optim o : new ArrayList<>(optims)) {
            o.close();
        }
        plan.freeParameters();
        library.close();
        if (ownsDevice) {
            device.close();
        }
    }

    // ------------------------------------------------------------------------------------------
    // validation (the reference's messages)

    private void requireOpen() {
        BackendChecks.requireOpen(closed, "GpuBackend");
    }

    private Pass checkPass(Recorded recorded, boolean needCurrentParameters) {
        Pass p = BackendChecks.ownedPass(recorded, Pass.class, q -> q.owner() == this, "GpuBackend");
        BackendChecks.checkPassUsable(p.closed, needCurrentParameters && p.version != plan.version);
        return p;
    }

    /** A recorded pass: the input and every node's output ({@code acts}), and max-pool arg-maxes, all on the device. */
    final class Pass implements Recorded {
        final int n;
        final DeviceBuffer[] acts;   // acts[0] = input, acts[j + 1] = output of node j, acts[L] = logits (Reshaping nodes share buffers)
        final DeviceBuffer[] argmax; // per max-pool layer: [N, outSize] int32 arg-maxes
        final long version;
        boolean closed;

        Pass(int n, DeviceBuffer[] acts, DeviceBuffer[] argmax, long version) {
            this.n = n;
            this.acts = acts;
            this.argmax = argmax;
            this.version = version;
        }

        GpuBackend owner() {
            return GpuBackend.this;
        }

        @Override
        public int batch() {
            return n;
        }

        @Override
        public Tensor logits() {
            if (closed) {
                throw new IllegalStateException("recorded pass is closed");
            }
            requireOpen();
            return new Tensor(Shape.of(n, classes), download(acts[acts.length - 1], n * classes));
        }

        /** Frees the device buffers (each once: Reshaping nodes share buffers). */
        void free() {
            Set<DeviceBuffer> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
            for (DeviceBuffer b : acts) {
                if (b != null) {
                    distinct.add(b);
                }
            }
            for (DeviceBuffer b : argmax) {
                if (b != null) {
                    distinct.add(b);
                }
            }
            for (DeviceBuffer b : new LinkedHashSet<>(distinct)) {
                closeQuietly(b, null);
            }
            java.util.Arrays.fill(acts, null);
            java.util.Arrays.fill(argmax, null);
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            free();
            passes.remove(this);
        }
    }

    /** Optimizer moments on the device: {@code first} (SGD momentum buffer or Adam m) and {@code second} (Adam v). */
    final class Optim implements OptimizerState {
        final OptimizerSpec spec;
        final DeviceBuffer[] first;
        final DeviceBuffer[] second;
        long steps;
        boolean closed;

        Optim(OptimizerSpec spec) {
            this.spec = spec;
            List<Layer.Parameter> ps = net.trainableParameters();
            first = new DeviceBuffer[ps.size()];
            second = new DeviceBuffer[ps.size()];
            boolean adam = spec.kind() == OptimizerSpec.Kind.ADAM;
            try {
                for (int q = 0; q < ps.size(); q++) {
                    int size = ps.get(q).value().size();
                    if (adam || spec.momentum() != 0) {
                        first[q] = buffers.alloc(size);
                        first[q].fill32(0);
                    }
                    if (adam) {
                        second[q] = buffers.alloc(size);
                        second[q].fill32(0);
                    }
                }
            } catch (RuntimeException e) {
                free();
                throw e;
            }
        }

        GpuBackend owner() {
            return GpuBackend.this;
        }

        @Override
        public OptimizerSpec spec() {
            return spec;
        }

        @Override
        public long steps() {
            return steps;
        }

        private void free() {
            for (int q = 0; q < first.length; q++) {
                closeQuietly(first[q], null);
                closeQuietly(second[q], null);
                first[q] = null;
                second[q] = null;
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            free();
            optims.remove(this);
        }
    }
}
