package org.lde.engine;

import org.lde.model.Network;
import org.lde.tensor.Tensor;

/**
 * The one seam between the engine's algorithms and the arithmetic (ARCHITECTURE.md). A backend
 * is opened for one network (weights are uploaded once) and answers batched questions about it.
 * Every method takes and returns host tensors whose first dimension is the batch {@code N};
 * {@code d} is the flattened input size and {@code C} the number of outputs. Implementations:
 * {@code engine.cpu.EjmlBackend} (float64 reference, the truth) and {@code engine.gpu.GpuBackend}
 * (float32 kernels on a {@code Device}). Inputs with NaN or Inf, or of the wrong shape, are
 * rejected with a message that names the argument and the shape.
 */
public interface Backend extends AutoCloseable {

    /** A short name for reports, e.g. {@code ejml-f64}. */
    String name();

    /** The network this backend runs (BatchNorm already folded), with the backend's current parameters. */
    Network network();

    /** Logits {@code [N, C]} for inputs {@code x: [N, inputShape...]}. */
    Tensor forward(Tensor x);

    /** A forward pass that keeps what reverse passes need; close it to free that memory. */
    Recorded forwardRecorded(Tensor x);

    /**
     * Input gradients for {@code S} seed vectors per sample, in one batched reverse pass:
     * {@code out[n, s] = J(x_n)^T seeds[n, s]}, where {@code J} is the {@code C x d} input Jacobian.
     * A whole Jacobian is {@code seeds = Seeds.identity(N, C)}; a margin gradient is one seed
     * {@code e_a - e_b}.
     *
     * @param seeds {@code [N, S, C]}
     * @return {@code [N, S, inputShape...]}
     */
    Tensor reverse(Recorded recorded, Tensor seeds);

    /** The output of the named layer during the recorded pass: {@code [N, layerShape...]}. */
    Tensor layerOutput(Recorded recorded, String layer);

    /**
     * Gradient of {@code seeds[n, s] . logits[n]} with respect to the output of the named layer.
     *
     * @param seeds {@code [N, S, C]}
     * @return {@code [N, S, layerShape...]}
     */
    Tensor layerGradient(Recorded recorded, String layer, Tensor seeds);

    /**
     * Gradients of {@code sum_n outputGrad[n] . logits[n]} with respect to every trainable
     * parameter, in the order of {@link Network#trainableParameters()}.
     *
     * @param outputGrad {@code [N, C]}
     */
    ParameterGradients parameterGradients(Recorded recorded, Tensor outputGrad);

    /**
     * Mean loss over the batch and its gradient with respect to the logits.
     *
     * @param targets {@code [N]} class indices (as doubles) for cross-entropy, {@code [N, C]} for MSE
     */
    LossValue loss(Tensor logits, Tensor targets, Loss loss);

    /** Creates optimizer state (momentum, Adam moments) for this backend's parameters. */
    OptimizerState optimizer(OptimizerSpec spec);

    /** Applies one optimizer update to this backend's parameters in place. */
    void step(OptimizerState state, ParameterGradients gradients);

    /** A host copy of the network with the backend's current parameters. */
    Network snapshot();

    /** Frees what the backend holds; it cannot be used afterwards. */
    @Override
    void close();
}
