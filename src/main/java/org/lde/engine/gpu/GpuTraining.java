package org.lde.engine.gpu;

import static org.lde.engine.gpu.GpuBuffers.closeQuietly;
import static org.lde.engine.gpu.GpuBuffers.download;

import java.util.ArrayList;
import java.util.List;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.engine.Loss;
import org.lde.engine.LossValue;
import org.lde.engine.OptimizerSpec;
import org.lde.engine.ParameterGradients;
import org.lde.model.Layer;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * {@link GpuBackend}'s training on the device: parameter gradients (one reverse walk over the graph,
 * {@link GpuPasses#backward}, with each trainable layer's gradients taken on the way:
 * {@link GpuLayerOps#parameterGradients}), the losses
 * ({@code cross_entropy_forward_backward}, {@code mse_forward_backward}) and the optimizer updates
 * ({@code sgd_step}, {@code adam_step}) of the device parameters in place. The caller has checked its
 * arguments.
 */
final class GpuTraining {
    private final Device device;
    private final GpuKernels k;
    private final GpuLayerOps ops;
    private final GpuLayerPlan plan;
    private final GpuBuffers buffers;
    private final GpuPasses passes;

    GpuTraining(Device device, GpuKernels k, GpuLayerOps ops, GpuLayerPlan plan, GpuBuffers buffers, GpuPasses passes) {
        this.device = device;
        this.k = k;
        this.ops = ops;
        this.plan = plan;
        this.buffers = buffers;
        this.passes = passes;
    }

    /** The parameter gradients of {@code sum_n outputGrad[n] . logits[n]} for the checked pass, downloaded. */
    ParameterGradients parameterGradients(GpuBackend.Pass pass, Tensor outputGrad) {
        List<DeviceBuffer> grads = deviceGradients(pass, buffers.upload(outputGrad));
        Throwable failure = null;
        try {
            List<Layer.Parameter> ps = plan.net.trainableParameters();
            List<Tensor> out = new ArrayList<>();
            for (int q = 0; q < ps.size(); q++) {
                Tensor p = ps.get(q).value();
                out.add(new Tensor(p.shape(), download(grads.get(q), p.size())));
            }
            return new ParameterGradients(out);
        } catch (RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            grads.forEach(b -> closeQuietly(b, null));
            buffers.settle(failure);
        }
    }

    /**
     * Gradients of {@code sum_n dy[n] . logits[n]} w.r.t. every trainable parameter, on the device, in
     * {@code trainableParameters()} order (the caller closes them). {@code dy: [N, C]} is taken over
     * (freed here).
     */
    List<DeviceBuffer> deviceGradients(GpuBackend.Pass pass, DeviceBuffer dy) {
        List<Layer> layers = plan.layers;
        int l = layers.size();
        int lowest = l;
        for (int i = 0; i < l; i++) {
            if (layers.get(i).trainable()) {
                lowest = i;
                break;
            }
        }
        DeviceBuffer[] dw = new DeviceBuffer[l];
        DeviceBuffer[] db = new DeviceBuffer[l];
        boolean ok = false;
        try {
            if (lowest < l) {
                GpuPasses.LayerHook hook = (i, g) -> parameterGradients(i, pass, g, dw, db);
                DeviceBuffer seeds = dy;
                dy = null;                                                  // backward() takes it over
                dy = passes.backward(pass, seeds, 1, lowest, hook);
                DeviceBuffer g = dy;
                hook.at(lowest, g);
            }
            List<DeviceBuffer> out = new ArrayList<>();
            for (int i = 0; i < l; i++) {
                if (dw[i] != null) {
                    out.add(dw[i]);
                    out.add(db[i]);
                }
            }
            ok = true;
            return out;
        } finally {
            if (dy != null) {
                buffers.retire(dy);
            }
            if (!ok) {
                for (int i = 0; i < l; i++) {
                    closeQuietly(dw[i], null);
                    closeQuietly(db[i], null);
                }
            }
        }
    }

    /** Allocates and launches the parameter gradients of layer {@code i} (when trainable) from its output gradient {@code dy}. */
    private void parameterGradients(int i, GpuBackend.Pass pass, DeviceBuffer dy, DeviceBuffer[] dw, DeviceBuffer[] db) {
        Layer layer = plan.layers.get(i);
        if (!layer.trainable()) {
            return;
        }
        List<Layer.Parameter> ps = layer.parameters();
        dw[i] = buffers.alloc(ps.get(0).value().size());
        db[i] = buffers.alloc(ps.get(1).value().size());
        ops.parameterGradients(i, pass, dy, dw[i], db[i]);
    }

    /** The loss of the host logits {@code [n, C]} against the checked targets {@code t}. */
    LossValue loss(Tensor logits, int n, Object t, Loss loss) {
        try (DeviceBuffer z = buffers.upload(logits)) {
            return deviceLoss(z, n, t, loss, null);
        }
    }

    /**
     * The loss of the logits {@code z: [n, C]} on the device; the gradient w.r.t. the logits is
     * downloaded into the result and, when {@code gradOut} is not null, also left in
     * {@code gradOut[0]} (a device buffer the caller then owns).
     */
    LossValue deviceLoss(DeviceBuffer z, int n, Object targets, Loss loss, DeviceBuffer[] gradOut) {
        int classes = plan.classes;
        Shape ls = Shape.of(n, classes);
        DeviceBuffer grad = buffers.alloc((long) n * classes);
        try {
            LossValue v;
            if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
                try (DeviceBuffer dy = buffers.uploadInts((int[]) targets); DeviceBuffer per = buffers.alloc(n);
                     DeviceBuffer correct = buffers.alloc(n)) {
                    k.crossEntropy(z, dy, per, grad, correct, n, classes, (float) (1.0 / n));
                    double[] losses = download(per, n);
                    int[] ok = new int[n];
                    correct.read(ok);
                    double sum = 0;
                    int right = 0;
                    for (int r = 0; r < n; r++) {
                        sum += losses[r];
                        right += ok[r];
                    }
                    v = new LossValue(sum / n, new Tensor(ls, download(grad, n * classes)), right);
                }
            } else {
                try (DeviceBuffer tt = buffers.upload((Tensor) targets); DeviceBuffer per = buffers.alloc(n)) {
                    k.mse(z, tt, per, grad, n, classes, (float) (1.0 / ((double) n * classes)));
                    double[] losses = download(per, n);
                    double sum = 0;
                    for (double x : losses) {
                        sum += x;
                    }
                    v = new LossValue(sum / n, new Tensor(ls, download(grad, n * classes)), 0);
                }
            }
            if (gradOut != null) {
                gradOut[0] = grad;
                grad = null;
            }
            return v;
        } finally {
            closeQuietly(grad, null);
        }
    }

    /** Uploads the checked host gradients (float32) and applies one update with them; frees them. */
    void step(GpuBackend.Optim opt, List<Tensor> grads) {
        List<DeviceBuffer> g = new ArrayList<>();
        try {
            for (Tensor grad : grads) {
                g.add(buffers.upload(grad));
            }
            update(opt, g);
        } finally {
            g.forEach(b -> closeQuietly(b, null));
        }
    }

    /** Applies one update with the device gradients {@code grads} (trainableParameters() order); waits for it. */
    void update(GpuBackend.Optim opt, List<DeviceBuffer> grads) {
        List<Layer.Parameter> ps = plan.net.trainableParameters();
        List<DeviceBuffer> params = plan.params;
        OptimizerSpec spec = opt.spec;
        long t = opt.steps + 1;
        for (int q = 0; q < ps.size(); q++) {
            int size = ps.get(q).value().size();
            if (spec.kind() == OptimizerSpec.Kind.SGD) {
                DeviceBuffer buf = opt.first[q] != null ? opt.first[q] : params.get(q);
                k.sgdStep(params.get(q), grads.get(q), buf, size, (float) spec.learningRate(), (float) spec.momentum(),
                        (float) spec.weightDecay(), t == 1);
            } else {
                k.adamStep(params.get(q), grads.get(q), opt.first[q], opt.second[q], size, t, spec.learningRate(),
                        spec.beta1(), spec.beta2(), spec.epsilon(), spec.weightDecay());
            }
        }
        device.synchronize(); // the gradients may be freed next
        opt.steps = t;
        plan.parametersChanged();
    }
}
