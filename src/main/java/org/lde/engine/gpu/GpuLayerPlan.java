package org.lde.engine.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lde.device.DeviceBuffer;
import org.lde.engine.BackendChecks;
import org.lde.engine.Window2d;
import org.lde.engine.gpu.GraphKernels.GroupedConv;
import org.lde.model.Activation;
import org.lde.model.Affine;
import org.lde.model.AvgPool2d;
import org.lde.model.Concat;
import org.lde.model.Conv2d;
import org.lde.model.Dense;
import org.lde.model.GlobalAvgPool;
import org.lde.model.Join;
import org.lde.model.Layer;
import org.lde.model.MaxPool2d;
import org.lde.model.Network;
import org.lde.model.Reshaping;
import org.lde.tensor.Shape;

/**
 * {@link GpuBackend}'s layer plan and parameters: the folded network ({@code Network.folded()}: a
 * BatchNorm folded into the single-consumer Dense/Conv2d it reads, otherwise an {@link Affine} node), the
 * graph ({@link #inputs}: the nodes each layer reads, -1 = the network input), each layer's window
 * geometry (plain convolutions and pooling), grouped/dilated convolution geometry, input/output sizes
 * and the per-input sizes of a concat, the float32 device copies of the weights and biases (Dense,
 * Conv2d, Affine), and the parameter version that recorded passes are tied to.
 */
final class GpuLayerPlan {
    final Network net;
    final List<Layer> layers;
    final Window2d[] windows;      // per plain Conv2d, MaxPool2d, AvgPool2d: the window geometry, else null
    final GroupedConv[] grouped;   // per grouped or dilated Conv2d: its geometry over one row, else null
    final int[][] inputs;          // per layer: the nodes it reads (-1 = the network input)
    final int[][] joinSizes;       // per Concat: the values per sample of each input, else null
    final int[] inSize;
    final int[] outSize;
    final int classes;
    final Map<String, String> aliases;
    final DeviceBuffer[] weight;   // per layer: device weight (Dense, Conv2d, Affine), else null
    final DeviceBuffer[] bias;     // per layer: device bias, else null
    final List<DeviceBuffer> params = new ArrayList<>(); // trainableParameters() order
    long version;
    boolean hostStale;

    /** The plan of {@code network} (nothing on the device yet: see {@link #uploadParameters}). */
    GpuLayerPlan(Network network) {
        this.net = network.folded().copy();
        this.aliases = BackendChecks.foldedAliases(network);
        this.layers = net.layers();
        int l = layers.size();
        windows = new Window2d[l];
        grouped = new GroupedConv[l];
        inputs = new int[l][];
        joinSizes = new int[l][];
        inSize = new int[l];
        outSize = new int[l];
        weight = new DeviceBuffer[l];
        bias = new DeviceBuffer[l];
        for (int i = 0; i < l; i++) {
            inputs[i] = net.inputsOf(i);
            inSize[i] = net.inputShape(i).sizeInt();
            outSize[i] = net.outputShape(i).sizeInt();
            geometry(i);
        }
        this.classes = net.outputSize();
    }

    /** Fills the geometry of layer {@code i}; a kind without kernels is refused by name. */
    private void geometry(int i) {
        Layer layer = layers.get(i);
        Shape in = net.inputShape(i);
        if (layer instanceof Conv2d c && !c.plain()) {
            grouped[i] = GroupedConv.of(c, 1, in.dim(1), in.dim(2));
        } else if (layer instanceof Conv2d || layer instanceof MaxPool2d || layer instanceof AvgPool2d) {
            windows[i] = Window2d.of(layer, in);
        } else if (layer instanceof Concat) {
            List<Shape> shapes = net.inputShapes(i);
            joinSizes[i] = new int[shapes.size()];
            for (int k = 0; k < shapes.size(); k++) {
                joinSizes[i][k] = shapes.get(k).sizeInt();
            }
        } else if (!(layer instanceof Dense || layer instanceof Activation || layer instanceof Reshaping
                || layer instanceof GlobalAvgPool || layer instanceof Affine || layer instanceof Join)) {
            throw new IllegalArgumentException("GpuBackend cannot run layer '" + layer.name() + "' of kind " + layer.kind());
        }
    }

    /** Values per channel of layer {@code i}'s (first) input: {@code H W} for {@code [C, H, W]}, 1 for {@code [C]}. */
    int plane(int i) {
        Shape in = net.inputShape(i);
        return in.rank() == 3 ? in.dim(1) * in.dim(2) : 1;
    }

    /**
     * Uploads every Dense, Conv2d and Affine weight and bias (float32), then reads back what the device holds
     * into the host network. On failure the caller frees what was uploaded ({@link #freeParameters}).
     */
    void uploadParameters(GpuBuffers buffers) {
        int l = layers.size();
        for (int i = 0; i < l; i++) {
            Layer layer = layers.get(i);
            if (layer instanceof Dense d) {
                weight[i] = buffers.upload(d.weight().data(), "layer '" + d.name() + "' weight");
                bias[i] = buffers.upload(d.bias().data(), "layer '" + d.name() + "' bias");
            } else if (layer instanceof Conv2d c) {
                weight[i] = buffers.upload(c.weight().data(), "layer '" + c.name() + "' weight");
                bias[i] = buffers.upload(c.bias().data(), "layer '" + c.name() + "' bias");
            } else if (layer instanceof Affine a) {
                weight[i] = buffers.upload(a.weight().data(), "layer '" + a.name() + "' weight");
                bias[i] = buffers.upload(a.bias().data(), "layer '" + a.name() + "' bias");
            }
            if (weight[i] != null) {
                params.add(weight[i]);
                params.add(bias[i]);
            }
        }
        hostStale = true; // the host mirror still holds float64 values: read back what the device holds
        syncHost();
    }

    /** Records that an optimizer step changed the device parameters. */
    void parametersChanged() {
        version++;
        hostStale = true;
    }

    /** Copies the device parameters into the host network when a step has changed them. */
    void syncHost() {
        if (!hostStale) {
            return;
        }
        List<Layer.Parameter> ps = net.trainableParameters();
        for (int q = 0; q < ps.size(); q++) {
            double[] host = ps.get(q).value().data();
            System.arraycopy(GpuBuffers.download(params.get(q), host.length), 0, host, 0, host.length);
        }
        hostStale = false;
    }

    void freeParameters() {
        for (int i = 0; i < weight.length; i++) {
            GpuBuffers.closeQuietly(weight[i], null);
            GpuBuffers.closeQuietly(bias[i], null);
            weight[i] = null;
            bias[i] = null;
        }
        params.clear();
    }
}
