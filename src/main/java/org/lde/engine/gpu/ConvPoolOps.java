package org.lde.engine.gpu;

import java.util.Objects;
import org.lde.device.DeviceBuffer;
import org.lde.device.KernelLibrary;
import org.lde.engine.cpu.Window2d;

/**
 * The convolution and pooling launches GpuBackend needs, in terms of a {@link Window2d}: a thin
 * adapter over the kernels of kernels/conv.cu and kernels/pool.cu (launched by {@code ConvKernels}).
 * Until those kernels are merged into this branch every method throws
 * {@link UnsupportedOperationException} and {@link #AVAILABLE} is false.
 */
final class ConvPoolOps {
    /** Whether the conv/pool kernels are wired in. */
    static final boolean AVAILABLE = false;

    private final KernelLibrary lib;

    ConvPoolOps(KernelLibrary lib) {
        this.lib = Objects.requireNonNull(lib, "lib");
    }

    private static UnsupportedOperationException missing(String what) {
        return new UnsupportedOperationException(what + ": the conv/pool kernels (kernels/conv.cu, kernels/pool.cu) are not"
                + " wired into GpuBackend yet");
    }

    void conv2dForward(DeviceBuffer x, DeviceBuffer w, DeviceBuffer b, DeviceBuffer y, int n, Window2d g, int outChannels) {
        throw missing("conv2d_forward");
    }

    void conv2dBackwardData(DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx, int rows, Window2d g, int outChannels) {
        throw missing("conv2d_backward_data");
    }

    void conv2dBackwardWeights(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, DeviceBuffer db, int n, Window2d g,
                               int outChannels) {
        throw missing("conv2d_backward_weights");
    }

    void maxPool2dForward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer argmax, int n, Window2d g) {
        throw missing("maxpool2d_forward");
    }

    void maxPool2dBackward(DeviceBuffer dy, DeviceBuffer argmax, DeviceBuffer dx, int rows, int rowsPerSample, Window2d g) {
        throw missing("maxpool2d_backward");
    }

    void avgPool2dForward(DeviceBuffer x, DeviceBuffer y, int n, Window2d g) {
        throw missing("avgpool2d_forward");
    }

    void avgPool2dBackward(DeviceBuffer dy, DeviceBuffer dx, int rows, Window2d g) {
        throw missing("avgpool2d_backward");
    }
}
