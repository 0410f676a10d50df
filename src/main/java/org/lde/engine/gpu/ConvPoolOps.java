package org.lde.engine.gpu;

import java.util.Objects;
import org.lde.device.DeviceBuffer;
import org.lde.device.KernelLibrary;
import org.lde.engine.Window2d;
import org.lde.engine.gpu.ConvKernels.ConvGeometry;
import org.lde.engine.gpu.ConvKernels.PoolGeometry;

/**
 * The convolution and pooling launches GpuBackend needs, in terms of a {@link Window2d}: a thin
 * adapter over {@link ConvKernels} (kernels/conv.cu, kernels/pool.cu). Every output is overwritten.
 */
final class ConvPoolOps {
    private final KernelLibrary lib;

    ConvPoolOps(KernelLibrary lib) {
        this.lib = Objects.requireNonNull(lib, "lib");
    }

    private static ConvGeometry conv(int rows, Window2d g, int outChannels) {
        return new ConvGeometry(rows, g.channels(), g.inH(), g.inW(), outChannels, g.kernelH(), g.kernelW(), g.strideH(),
                g.strideW(), g.padH(), g.padW());
    }

    private static PoolGeometry pool(int rows, Window2d g) {
        return new PoolGeometry(rows, g.channels(), g.inH(), g.inW(), g.kernelH(), g.kernelW(), g.strideH(), g.strideW(),
                g.padH(), g.padW());
    }

    /** {@code y = conv(x, w) + b} over {@code n} images (conv2d_forward). */
    void conv2dForward(DeviceBuffer x, DeviceBuffer w, DeviceBuffer b, DeviceBuffer y, int n, Window2d g, int outChannels) {
        ConvKernels.conv2dForward(lib, x, w, b, y, conv(n, g, outChannels));
    }

    /** Data gradient over {@code rows} gradient rows (conv2d_backward_data). */
    void conv2dBackwardData(DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx, int rows, Window2d g, int outChannels) {
        ConvKernels.conv2dBackwardData(lib, dy, w, dx, conv(rows, g, outChannels));
    }

    /** Weight and bias gradients over {@code n} samples (conv2d_backward_weights). */
    void conv2dBackwardWeights(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, DeviceBuffer db, int n, Window2d g,
                               int outChannels) {
        ConvKernels.conv2dBackwardWeights(lib, x, dy, dw, db, conv(n, g, outChannels));
    }

    /** Max pooling of {@code n} images with arg-maxes (maxpool2d_forward). */
    void maxPool2dForward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer argmax, int n, Window2d g) {
        ConvKernels.maxPool2dForward(lib, x, y, argmax, pool(n, g));
    }

    /** Max-pool reverse over {@code rows} rows, {@code rowsPerSample} per recorded sample (maxpool2d_backward). */
    void maxPool2dBackward(DeviceBuffer dy, DeviceBuffer argmax, DeviceBuffer dx, int rows, int rowsPerSample, Window2d g) {
        ConvKernels.maxPool2dBackward(lib, dy, argmax, dx, rows, rowsPerSample, pool(rows / rowsPerSample, g));
    }

    /** Average pooling of {@code n} images (avgpool2d_forward). */
    void avgPool2dForward(DeviceBuffer x, DeviceBuffer y, int n, Window2d g) {
        ConvKernels.avgPool2dForward(lib, x, y, pool(n, g));
    }

    /** Average-pool reverse over {@code rows} rows (avgpool2d_backward). */
    void avgPool2dBackward(DeviceBuffer dy, DeviceBuffer dx, int rows, Window2d g) {
        ConvKernels.avgPool2dBackward(lib, dy, dx, pool(rows, g));
    }
}
