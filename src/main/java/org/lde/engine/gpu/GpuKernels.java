package org.lde.engine.gpu;

import java.util.Objects;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.Dim3;
import org.lde.device.KernelArgs;
import org.lde.device.KernelLibrary;

/**
 * Launchers of the kernels GpuBackend uses besides convolution and pooling
 * ({@code ConvPoolOps} over {@code ConvKernels}): one method per kernel, in the kernel's parameter order, with the launch
 * shape its header comment asks for. Sizes are element counts; buffers hold float32 (or int32 where
 * named). Launches are asynchronous on a GPU; errors surface at the next synchronizing call.
 * Modules: {@code gemm}, {@code elementwise}, {@code dense}, {@code activation}, {@code loss},
 * {@code seeds}, {@code optim}, {@code dual} (its row builder; GpuDualSolver launches the solver) (kernels/*.cu).
 */
public final class GpuKernels {
    /** Threads per block of the 1-D grid-stride kernels. */
    public static final int BLOCK = 256;
    private static final int MAX_BLOCKS = 1024;

    private final KernelLibrary lib;
    private final Device device;

    public GpuKernels(KernelLibrary lib) {
        this.lib = Objects.requireNonNull(lib, "lib");
        this.device = lib.device();
    }

    public Device device() {
        return device;
    }

    /** The 1-D grid of the grid-stride kernels: enough 256-thread blocks to cover {@code n} once, at most 1024. */
    public static Dim3 grid1d(long n) {
        return Dim3.of((int) Math.max(1, Math.min((n + BLOCK - 1) / BLOCK, MAX_BLOCKS)));
    }

    /** The grid of the 32x32-tile GEMM kernels for an {@code m x n} output. */
    public static Dim3 gridTiles(int m, int n) {
        return Dim3.of(Math.max(1, (n + 31) / 32), Math.max(1, (m + 31) / 32));
    }

    private void launch(String module, String kernel, Dim3 grid, KernelArgs args) {
        device.launch(lib.kernel(module, kernel), grid, Dim3.of(BLOCK), 0, args);
    }

    // ------------------------------------------------------------------------------ gemm.cu

    /** {@code C = A B} (sgemm_nn, alpha 1, beta 0), packed: A [m,k], B [k,n], C [m,n]. */
    public void gemmNN(int m, int n, int k, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c) {
        launch("gemm", "sgemm_nn", gridTiles(m, n), KernelArgs.of().i32(m).i32(n).i32(k).f32(1f)
                .ptr(a).i32(Math.max(1, k)).ptr(b).i32(Math.max(1, n)).f32(0f).ptr(c).i32(Math.max(1, n)));
    }

    /** {@code C = A^T B} (sgemm_tn, alpha 1, beta 0), packed: A [k,m], B [k,n], C [m,n]. */
    public void gemmTN(int m, int n, int k, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c) {
        launch("gemm", "sgemm_tn", gridTiles(m, n), KernelArgs.of().i32(m).i32(n).i32(k).f32(1f)
                .ptr(a).i32(Math.max(1, m)).ptr(b).i32(Math.max(1, n)).f32(0f).ptr(c).i32(Math.max(1, n)));
    }

    // ------------------------------------------------------------------------------ elementwise.cu

    /** {@code y = max(0, x)}, n elements (relu_forward). */
    public void reluForward(DeviceBuffer x, DeviceBuffer y, int n) {
        launch("elementwise", "relu_forward", grid1d(n), KernelArgs.of().ptr(x).ptr(y).i32(n));
    }

    // ------------------------------------------------------------------------------ dense.cu

    /** {@code y = x w^T + b} (+ ReLU): x [n, in], w [out, in], b [out], y [n, out] (dense_forward[_relu]). */
    public void denseForward(DeviceBuffer x, DeviceBuffer w, DeviceBuffer b, DeviceBuffer y, int n, int in, int out,
                             boolean relu) {
        launch("dense", relu ? "dense_forward_relu" : "dense_forward", gridTiles(n, out),
                KernelArgs.of().ptr(x).ptr(w).ptr(b).ptr(y).i32(n).i32(in).i32(out));
    }

    /** {@code db[o] = sum_r dy[r, o]}, dy [rows, out] (dense_backward_bias). */
    public void denseBackwardBias(DeviceBuffer dy, DeviceBuffer db, int rows, int out) {
        launch("dense", "dense_backward_bias", grid1d(out), KernelArgs.of().ptr(dy).ptr(db).i32(rows).i32(out));
    }

    // ------------------------------------------------------------------------------ activation.cu

    /** {@code dx[r, k] = x[r / s, k] > 0 ? dy[r, k] : 0} (relu_backward_seeded). */
    public void reluBackwardSeeded(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dx, int rows, int s, int size) {
        launch("activation", "relu_backward_seeded", grid1d((long) rows * size),
                KernelArgs.of().ptr(x).ptr(dy).ptr(dx).i32(rows).i32(s).i32(size));
    }

