package org.lde.engine.gpu;

import static org.lde.engine.gpu.GpuBuffers.download;

import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.DeviceException;
import org.lde.device.KernelLibrary;
import org.lde.engine.dual.DualLinearization;
import org.lde.engine.dual.DualProblem;
import org.lde.engine.dual.DualSolverOptions;
import org.lde.engine.dual.LinearizedDual;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * {@link GpuBackend#solveLinearized}'s fused step on the device for the L2 objective: the batched reverse
 * pass, kernel {@code dual_linearize_rows} (rows {@code a = D g} in place, right-hand sides
 * {@code r = kappa - m + a^T t}) and {@code dual_ascent_box} on the rows where they lie; the rows,
 * right-hand sides and solver outputs are copied back once (see {@link GpuBackend#solveLinearized}).
 */
final class GpuLinearizedStep {
    private final Device device;
    private final KernelLibrary library;
    private final GpuKernels k;
    private final GpuBuffers buffers;
    private final GpuPasses passes;

    GpuLinearizedStep(Device device, KernelLibrary library, GpuKernels k, GpuBuffers buffers, GpuPasses passes) {
        this.device = device;
        this.library = library;
        this.k = k;
        this.buffers = buffers;
        this.passes = passes;
    }

    /**
     * The fused step for the checked pass, seeds ({@code s} per sample) and L2 linearization {@code lin}
     * of {@code d} features, with the solver options {@code options}.
     */
    LinearizedDual solve(GpuBackend.Pass pass, Tensor seeds, int s, int d, DualLinearization lin,
                         DualSolverOptions options) {
        GpuDualSolver solver = new GpuDualSolver(library, options);
        int n = pass.n;
        int rows = Math.multiplyExact(n, s);
        int values = Math.multiplyExact(rows, d);
        int b = lin.problems();
        int kk = lin.constraints();
        DeviceBuffer g = passes.reverseOnDevice(pass, buffers.upload(seeds), s, 0);
        Throwable failure = null;
        try (DeviceBuffer scale = buffers.upload(lin.scale());
             DeviceBuffer t = buffers.upload(lin.t());
             DeviceBuffer m = buffers.upload(lin.margins());
             DeviceBuffer lo = buffers.upload(lin.lower());
             DeviceBuffer hi = buffers.upload(lin.upper());
             DeviceBuffer r = buffers.alloc(rows);
             DeviceBuffer eta = buffers.alloc(b);
             DeviceBuffer l0 = buffers.upload(lin.lambda0());
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
            buffers.retire(g);
            buffers.settle(failure);
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
}
