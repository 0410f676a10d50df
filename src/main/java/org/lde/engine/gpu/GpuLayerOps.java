package org.lde.engine.gpu;

import static org.lde.engine.gpu.GpuBuffers.closeQuietly;

import org.lde.device.DeviceBuffer;
import org.lde.model.Activation;
import org.lde.model.Add;
import org.lde.model.Affine;
import org.lde.model.AvgPool2d;
import org.lde.model.Concat;
import org.lde.model.Conv2d;
import org.lde.model.Dense;
import org.lde.model.GlobalAvgPool;
import org.lde.model.Layer;
import org.lde.model.MaxPool2d;
import org.lde.model.Reshaping;

/**
 * One layer of {@link GpuBackend}'s passes as kernel launches: the forward output of a node from the
 * outputs of the nodes it reads, the gradient rows with respect to one of its inputs from rows with
 * respect to its output (S rows per recorded sample), and the parameter gradients of a trainable
 * node. A {@link Reshaping} node has no kernel: forward and backward it hands its input on (the same
 * buffer). The caller owns what is returned and has checked sizes.
 */
final class GpuLayerOps {
    private final GpuKernels k;
    private final GraphKernels graph;
    private final ConvPoolOps conv;
    private final GpuLayerPlan plan;
    private final GpuBuffers buffers;

    GpuLayerOps(GpuKernels k, GraphKernels graph, ConvPoolOps conv, GpuLayerPlan plan, GpuBuffers buffers) {
        this.k = k;
        this.graph = graph;
        this.conv = conv;
        this.plan = plan;
        this.buffers = buffers;
    }

    /** The buffer holding the output of node {@code j} ({@code -1}: the input) in {@code acts}. */
    private static DeviceBuffer node(DeviceBuffer[] acts, int j) {
        return acts[j + 1];
    }

    /**
     * Output of layer {@code i} for {@code n} samples, reading {@code acts[j + 1]} for each node {@code j} it
     * reads: a new buffer ({@link Reshaping}: its input's buffer). {@code argmax}: where a max-pool records
     * its arg-maxes (null: a scratch buffer is used and retired; the caller settles).
     */
    DeviceBuffer forward(int i, DeviceBuffer[] acts, int n, DeviceBuffer argmax) {
        Layer layer = plan.layers.get(i);
        int[] ins = plan.inputs[i];
        DeviceBuffer in = node(acts, ins[0]);
        if (layer instanceof Reshaping) {
            return in;
        }
        DeviceBuffer y = buffers.alloc((long) n * plan.outSize[i]);
        try {
            if (layer instanceof Dense d) {
                k.denseForward(in, plan.weight[i], plan.bias[i], y, n, d.in(), d.out(), false);
            } else if (layer instanceof Activation f) {
                graph.activationForward(f, in, y, n * plan.inSize[i]);
            } else if (layer instanceof Conv2d c && plan.grouped[i] != null) {
                graph.groupedConvForward(in, plan.weight[i], plan.bias[i], y, plan.grouped[i].withRows(n));
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
            } else if (layer instanceof AvgPool2d) {
                conv.avgPool2dForward(in, y, n, plan.windows[i]);
            } else if (layer instanceof GlobalAvgPool) {
                graph.globalAvgPoolForward(in, y, n * plan.outSize[i], plan.plane(i));
            } else if (layer instanceof Affine a) {
                graph.affineForward(in, plan.weight[i], plan.bias[i], y, n, a.channels(), plan.plane(i));
            } else if (layer instanceof Add) {
                int size = n * plan.outSize[i];
                graph.add(in, node(acts, ins[1]), y, size);
                for (int q = 2; q < ins.length; q++) {
                    graph.accumulate(y, node(acts, ins[q]), size);
                }
            } else if (layer instanceof Concat) {
                int[] sizes = plan.joinSizes[i];
                int offset = 0;
                for (int q = 0; q < ins.length; q++) {
                    graph.stridedCopy(node(acts, ins[q]), y, n, sizes[q], sizes[q], 0, plan.outSize[i], offset);
                    offset += sizes[q];
                }
            } else {
                throw new IllegalStateException("no forward kernel for layer '" + layer.name() + "' (" + layer.kind() + ")");
            }
        } catch (RuntimeException e) {
            closeQuietly(y, e);
            throw e;
        }
        return y;
    }

