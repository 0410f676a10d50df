package org.lde.engine.gpu;

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
import org.lde.device.DeviceException;
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
import org.lde.engine.Window2d;
import org.lde.engine.dual.DualLinearization;
import org.lde.engine.dual.DualProblem;
import org.lde.engine.dual.DualSolutions;
import org.lde.engine.dual.DualSolverOptions;
import org.lde.engine.dual.LinearizedDual;
import org.lde.engine.dual.Objective;
import org.lde.model.Conv2d;
import org.lde.model.Dense;
import org.lde.model.Flatten;
import org.lde.model.Layer;
import org.lde.model.MaxPool2d;
import org.lde.model.Network;
import org.lde.model.ReLU;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The kernel backend: every {@link Backend} operation as float32 CUDA kernels on a {@link Device}
 * (a GPU through JCuda, or the PTX emulator), with the semantics, validation and error messages of
 * the float64 reference {@code engine.cpu.EjmlBackend} (the argument checks are shared with it in
 * {@link BackendChecks}).
 *
 * <p><b>Data stays on the device.</b> The parameters of {@code network.folded()} (BatchNorm folded
 * into the convolution before it) are converted to float32 and uploaded once, when the backend is
 * opened. Host tensors are converted to float32 and uploaded on entry and the results downloaded
 * (and widened to float64) on exit; in between, activations go from layer to layer in device
 * buffers, a {@link Recorded} pass keeps every layer's input (and the max-pool arg-maxes) in device
 * buffers until it is closed, and a reverse pass with {@code S} seeds per sample is ONE batched pass
 * over {@code N S} gradient rows (row {@code r} uses the ReLU masks and arg-maxes of sample
 * {@code r / S}). {@link #jacobian} and {@link #marginGradient} even make their seeds on the device.
 * Unlike the reference there is no splitting into sample groups: a reverse pass through a convolution
 * takes at most 65535 gradient rows {@code N S} (the grid limit of kernels/conv.cu), and more is
 * refused with a message before anything is launched.
 * Optimizer state lives on the device; {@link #step} updates the device parameters in place, and
 * {@link #trainStep} runs a whole training step (forward, loss, parameter gradients, update) without
 * parameter gradients or logits crossing the host boundary.
 *
 * <p><b>Kernels</b> (kernels/*.cu): Dense forward {@code dense_forward} (fused with a following ReLU
 * as {@code dense_forward_relu} in {@link #forward}), reverse {@code sgemm_nn}, weight gradient
 * {@code sgemm_tn}, bias gradient {@code dense_backward_bias}; ReLU {@code relu_forward},
 * {@code relu_backward_seeded}; convolution and pooling through {@link ConvKernels} (kernels/conv.cu, kernels/pool.cu); losses
 * {@code cross_entropy_forward_backward}, {@code mse_forward_backward}; seeds {@code seeds_identity},
 * {@code seeds_margin}; optimizers {@code sgd_step}, {@code adam_step}. Flatten is free (the same
 * buffer).
 *
 * <p><b>Parameters and snapshots.</b> {@link #network()} and {@link #snapshot()} return the
 * parameters the device holds (float32 values, widened), downloaded when they are asked for after a
 * {@link #step}. Recorded passes are tied to the parameter version they were made with, as in the
 * reference. Not thread-safe (a {@link Device} is used from one thread).
 */
public final class GpuBackend implements Backend {
    private final Device device;
    private final boolean ownsDevice;
    private final KernelLibrary library;
    private final GpuKernels k;
    private final ConvPoolOps conv;
    private final Network net;
    private final List<Layer> layers;
    private final Window2d[] windows;
    private final int[] inSize;
    private final int[] outSize;
    private final int classes;
    private final Map<String, String> aliases;
    private final DeviceBuffer[] weight;   // per layer: device weight (Dense, Conv2d), else null
    private final DeviceBuffer[] bias;     // per layer: device bias, else null
    private final List<DeviceBuffer> params = new ArrayList<>(); // trainableParameters() order
    private final Set<Pass> passes = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Optim> optims = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<DeviceBuffer> retired = new ArrayList<>(); // freed at the next settle()
    private long version;
    private boolean hostStale;
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
        this.net = network.folded().copy();
        this.aliases = BackendChecks.foldedAliases(network);
        this.layers = net.layers();
        int l = layers.size();
        windows = BackendChecks.windows(net, "GpuBackend");
        inSize = new int[l];
        outSize = new int[l];
        weight = new DeviceBuffer[l];
        bias = new DeviceBuffer[l];
        for (int i = 0; i < l; i++) {
            inSize[i] = net.inputShape(i).sizeInt();
            outSize[i] = net.outputShape(i).sizeInt();
        }
        this.classes = net.outputSize();
        this.library = new KernelLibrary(device);
        this.k = new GpuKernels(library);
        this.conv = new ConvPoolOps(library);
        try {
            for (int i = 0; i < l; i++) {
                Layer layer = layers.get(i);
                if (layer instanceof Dense d) {
                    weight[i] = upload(d.weight().data(), "layer '" + d.name() + "' weight");
                    bias[i] = upload(d.bias().data(), "layer '" + d.name() + "' bias");
                } else if (layer instanceof Conv2d c) {
                    weight[i] = upload(c.weight().data(), "layer '" + c.name() + "' weight");
                    bias[i] = upload(c.bias().data(), "layer '" + c.name() + "' bias");
                }
                if (weight[i] != null) {
                    params.add(weight[i]);
                    params.add(bias[i]);
                }
            }
            hostStale = true; // the host mirror still holds float64 values: read back what the device holds
            syncHost();
        } catch (RuntimeException e) {
            freeParameters();
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
        syncHost();
        return net;
    }

    // ------------------------------------------------------------------------------------------
    // buffers

    private DeviceBuffer alloc(long floats) {
        return device.allocate(4L * Math.max(1, floats));
    }

    private DeviceBuffer upload(Tensor t) {
        return upload(t.data());
    }

    private DeviceBuffer upload(double[] data) {
        return upload(data, "uploaded values");
    }

    /** Uploads as float32; a finite value that overflows float32 is an error naming {@code what} and the element. */
    private DeviceBuffer upload(double[] data, String what) {
        float[] f = GpuDualSolver.toFloat32(data, what);
        DeviceBuffer b = alloc(f.length);
        try {
            if (f.length > 0) {
                b.write(f);
            }
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        return b;
    }

    private DeviceBuffer uploadInts(int[] data) {
        DeviceBuffer b = alloc(data.length);
        try {
            if (data.length > 0) {
                b.write(data);
            }
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        return b;
    }

    private static double[] download(DeviceBuffer b, int count) {
        float[] f = new float[count];
        if (count > 0) {
            b.read(f, 0, 0, count);
        }
        double[] d = new double[count];
        for (int i = 0; i < count; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /**
     * Frees {@code b} at the next {@link #settle()}: a kernel launched (asynchronously) before may still
     * read it, and cuMemFree is not guaranteed to wait for it.
     */
    private void retire(DeviceBuffer b) {
        retired.add(b);
    }

    /** Waits for the launched work, then frees the retired buffers. */
    private void settle() {
        settle(null);
    }

    /**
     * Waits for the launched work, then frees the retired buffers. When {@code failure} is not null (the
     * caller's {@code finally} runs because of it) every error here is added to it as suppressed and
     * nothing is thrown: a kernel fault makes the synchronization and every later free fail too, and
     * those must not replace the error that caused them. Otherwise the first error is thrown after all
     * buffers were released, with the others suppressed.
     */
    private void settle(Throwable failure) {
        if (retired.isEmpty()) {
            return;
        }
        Throwable first = failure;
        try {
            device.synchronize();
        } catch (RuntimeException e) {
            first = suppressInto(first, e);
        }
        for (DeviceBuffer b : retired) {
            try {
                b.close();
            } catch (RuntimeException e) {
                first = suppressInto(first, e);
            }
        }
        retired.clear();
        if (failure == null && first instanceof RuntimeException e) {
            throw e;
        }
    }

    private static Throwable suppressInto(Throwable first, RuntimeException e) {
        if (first == null) {
            return e;
        }
        first.addSuppressed(e);
        return first;
    }

    private static void closeQuietly(DeviceBuffer b, RuntimeException pending) {
        if (b == null) {
            return;
        }
        try {
            b.close();
        } catch (RuntimeException e) {
            if (pending != null) {
                pending.addSuppressed(e);
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // forward

    @Override
    public Tensor forward(Tensor x) {
        requireOpen();
        int n = BackendChecks.checkInput(x, net);
        DeviceBuffer a = upload(x.data(), "input x");
        Throwable failure = null;
        try {
            int l = layers.size();
            for (int i = 0; i < l; i++) {
                DeviceBuffer y;
                if (layers.get(i) instanceof Dense d && i + 1 < l && layers.get(i + 1) instanceof ReLU) {
                    y = alloc((long) n * d.out());
                    try {
                        k.denseForward(a, weight[i], bias[i], y, n, d.in(), d.out(), true);
                    } catch (RuntimeException e) {
                        closeQuietly(y, e);
                        throw e;
                    }
                    i++; // the ReLU is fused
                } else {
                    y = forwardLayer(i, a, n, null);
                }
                if (y != a) {
                    retire(a);
                    a = y;
                }
            }
            return new Tensor(Shape.of(n, classes), download(a, n * classes));
        } catch (RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            retire(a);
            settle(failure);
        }
    }

    @Override
    public Recorded forwardRecorded(Tensor x) {
        requireOpen();
        int n = BackendChecks.checkInput(x, net);
        int l = layers.size();
        DeviceBuffer[] acts = new DeviceBuffer[l + 1];
        DeviceBuffer[] argmax = new DeviceBuffer[l];
        Pass pass = new Pass(n, acts, argmax, version);
        try {
            acts[0] = upload(x.data(), "input x");
            for (int i = 0; i < l; i++) {
                if (layers.get(i) instanceof MaxPool2d) {
                    argmax[i] = alloc((long) n * outSize[i]);
                }
                acts[i + 1] = forwardLayer(i, acts[i], n, argmax[i]);
            }
            device.synchronize(); // the pass is complete when it is returned (closing it may free its buffers at once)
        } catch (RuntimeException e) {
            pass.free();
            throw e;
        }
        passes.add(pass);
        return pass;
    }

    /**
     * Output of layer {@code i} for {@code n} samples held in {@code in}: a new buffer (Flatten
     * returns {@code in}). {@code argmax}: where a max-pool records its arg-maxes (null: a scratch
     * buffer is used and retired; the caller settles).
     */
    private DeviceBuffer forwardLayer(int i, DeviceBuffer in, int n, DeviceBuffer argmax) {
        Layer layer = layers.get(i);
        if (layer instanceof Flatten) {
            return in;
        }
        DeviceBuffer y = alloc((long) n * outSize[i]);
        try {
            if (layer instanceof Dense d) {
                k.denseForward(in, weight[i], bias[i], y, n, d.in(), d.out(), false);
            } else if (layer instanceof ReLU) {
                k.reluForward(in, y, n * inSize[i]);
            } else if (layer instanceof Conv2d c) {
                conv.conv2dForward(in, weight[i], bias[i], y, n, windows[i], c.outChannels());
            } else if (layer instanceof MaxPool2d) {
                if (argmax != null) {
                    conv.maxPool2dForward(in, y, argmax, n, windows[i]);
                } else {
                    DeviceBuffer scratch = alloc((long) n * outSize[i]);
                    retire(scratch); // freed after the launch has run (at the caller's settle())
                    conv.maxPool2dForward(in, y, scratch, n, windows[i]);
                }
            } else {
                conv.avgPool2dForward(in, y, n, windows[i]);
            }
        } catch (RuntimeException e) {
            closeQuietly(y, e);
            throw e;
        }
        return y;
    }

    // ------------------------------------------------------------------------------------------
    // reverse passes

    @Override
    public Tensor reverse(Recorded recorded, Tensor seeds) {
        requireOpen();
        Pass pass = checkPass(recorded, true);
        int s = BackendChecks.checkSeeds(seeds, pass.n, classes);
        BackendChecks.checkReverseSize(net, pass.n, s, 0, true);
        DeviceBuffer dy = upload(seeds);
        return reverseFrom(pass, dy, s, 0);
    }

    /**
     * The whole input Jacobian of every sample, {@code [N, C, inputShape...]}: {@link #reverse} with
     * {@code Seeds.identity(N, C)}, the seeds made on the device ({@code seeds_identity}).
     */
    public Tensor jacobian(Recorded recorded) {
        requireOpen();
        Pass pass = checkPass(recorded, true);
        DeviceBuffer dy = alloc((long) pass.n * classes * classes);
        try {
            k.seedsIdentity(dy, pass.n, classes);
        } catch (RuntimeException e) {
            closeQuietly(dy, e);
            throw e;
        }
        return reverseFrom(pass, dy, classes, 0);
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
        DeviceBuffer dy = alloc((long) pass.n * classes);
        try (DeviceBuffer da = uploadInts(a); DeviceBuffer db = uploadInts(b)) {
            k.seedsMargin(da, db, dy, pass.n, classes);
            device.synchronize(); // da and db are freed next
        } catch (RuntimeException e) {
            closeQuietly(dy, e);
            throw e;
        }
        return reverseFrom(pass, dy, 1, 0);
    }

    private void checkClass(int c) {
        if (c < 0 || c >= classes) {
            throw new IllegalArgumentException("class index " + c + " outside [0, " + classes + ")");
        }
    }

    /** Pulls the seed rows {@code dy} (taken over: freed here) back to the input of layer {@code downTo}; downloads. */
    private Tensor reverseFrom(Pass pass, DeviceBuffer dy, int s, int downTo) {
        DeviceBuffer g = null;
        Throwable failure = null;
        try {
            DeviceBuffer seeds = dy;
            dy = null; // reverseOnDevice() takes it over
            g = reverseOnDevice(pass, seeds, s, downTo);
            int row = downTo == 0 ? net.inputSize() : outSize[downTo - 1];
            Shape shape = (downTo == 0 ? net.inputShape() : net.outputShape(downTo - 1)).withBatch(s).withBatch(pass.n);
            return new Tensor(shape, download(g, pass.n * s * row));
        } catch (RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            if (g != null) {
                retire(g);
            }
            closeQuietly(dy, null); // not yet handed over: a check failed
            settle(failure);
        }
    }

    /**
     * Pulls the seed rows {@code dy} (taken over) back to the input of layer {@code downTo} and returns
     * the gradient rows {@code [N S, size]} in device memory (the caller owns them; retire them).
     */
    private DeviceBuffer reverseOnDevice(Pass pass, DeviceBuffer dy, int s, int downTo) {
        long rows = (long) pass.n * s;
        for (int i = downTo; i < layers.size(); i++) {
            if (layers.get(i) instanceof Conv2d && rows > ConvKernels.MAX_GRID_YZ) {
                closeQuietly(dy, null);
                throw new IllegalArgumentException("a reverse pass through convolution '" + layers.get(i).name()
                        + "' takes at most " + ConvKernels.MAX_GRID_YZ + " gradient rows (N S), got " + pass.n + " x "
                        + s + " = " + rows + "; split the batch");
            }
        }
        return backward(pass, dy, s, downTo, layers.size() - 1);
    }

    /**
     * Pulls gradient rows {@code dy: [N S, outSize[last]]} back through layers {@code last .. downTo}
     * in one batched pass; returns the gradient w.r.t. the input of layer {@code downTo}. {@code dy} is
     * taken over (freed here, or returned when no layer changes it).
     */
    private DeviceBuffer backward(Pass pass, DeviceBuffer dy, int s, int downTo, int last) {
        try {
            for (int i = last; i >= downTo; i--) {
                DeviceBuffer dx = backwardLayer(i, pass, dy, pass.n * s, s);
                if (dx != dy) {
                    retire(dy);
                    dy = dx;
                }
            }
            return dy;
        } catch (RuntimeException e) {
            closeQuietly(dy, e);
            throw e;
        }
    }

    /** Gradient rows w.r.t. the input of layer {@code i} from rows w.r.t. its output; a new buffer (Flatten: {@code dy}). */
    private DeviceBuffer backwardLayer(int i, Pass pass, DeviceBuffer dy, int rows, int s) {
        Layer layer = layers.get(i);
        if (layer instanceof Flatten) {
            return dy;
        }
        DeviceBuffer dx = alloc((long) rows * inSize[i]);
        try {
            if (layer instanceof Dense d) {
                k.gemmNN(rows, d.in(), d.out(), dy, weight[i], dx);
            } else if (layer instanceof ReLU) {
                k.reluBackwardSeeded(pass.acts[i], dy, dx, rows, s, inSize[i]);
            } else if (layer instanceof Conv2d c) {
                conv.conv2dBackwardData(dy, weight[i], dx, rows, windows[i], c.outChannels());
            } else if (layer instanceof MaxPool2d) {
                conv.maxPool2dBackward(dy, pass.argmax[i], dx, rows, s, windows[i]);
            } else {
                conv.avgPool2dBackward(dy, dx, rows, windows[i]);
            }
        } catch (RuntimeException e) {
            closeQuietly(dx, e);
            throw e;
        }
        return dx;
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
        GpuDualSolver solver = new GpuDualSolver(library, lin.options().orElse(dualDefaults()));
        int n = pass.n;
        int rows = Math.multiplyExact(n, s);
        int values = Math.multiplyExact(rows, d);
        int b = lin.problems();
        int kk = lin.constraints();
        DeviceBuffer g = reverseOnDevice(pass, upload(seeds), s, 0);
        Throwable failure = null;
        try (DeviceBuffer scale = upload(lin.scale());
             DeviceBuffer t = upload(lin.t());
             DeviceBuffer m = upload(lin.margins());
             DeviceBuffer lo = upload(lin.lower());
             DeviceBuffer hi = upload(lin.upper());
             DeviceBuffer r = alloc(rows);
             DeviceBuffer eta = alloc(b);
             DeviceBuffer l0 = upload(lin.lambda0());
             DualDeviceOutputs out = DualDeviceOutputs.allocate(device, b, kk, d)) {
            r.fill32(DeviceBuffer.POISON);
            eta.fill32(0); // 0.0f: the kernel computes 1 / ||A_b||_F^2
            out.poison();
            k.dualLinearizeRows(n, s, d, g, scale, t, m, lin.kappa(), g, r);
            DualDeviceProblem p = lin.grouping() == DualLinearization.Grouping.PER_ROW
                    ? new DualDeviceProblem(b, 1, d, g, d, d, r, lo, hi, d, s, eta)
                    : new DualDeviceProblem(b, s, d, g, (long) s * d, d, r, lo, hi, d, 1, eta);
            solver.launch(p, l0, out);
            device.synchronize();
            double[] a = download(g, values);
            double[] rr = download(r, rows);
            requireWritten(a, rr, d);
            Tensor rowT = new Tensor(Shape.of(n, s, d), a);
            Tensor rhsT = new Tensor(Shape.of(n, s), rr);
            DualProblem problem = lin.problem(rowT, rhsT);
            return new LinearizedDual(rowT, rhsT, problem, solver.solutions(problem, out.download()));
        } catch (RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            retire(g);
            settle(failure);
        }
    }

    /** The rows and right-hand sides copied back from the device must be finite (the poison is NaN). */
    private static void requireWritten(double[] a, double[] r, int d) {
        for (int q = 0; q < r.length; q++) {
            if (!Double.isFinite(r[q])) {
                throw new DeviceException("dual_linearize_rows: r[" + q + "] = " + r[q]
                        + (Float.floatToRawIntBits((float) r[q]) == DeviceBuffer.POISON ? " (never written)" : ""));
            }
        }
        for (int j = 0; j < a.length; j++) {
            if (!Double.isFinite(a[j])) {
                throw new DeviceException("dual_linearize_rows: row " + j / d + ", feature " + j % d + " = " + a[j]
                        + " (a non-finite margin gradient or scale)");
            }
        }
    }

    @Override
    public Tensor layerOutput(Recorded recorded, String layer) {
        requireOpen();
        Pass pass = checkPass(recorded, false);
        int i = BackendChecks.layerIndex(net, aliases, layer);
        return new Tensor(net.outputShape(i).withBatch(pass.n), download(pass.acts[i + 1], pass.n * outSize[i]));
    }

    @Override
    public Tensor layerGradient(Recorded recorded, String layer, Tensor seeds) {
        requireOpen();
        Pass pass = checkPass(recorded, true);
        int i = BackendChecks.layerIndex(net, aliases, layer);
        int s = BackendChecks.checkSeeds(seeds, pass.n, classes);
        BackendChecks.checkReverseSize(net, pass.n, s, i + 1, true);
        DeviceBuffer dy = upload(seeds);
        return reverseFrom(pass, dy, s, i + 1);
    }

    // ------------------------------------------------------------------------------------------
    // training

    @Override
    public ParameterGradients parameterGradients(Recorded recorded, Tensor outputGrad) {
        requireOpen();
        Pass pass = checkPass(recorded, true);
        BackendChecks.checkOutputGrad(outputGrad, pass.n, classes);
        List<DeviceBuffer> grads = deviceGradients(pass, upload(outputGrad));
        Throwable failure = null;
        try {
            List<Layer.Parameter> ps = net.trainableParameters();
            List<Tensor> out = new ArrayList<>();
            for (int q = 0; q < ps.size(); q++) {
                Tensor p = ps.get(q).value();
                out.add(new Tensor(p.shape(), download(grads.get(q), p.size())));
            }
            return new ParameterGradients(out);
        } catch (RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            grads.forEach(b -> closeQuietly(b, null));
            settle(failure);
        }
    }

    /**
     * Gradients of {@code sum_n dy[n] . logits[n]} w.r.t. every trainable parameter, on the device, in
     * {@code trainableParameters()} order (the caller closes them). {@code dy: [N, C]} is taken over
     * (freed here).
     */
    private List<DeviceBuffer> deviceGradients(Pass pass, DeviceBuffer dy) {
        int l = layers.size();
        int lowest = l;
        for (int i = 0; i < l; i++) {
            if (layers.get(i).trainable()) {
                lowest = i;
                break;
            }
        }
        int n = pass.n;
        DeviceBuffer[] dw = new DeviceBuffer[l];
        DeviceBuffer[] db = new DeviceBuffer[l];
        boolean ok = false;
        try {
            for (int i = l - 1; i >= lowest; i--) {
                Layer layer = layers.get(i);
                if (layer instanceof Dense d) {
                    dw[i] = alloc((long) d.out() * d.in());
                    db[i] = alloc(d.out());
                    k.gemmTN(d.out(), d.in(), n, dy, pass.acts[i], dw[i]);
                    k.denseBackwardBias(dy, db[i], n, d.out());
                } else if (layer instanceof Conv2d c) {
                    dw[i] = alloc(c.weight().size());
                    db[i] = alloc(c.outChannels());
                    conv.conv2dBackwardWeights(pass.acts[i], dy, dw[i], db[i], n, windows[i], c.outChannels());
                }
                if (i > lowest) {
                    DeviceBuffer dx = backwardLayer(i, pass, dy, n, 1);
                    if (dx != dy) {
                        retire(dy);
                        dy = dx;
                    }
                }
            }
            List<DeviceBuffer> out = new ArrayList<>();
            for (int i = 0; i < l; i++) {
                if (dw[i] != null) {
                    out.add(dw[i]);
                    out.add(db[i]);
                }
            }
            ok = true;
            return out;
        } finally {
            retire(dy);
            if (!ok) {
                for (int i = 0; i < l; i++) {
                    closeQuietly(dw[i], null);
                    closeQuietly(db[i], null);
                }
            }
        }
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
        try (DeviceBuffer z = upload(logits)) {
            return deviceLoss(z, n, t, loss, null);
        }
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
     * The loss of the logits {@code z: [n, C]} on the device; the gradient w.r.t. the logits is
     * downloaded into the result and, when {@code gradOut} is not null, also left in
     * {@code gradOut[0]} (a device buffer the caller then owns).
     */
    private LossValue deviceLoss(DeviceBuffer z, int n, Object targets, Loss loss, DeviceBuffer[] gradOut) {
        Shape ls = Shape.of(n, classes);
        DeviceBuffer grad = alloc((long) n * classes);
        try {
            LossValue v;
            if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
                try (DeviceBuffer dy = uploadInts((int[]) targets); DeviceBuffer per = alloc(n); DeviceBuffer correct = alloc(n)) {
                    k.crossEntropy(z, dy, per, grad, correct, n, classes, (float) (1.0 / n));
                    double[] losses = download(per, n);
                    int[] ok = new int[n];
                    correct.read(ok);
                    double sum = 0;
                    int right = 0;
                    for (int r = 0; r < n; r++) {
                        sum += losses[r];
                        right += ok[r];
                    }
                    v = new LossValue(sum / n, new Tensor(ls, download(grad, n * classes)), right);
                }
            } else {
                try (DeviceBuffer tt = upload((Tensor) targets); DeviceBuffer per = alloc(n)) {
                    k.mse(z, tt, per, grad, n, classes, (float) (1.0 / ((double) n * classes)));
                    double[] losses = download(per, n);
                    double sum = 0;
                    for (double x : losses) {
                        sum += x;
                    }
                    v = new LossValue(sum / n, new Tensor(ls, download(grad, n * classes)), 0);
                }
            }
            if (gradOut != null) {
                gradOut[0] = grad;
                grad = null;
            }
            return v;
        } finally {
            closeQuietly(grad, null);
        }
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
            LossValue v = deviceLoss(pass.acts[layers.size()], n, t, loss, grad);
            List<DeviceBuffer> grads = deviceGradients(pass, grad[0]);
            Throwable failure = null;
            try {
                update(opt, grads);
            } catch (RuntimeException | Error e) {
                failure = e;
                throw e;
            } finally {
                settle(failure);
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
        List<DeviceBuffer> g = new ArrayList<>();
        try {
            for (Tensor grad : grads) {
                g.add(upload(grad));
            }
            update(opt, g);
        } finally {
            g.forEach(b -> closeQuietly(b, null));
        }
    }

    private Optim checkOptim(OptimizerState state) {
        Optim opt = BackendChecks.ownedOptimizer(state, Optim.class, o -> o.owner() == this, "GpuBackend");
        BackendChecks.checkOptimizerOpen(opt.closed);
        return opt;
    }

    /** Applies one update with the device gradients {@code grads} (trainableParameters() order); waits for it. */
    private void update(Optim opt, List<DeviceBuffer> grads) {
        List<Layer.Parameter> ps = net.trainableParameters();
        OptimizerSpec spec = opt.spec;
        long t = opt.steps + 1;
        for (int q = 0; q < ps.size(); q++) {
            int size = ps.get(q).value().size();
            if (spec.kind() == OptimizerSpec.Kind.SGD) {
                DeviceBuffer buf = opt.first[q] != null ? opt.first[q] : params.get(q);
                k.sgdStep(params.get(q), grads.get(q), buf, size, (float) spec.learningRate(), (float) spec.momentum(),
                        (float) spec.weightDecay(), t == 1);
            } else {
                k.adamStep(params.get(q), grads.get(q), opt.first[q], opt.second[q], size, t, spec.learningRate(),
                        spec.beta1(), spec.beta2(), spec.epsilon(), spec.weightDecay());
            }
        }
        device.synchronize(); // the gradients may be freed next
        opt.steps = t;
        version++;
        hostStale = true;
    }

    @Override
    public Network snapshot() {
        requireOpen();
        syncHost();
        return net.copy();
    }

    /** Copies the device parameters into the host network when a step has changed them. */
    private void syncHost() {
        if (!hostStale) {
            return;
        }
        List<Layer.Parameter> ps = net.trainableParameters();
        for (int q = 0; q < ps.size(); q++) {
            double[] host = ps.get(q).value().data();
            System.arraycopy(download(params.get(q), host.length), 0, host, 0, host.length);
        }
        hostStale = false;
    }

    /** Frees every recorded pass, optimizer state and parameter buffer, unloads the kernels and closes an owned device. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            settle();
        } catch (RuntimeException e) {
            // an asynchronous error of earlier work: the buffers are freed anyway
        }
        for (Pass p : new ArrayList<>(passes)) {
            p.close();
        }
        for (Optim o : new ArrayList<>(optims)) {
            o.close();
        }
        freeParameters();
        library.close();
        if (ownsDevice) {
            device.close();
        }
    }

    private void freeParameters() {
        for (int i = 0; i < weight.length; i++) {
            closeQuietly(weight[i], null);
            closeQuietly(bias[i], null);
            weight[i] = null;
            bias[i] = null;
        }
        params.clear();
    }

    // ------------------------------------------------------------------------------------------
    // validation (the reference's messages)

    private void requireOpen() {
        BackendChecks.requireOpen(closed, "GpuBackend");
    }

    private Pass checkPass(Recorded recorded, boolean needCurrentParameters) {
        Pass p = BackendChecks.ownedPass(recorded, Pass.class, q -> q.owner() == this, "GpuBackend");
        BackendChecks.checkPassUsable(p.closed, needCurrentParameters && p.version != version);
        return p;
    }

    /** A recorded pass: every layer's input and the logits ({@code acts}), and max-pool arg-maxes, all on the device. */
    private final class Pass implements Recorded {
        final int n;
        final DeviceBuffer[] acts;   // acts[i] = input of layer i, acts[L] = logits (Flatten shares its input's buffer)
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

        /** Frees the device buffers (each once: Flatten shares buffers). */
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
    private final class Optim implements OptimizerState {
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
                        first[q] = alloc(size);
                        first[q].fill32(0);
                    }
                    if (adam) {
                        second[q] = alloc(size);
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
