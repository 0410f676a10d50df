package org.lde.engine.gpu;

import static org.lde.engine.gpu.GpuBuffers.closeQuietly;
import static org.lde.engine.gpu.GpuBuffers.download;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.model.Conv2d;
import org.lde.model.Dense;
import org.lde.model.Layer;
import org.lde.model.MaxPool2d;
import org.lde.model.ReLU;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * {@link GpuBackend}'s forward and reverse passes over the network's graph (layers in topological
 * order, {@link GpuLayerPlan#inputs}): the forward pass (a Dense layer whose only reader is a ReLU fused
 * as {@code dense_forward_relu}), the recorded pass that keeps every node's output and the max-pool
 * arg-maxes on the device, and the batched reverse pass over {@code N S} gradient rows (row {@code r}
 * uses the recorded values of sample {@code r / S}). The reverse pass walks the layers in reverse
 * order with one device gradient buffer per node: a node's gradient is the sum of what each of its
 * readers sends back, and a fork sums its branch gradients ON THE DEVICE ({@link GraphKernels#accumulate});
 * it is complete once every later layer is done. The per-layer launches are {@link GpuLayerOps}'. The
 * caller has checked its arguments.
 */
final class GpuPasses {
    private final Device device;
    private final GpuKernels k;
    private final GraphKernels graph;
    private final GpuLayerOps ops;
    private final GpuLayerPlan plan;
    private final GpuBuffers buffers;
    private final List<Layer> layers;

    GpuPasses(Device device, GpuKernels k, GraphKernels graph, GpuLayerOps ops, GpuLayerPlan plan, GpuBuffers buffers) {
        this.device = device;
        this.k = k;
        this.graph = graph;
        this.ops = ops;
        this.plan = plan;
        this.buffers = buffers;
        this.layers = plan.layers;
    }

    // ------------------------------------------------------------------------------------------
    // forward

    /** The logits {@code [n, C]} of the {@code n} samples {@code x} (checked by the caller). */
    Tensor forward(Tensor x, int n) {
        int l = layers.size();
        DeviceBuffer[] acts = new DeviceBuffer[l + 1];
        Throwable failure = null;
        try {
            acts[0] = buffers.upload(x.data(), "input x");
            for (int i = 0; i < l; i++) {
                if (fusesRelu(i)) {
                    Dense d = (Dense) layers.get(i);
                    DeviceBuffer y = buffers.alloc((long) n * d.out());
                    acts[i + 2] = y;
                    k.denseForward(acts[plan.inputs[i][0] + 1], plan.weight[i], plan.bias[i], y, n, d.in(), d.out(), true);
                    i++; // the ReLU is fused; the Dense output (read by nothing else) is never materialised
                } else {
                    acts[i + 1] = ops.forward(i, acts, n, null);
                }
            }
            return new Tensor(Shape.of(n, plan.classes), download(acts[l], n * plan.classes));
        } catch (RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            for (DeviceBuffer b : distinct(acts)) {
                buffers.retire(b);
            }
            buffers.settle(failure);
        }
    }

    /** Whether layer {@code i} is a Dense whose only reader is the next layer, a ReLU reading only it. */
    private boolean fusesRelu(int i) {
        if (!(layers.get(i) instanceof Dense) || i + 1 >= layers.size() || !(layers.get(i + 1) instanceof ReLU)) {
            return false;
        }
        int[] readers = plan.net.consumersOf(i);
        return readers.length == 1 && readers[0] == i + 1 && plan.inputs[i + 1].length == 1;
    }

    /** Each buffer of {@code bs} once (Reshaping nodes share their input's buffer), nulls skipped. */
    static Set<DeviceBuffer> distinct(DeviceBuffer[] bs) {
        Set<DeviceBuffer> out = Collections.newSetFromMap(new IdentityHashMap<>());
        for (DeviceBuffer b : bs) {
            if (b != null) {
                out.add(b);
            }
        }
        return out;
    }

    /**
     * Fills the recorded pass {@code pass} with the input {@code x}, every node's output and the max-pool
     * arg-maxes; waits for it. On failure the caller frees the pass.
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
            acts[i + 1] = ops.forward(i, acts, n, argmax[i]);
        }
        device.synchronize(); // the pass is complete when it is returned (closing it may free its buffers at once)
    }

    // ------------------------------------------------------------------------------------------
    // reverse passes

    /**
     * Pulls the seed rows {@code dy} (taken over: freed here) back to the output of node {@code downTo - 1}
     * ({@code downTo = 0}: the network's input); downloads.
     */
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
     * Pulls the seed rows {@code dy} (taken over) back to the output of node {@code downTo - 1} and returns
     * the gradient rows {@code [N S, size]} in device memory (the caller owns them; retire them).
     */
    DeviceBuffer reverseOnDevice(GpuBackend.Pass pass, DeviceBuffer dy, int s, int downTo) {
        long rows = (long) pass.n * s;
        for (int i = downTo; i < layers.size(); i++) {
            if (layers.get(i) instanceof Conv2d c && c.plain() && rows > ConvKernels.MAX_GRID_YZ) {
                closeQuietly(dy, null);
                throw new IllegalArgumentException("a reverse pass through convolution '" + layers.get(i).name()
                        + "' takes at most " + ConvKernels.MAX_GRID_YZ + " gradient rows (N S), got " + pass.n + " x "
                        + s + " = " + rows + "; split the batch");
            }
        }
        return backward(pass, dy, s, downTo - 1, null);
    }

    /** Called with the complete gradient rows w.r.t. the output of each layer the reverse walk passes. */
    interface LayerHook {
        void at(int layer, DeviceBuffer dy);
    }

    /**
     * Pulls gradient rows {@code dy: [N S, C]} (w.r.t. the logits) back through the layers after node
     * {@code target} in one batched walk and returns the rows w.r.t. the output of {@code target}
     * ({@code -1}: the input). Only inputs at or after {@code target} receive gradients. {@code hook}
     * (may be null) sees each layer's output gradient before it is pulled through that layer.
     * {@code dy} is taken over (freed here, or returned when no layer changes it).
     */
    DeviceBuffer backward(GpuBackend.Pass pass, DeviceBuffer dy, int s, int target, LayerHook hook) {
        int l = layers.size();
        int rows = pass.n * s;
        DeviceBuffer[] g = new DeviceBuffer[l + 1];
        g[l] = dy;
        try {
            for (int i = l - 1; i > target; i--) {
                DeviceBuffer gi = g[i + 1];
                g[i + 1] = null;
                boolean handedOn = false;
                try {
                    if (hook != null) {
                        hook.at(i, gi);
                    }
                    int[] ins = plan.inputs[i];
                    int last = -1;
                    for (int q = 0; q < ins.length; q++) {
                        if (ins[q] >= target) {
                            last = q;
                        }
                    }
                    for (int q = 0; q <= last; q++) {
                        if (ins[q] >= target) {
                            handedOn |= send(g, ins[q] + 1, ops.backward(i, q, pass, gi, rows, s), gi, q == last,
                                    rows * size(ins[q]));
                        }
                    }
                } finally {
                    if (!handedOn) {
                        buffers.retire(gi);
                    }
                }
            }
            DeviceBuffer out = g[target + 1];
            g[target + 1] = null;
            return out;
        } catch (RuntimeException e) {
            for (DeviceBuffer b : distinct(g)) {
                closeQuietly(b, e);
            }
            throw e;
        }
    }

    /** Values per sample of node {@code j}'s output ({@code -1}: the input). */
    private int size(int j) {
        return j < 0 ? plan.net.inputSize() : plan.outSize[j];
    }

    /**
     * Adds the contribution {@code c} ({@code count} floats) to the gradient {@code g[at]} on the device.
     * {@code c} is either a fresh buffer (it becomes {@code g[at]}, or is accumulated and retired) or the
     * layer's own gradient {@code gi} (Reshaping, Add), which is never modified here: it becomes
     * {@code g[at]} only at the layer's last input ({@code lastInput}; returns true: handed on), and is
     * copied or accumulated otherwise.
     */
    private boolean send(DeviceBuffer[] g, int at, DeviceBuffer c, DeviceBuffer gi, boolean lastInput, int count) {
        if (c == gi) {
            if (g[at] == null && lastInput) {
                g[at] = gi;
                return true;
            }
            if (g[at] == null) {
                g[at] = copyOf(gi, count);
            } else {
                graph.accumulate(g[at], gi, count);
            }
            return false;
        }
        if (g[at] == null) {
            g[at] = c;
            return false;
        }
        try {
            graph.accumulate(g[at], c, count);
        } finally {
            buffers.retire(c);
        }
        return false;
    }

    private DeviceBuffer copyOf(DeviceBuffer b, int count) {
        DeviceBuffer c = buffers.alloc(count);
        try {
            graph.copy(b, c, count);
        } catch (RuntimeException e) {
            closeQuietly(c, e);
            throw e;
        }
        return c;
    }
}