    /**
     * Gradient rows w.r.t. input {@code q} of layer {@code i} from rows {@code dy} w.r.t. its output
     * ({@code rows} rows, {@code s} per sample of the recorded pass): a new buffer, or {@code dy} itself
     * for a {@link Reshaping} node and an {@link Add} (whose every input receives {@code dy}).
     */
    DeviceBuffer backward(int i, int q, GpuBackend.Pass pass, DeviceBuffer dy, int rows, int s) {
        Layer layer = plan.layers.get(i);
        if (layer instanceof Reshaping || layer instanceof Add) {
            return dy;
        }
        int[] ins = plan.inputs[i];
        int inSize = layer instanceof Concat ? plan.joinSizes[i][q] : plan.inSize[i];
        DeviceBuffer dx = buffers.alloc((long) rows * inSize);
        try {
            if (layer instanceof Dense d) {
                k.gemmNN(rows, d.in(), d.out(), dy, plan.weight[i], dx);
            } else if (layer instanceof Activation f) {
                graph.activationBackward(f, node(pass.acts, ins[0]), node(pass.acts, i), dy, dx, rows, s, inSize);
            } else if (layer instanceof Conv2d c && plan.grouped[i] != null) {
                graph.groupedConvBackwardData(dy, plan.weight[i], dx, plan.grouped[i].withRows(rows));
            } else if (layer instanceof Conv2d c) {
                conv.conv2dBackwardData(dy, plan.weight[i], dx, rows, plan.windows[i], c.outChannels());
            } else if (layer instanceof MaxPool2d) {
                conv.maxPool2dBackward(dy, pass.argmax[i], dx, rows, s, plan.windows[i]);
            } else if (layer instanceof AvgPool2d) {
                conv.avgPool2dBackward(dy, dx, rows, plan.windows[i]);
            } else if (layer instanceof GlobalAvgPool) {
                graph.globalAvgPoolBackward(dy, dx, rows * plan.outSize[i], plan.plane(i));
            } else if (layer instanceof Affine a) {
                graph.affineBackward(dy, plan.weight[i], dx, rows, a.channels(), plan.plane(i));
            } else if (layer instanceof Concat) {
                int offset = 0;
                for (int p = 0; p < q; p++) {
                    offset += plan.joinSizes[i][p];
                }
                graph.stridedCopy(dy, dx, rows, inSize, plan.outSize[i], offset, inSize, 0);
            } else {
                throw new IllegalStateException("no reverse kernel for layer '" + layer.name() + "' (" + layer.kind() + ")");
            }
        } catch (RuntimeException e) {
            closeQuietly(dx, e);
            throw e;
        }
        return dx;
    }

    /**
     * The weight and bias gradients of trainable layer {@code i} over the {@code n} samples of the pass,
     * from {@code dy: [n, outSize]}, into {@code dw} and {@code db} (overwritten).
     */
    void parameterGradients(int i, GpuBackend.Pass pass, DeviceBuffer dy, DeviceBuffer dw, DeviceBuffer db) {
        Layer layer = plan.layers.get(i);
        int n = pass.n;
        DeviceBuffer x = node(pass.acts, plan.inputs[i][0]);
        if (layer instanceof Dense d) {
            k.gemmTN(d.out(), d.in(), n, dy, x, dw);
            k.denseBackwardBias(dy, db, n, d.out());
        } else if (layer instanceof Conv2d c && plan.grouped[i] != null) {
            graph.groupedConvBackwardWeights(x, dy, dw, db, plan.grouped[i].withRows(n));
        } else if (layer instanceof Conv2d c) {
            conv.conv2dBackwardWeights(x, dy, dw, db, n, plan.windows[i], c.outChannels());
        } else if (layer instanceof Affine a) {
            graph.affineBackwardParams(x, dy, dw, db, n, a.channels(), plan.plane(i));
        } else {
            throw new IllegalStateException("layer '" + layer.name() + "' (" + layer.kind() + ") has no parameter gradients");
        }
    }
}
