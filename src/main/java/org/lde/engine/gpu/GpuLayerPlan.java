package org.lde.engine.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lde.device.DeviceBuffer;
import org.lde.engine.BackendChecks;
import org.lde.engine.Window2d;
import org.lde.model.Conv2d;
import org.lde.model.Dense;
import org.lde.model.Layer;
import org.lde.model.Network;

/**
 * {@link GpuBackend}'s layer plan and parameters: the folded network (BatchNorm folded into the
 * convolution before it), each layer's window geometry and input/output sizes, the float32 device copies
 * of the weights and biases, and the parameter version that recorded passes are tied to.
 */
final class GpuLayerPlan {
    final Network net;
    final List<Layer> layers;
    final Window2d[] windows;
    final int[] inSize;
    final int[] outSize;
    final int classes;
    final Map<String, String> aliases;
    final DeviceBuffer[] weight;   // per layer: device weight (Dense, Conv2d), else null
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
    }

    /**
     * Uploads every Dense and Conv2d weight and bias (float32), then reads back what the device holds
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
