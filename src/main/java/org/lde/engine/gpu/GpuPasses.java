package org.lde.engine.gpu;

import static org.lde.engine.gpu.GpuBuffers.closeQuietly;
import static org.lde.engine.gpu.GpuBuffers.download;

import java.util.List;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.model.Conv2d;
import org.lde.model.Dense;
import org.lde.model.Flatten;
import org.lde.model.Layer;
import org.lde.model.MaxPool2d;
import org.lde.model.ReLU;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * {@link GpuBackend}'s forward and reverse passes: the layer-by-layer forward pass (a Dense layer
 * followed by a ReLU fused as {@code dense_forward_relu}), the recorded pass that keeps every layer's
 * input and the max-pool arg-maxes on the device, and the batched reverse pass over {@code N S} gradient
 * rows (row {@code r} uses the ReLU masks and arg-maxes of sample {@code r / S}). The caller has checked
 * its arguments.
 */
final class GpuPasses {
    private final Device device;
    private final GpuKernels k;
    private final ConvPoolOps conv;
    private final GpuLayerPlan plan;
    private final GpuBuffers buffers;
    private final List<Layer> layers;

    GpuPasses(Device device, GpuKernels k, ConvPoolOps conv, GpuLayerPlan plan, GpuBuffers buffers) {
        this.device = device;
        this.k = k;
        this.conv = conv;
        this.plan = plan;
        this.buffers = buffers;
        this.layers = plan.layers;
    }

    // ------------------------------------------------------------------------------------------
    // forward

    /** The logits {@code [n, C]} of the {@code n} samples {@code x} (checked by the caller). */
    Tensor forward(Tensor x, int n) {
        DeviceBuffer a = buffers.upload(x.data(), "input x");
        Throwable failure = null;
        try {
            int l = layers.size();
            for (int i = 0; i < l; i++) {
                DeviceBuffer y;
                if (layers.get(i) instanceof Dense d && i + 1 < l && layers.get(i + 1) instanceof ReLU) {
                    y = buffers.alloc((long) n * d.out());
                    try {
                        k.denseForward(a, plan.weight[i], plan.bias[i], y, n, d.in(), d.out(), true);
                    } catch (RuntimeException e) {
                        closeQuietly(y, e);
                        throw e;
                    }
                    i++; // the ReLU is fused
                } else {
                    y = forwardLayer(i, a, n, null);
                }
                if (y != a) {
                    buffers.retire(a);
                    a = y;
                }
            }
            return new Tensor(Shape.of(n, plan.classes), download(a, n * plan.classes));
        } catch (RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            buffers.retire(a);
            buffers.settle(failure);
        }
    }

    /**
     * Fills the recorded pass {@code pass} with the input {@code x} and every layer's output (and the
     * max-pool arg-maxes); waits for it. On failure the caller frees the pass.
     */
    void record(GpuBackend.Pass pass, Tensor x) {
        int n = pass.n;
        DeviceBuffer[] acts = pass.acts;
        DeviceBuffer[] argmax = pass.argmax;
        acts[0] = buffers.upload(x.data(), "input x");
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof MaxPool2d) {
                argmax[i] = buffers.alloc((long) n * plan.outSize[i]);
            }
            acts[i + 1] = forwardLayer(i, acts[i], n, argmax[i]);
        }
        device.synchronize(); // the pass is complete when it is returned (closing it may free its buffers at once)
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
        DeviceBuffer y = buffers.alloc((long) n * plan.outSize[i]);
        try {
            if (layer instanceof Dense d) {
                k.denseForward(in, plan.weight[i], plan.bias[i], y, n, d.in(), d.out(), false);
            } else if (layer instanceof ReLU) {
                k.reluForward(in, y, n * plan.inSize[i]);
            } else if (layer instanceof Conv2d c) {
                conv.conv2dForward(in, plan.weight[i], plan.bias[i], y, n, plan.windows[i], c.outChannels());
            } else if (layer instanceof MaxPool2d) {
                if (argmax != null) {
                    conv.maxPool2dForward(in, y, argmax, n, plan.windows[i]);
                } else {
                    DeviceBuffer scratch = buffers.alloc((long) n * plan.outSize[i]);
                    buffers.retire(scratch); // freed after the launch has run (at the caller's settle())
                    conv.maxPool2dForward(in, y, scratch, n, plan.windows[i]);
                }
            } else {
                conv.avgPool2dForward(in, y, n, plan.windows[i]);
            }
        } catch (RuntimeException e) {
            closeQuietly(y, e);
            throw e;
        }
        return y;
    }

    // ------------------------------------------------------------------------------------------
    // reverse passes

    /** Pulls the seed rows {@code dy} (taken over: freed here) back to the input of layer {@code downTo}; downloads. */
    Tensor reverseFrom(GpuBackend.Pass pass, DeviceBuffer dy, int s, int downTo) {
        DeviceBuffer g = null;
        Throwable failure = null;
        try {
            DeviceBuffer seeds = dy;
            dy = null; // reverseOnDevice() takes it over
            g = reverseOnDevice(pass, seeds, s, downTo);
            int row = downTo == 0 ? plan.net.inputSize() : plan.outSize[downTo - 1];
            Shape shape = (downTo == 0 ? plan.net.inputShape() : plan.net.outputShape(downTo - 1)).withBatch(s)
                    .withBatch(pass.n);
            return new Tensor(shape, download(g, pass.n * s * row));
        } catch (RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            if (g != null) {
                buffers.retire(g);
            }
            closeQuietly(dy, null); // not yet handed over: a check failed
            buffers.settle(failure);
        }
    }

    /**
     * Pulls the seed rows {@code dy} (taken over) back to the input of layer {@code downTo} and returns
     * the gradient rows {@code [N S, size]} in device memory (the caller owns them; retire them).
     */
    DeviceBuffer reverseOnDevice(GpuBackend.Pass pass, DeviceBuffer dy, int s, int downTo) {
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
    private DeviceBuffer backward(GpuBackend.Pass pass, DeviceBuffer dy, int s, int downTo, int last) {
        try {
            for (int i = last; i >= downTo; i--) {
                DeviceBuffer dx = backwardLayer(i, pass, dy, pass.n * s, s);
                if (dx != dy) {
                    buffers.retire(dy);
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
    DeviceBuffer backwardLayer(int i, GpuBackend.Pass pass, DeviceBuffer dy, int rows, int s) {
        Layer layer = layers.get(i);
        if (layer instanceof Flatten) {
            return dy;
        }
        DeviceBuffer dx = buffers.alloc((long) rows * plan.inSize[i]);
        try {
            if (layer instanceof Dense d) {
                k.gemmNN(rows, d.in(), d.out(), dy, plan.weight[i], dx);
            } else if (layer instanceof ReLU) {
                k.reluBackwardSeeded(pass.acts[i], dy, dx, rows, s, plan.inSize[i]);
            } else if (layer instanceof Conv2d c) {
                conv.conv2dBackwardData(dy, plan.weight[i], dx, rows, plan.windows[i], c.outChannels());
            } else if (layer instanceof MaxPool2d) {
                conv.maxPool2dBackward(dy, pass.argmax[i], dx, rows, s, plan.windows[i]);
            } else {
                conv.avgPool2dBackward(dy, dx, rows, plan.windows[i]);
            }
        } catch (RuntimeException e) {
            closeQuietly(dx, e);
            throw e;
        }
        return dx;
    }
}
