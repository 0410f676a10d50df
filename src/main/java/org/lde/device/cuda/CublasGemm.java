package org.lde.device.cuda;

import java.util.Objects;

import jcuda.Pointer;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasStatus;
import org.lde.device.DeviceBuffer;
import org.lde.device.DeviceException;

/**
 * cuBLAS's SGEMM on a {@link CudaDevice}'s buffers: the anchor the hand-written {@code sgemm_*}
 * kernels of kernels/gemm.cu are measured against ({@code bench/java/.../CublasGemmBench}). Not used
 * by the engine itself (its GEMMs are the hand-written kernels, which the emulator runs too).
 *
 * <p>Row-major {@code C[m,n] = A[m,k] B[k,n]} is computed as the column-major
 * {@code C^T = B^T A^T}: {@code cublasSgemm(N, N, n, m, k, 1, B, n, A, k, 0, C, n)}. The handle uses the
 * device's primary context (the one the CUDA runtime shares). Status codes are checked here; JCublas's
 * JVM-wide exception switch is left alone, as in {@link CudaDevice}. Asynchronous like a launch:
 * {@link CudaDevice#synchronize()} waits for it.
 */
public final class CublasGemm implements AutoCloseable {

    private final CudaDevice device;
    private final cublasHandle handle = new cublasHandle();
    private final Pointer one = Pointer.to(new float[] {1f});
    private final Pointer zero = Pointer.to(new float[] {0f});
    private boolean closed;

    /** Creates a cuBLAS handle on {@code device}'s context. Only with a usable GPU (see {@link CudaDevice}). */
    public CublasGemm(CudaDevice device) {
        this.device = Objects.requireNonNull(device, "device");
        synchronized (device) {
            device.requireOpen();
            device.makeCurrentForLibrary();
            check(JCublas2.cublasCreate(handle), "cublasCreate on " + device.name());
        }
    }

    /** Row-major {@code c = a b}: a [m,k], b [k,n], c [m,n], packed (alpha 1, beta 0). */
    public void sgemmNN(int m, int n, int k, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c) {
        if (m < 1 || n < 1 || k < 1) {
            throw new IllegalArgumentException("sgemm needs positive sizes, got m=" + m + ", n=" + n + ", k=" + k);
        }
        synchronized (device) {
            if (closed) {
                throw new DeviceException("the cuBLAS handle on " + device.name() + " is closed");
            }
            CudaDevice.CudaBuffer ba = device.own(a, 4L * m * k, "A");
            CudaDevice.CudaBuffer bb = device.own(b, 4L * k * n, "B");
            CudaDevice.CudaBuffer bc = device.own(c, 4L * m * n, "C");
            device.makeCurrentForLibrary();
            check(JCublas2.cublasSgemm(handle, cublasOperation.CUBLAS_OP_N, cublasOperation.CUBLAS_OP_N, n, m, k,
                    one, bb.ptr, n, ba.ptr, k, zero, bc.ptr, n), "cublasSgemm(m=" + m + ", n=" + n + ", k=" + k + ") on " + device.name());
        }
    }

    @Override
    public void close() {
        synchronized (device) {
            if (closed) {
                return;
            }
            closed = true;
            device.makeCurrentForLibrary();
            check(JCublas2.cublasDestroy(handle), "cublasDestroy on " + device.name());
        }
    }

    private static void check(int status, String call) {
        if (status != cublasStatus.CUBLAS_STATUS_SUCCESS) {
            throw new DeviceException(call + " failed: " + cublasStatus.stringFor(status));
        }
    }
}