    // ------------------------------------------------------------------------------ loss.cu

    /** Softmax cross-entropy per sample (cross_entropy_forward_backward); {@code y} and {@code correct} hold int32. */
    public void crossEntropy(DeviceBuffer z, DeviceBuffer y, DeviceBuffer loss, DeviceBuffer grad, DeviceBuffer correct,
                             int n, int c, float scale) {
        launch("loss", "cross_entropy_forward_backward", Dim3.of(Math.max(1, Math.min((n + 127) / 128, MAX_BLOCKS))),
                KernelArgs.of().ptr(z).ptr(y).ptr(loss).ptr(grad).ptr(correct).i32(n).i32(c).f32(scale));
    }

    /** Mean squared error per sample (mse_forward_backward). */
    public void mse(DeviceBuffer z, DeviceBuffer t, DeviceBuffer loss, DeviceBuffer grad, int n, int c, float scale) {
        launch("loss", "mse_forward_backward", Dim3.of(Math.max(1, Math.min((n + 127) / 128, MAX_BLOCKS))),
                KernelArgs.of().ptr(z).ptr(t).ptr(loss).ptr(grad).i32(n).i32(c).f32(scale));
    }

    // ------------------------------------------------------------------------------ seeds.cu

    /** One-hot seeds [n, c, c] (seeds_identity). */
    public void seedsIdentity(DeviceBuffer out, int n, int c) {
        launch("seeds", "seeds_identity", grid1d((long) n * c * c), KernelArgs.of().ptr(out).i32(n).i32(c));
    }

    /** Margin seeds [n, 1, c] from int32 class indices a, b (seeds_margin). */
    public void seedsMargin(DeviceBuffer a, DeviceBuffer b, DeviceBuffer out, int n, int c) {
        launch("seeds", "seeds_margin", grid1d((long) n * c), KernelArgs.of().ptr(a).ptr(b).ptr(out).i32(n).i32(c));
    }

    // ------------------------------------------------------------------------------ optim.cu

    /** One SGD step in place (sgd_step); {@code buf} is unused when momentum is 0. */
    public void sgdStep(DeviceBuffer p, DeviceBuffer g, DeviceBuffer buf, int n, float lr, float momentum,
                        float weightDecay, boolean first) {
        launch("optim", "sgd_step", grid1d(n), KernelArgs.of().ptr(p).ptr(g).ptr(buf).i32(n).f32(lr).f32(momentum)
                .f32(weightDecay).i32(first ? 1 : 0));
    }

    /**
     * One Adam step {@code t} (1-based) in place (adam_step); the bias corrections are computed here
     * in float64, as torch.optim.Adam does on the host.
     */
    public void adamStep(DeviceBuffer p, DeviceBuffer g, DeviceBuffer m, DeviceBuffer v, int n, long t, double lr,
                         double beta1, double beta2, double eps, double weightDecay) {
        double stepSize = lr / (1 - Math.pow(beta1, t));
        double bc2sqrt = Math.sqrt(1 - Math.pow(beta2, t));
        launch("optim", "adam_step", grid1d(n), KernelArgs.of().ptr(p).ptr(g).ptr(m).ptr(v).i32(n)
                .f32((float) stepSize).f32((float) beta1).f32((float) (1 - beta1)).f32((float) beta2)
                .f32((float) (1 - beta2)).f32((float) bc2sqrt).f32((float) eps).f32((float) weightDecay));
    }

    // ------------------------------------------------------------------------------ dual.cu

    /**
     * The linearized constraint rows {@code a_q = D_n g_q} and right-hand sides
     * {@code r_q = kappa - m_q + a_q^T t_n} for rows {@code q = n R + k} (dual_linearize_rows):
     * g, a {@code [N R, d]} (a may be g: computed in place), scale, t {@code [N, d]}, m, r {@code [N R]}.
     * One block per row (at most 65535 blocks; they loop), 32 threads when {@code d <= 128}, else 128.
     */
    public void dualLinearizeRows(int n, int rows, int d, DeviceBuffer g, DeviceBuffer scale, DeviceBuffer t,
                                  DeviceBuffer m, double kappa, DeviceBuffer a, DeviceBuffer r) {
        long q = (long) n * rows;
        Dim3 grid = Dim3.of((int) Math.max(1, Math.min(q, 65535)));
        int block = d <= 128 ? 32 : 128;
        device.launch(lib.kernel("dual", "dual_linearize_rows"), grid, Dim3.of(block), 0, KernelArgs.of()
                .i32(n).i32(rows).i32(d).ptr(g).ptr(scale).ptr(t).ptr(m).f64(kappa).ptr(a).ptr(r));
    }
}
