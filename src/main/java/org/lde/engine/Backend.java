package org.lde.engine;

import java.util.List;
import java.util.stream.IntStream;
import org.lde.engine.bound.BoundReference;
import org.lde.engine.bound.LinearRows;
import org.lde.engine.bound.NodeBounds;
import org.lde.engine.bound.Norm;
import org.lde.engine.bound.Slopes;
import org.lde.engine.dual.DualLinearization;
import org.lde.engine.dual.DualProblem;
import org.lde.engine.dual.DualSolutions;
import org.lde.engine.dual.DualSolverOptions;
import org.lde.engine.dual.LinearizedDual;
import org.lde.engine.dual.ReferenceDualSolver;
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

    /**
     * Whether {@link #forward} computes in float64 (the EJML reference). A float32 backend's answer near a
     * decision boundary can differ from the network's float64 one: callers that certify something about
     * the network (a verified adversarial point, METHOD.md section 4) re-check it in float64 when this is
     * false. Default false (the safe answer).
     */
    default boolean float64() {
        return false;
    }

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

    /**
     * Solver options this backend's dual solver can meet: {@link DualSolverOptions#defaults()} (gap
     * {@code 1e-12}) for a float64 backend; the float32 kernel solver's looser ones on a device.
     */
    default DualSolverOptions dualDefaults() {
        return DualSolverOptions.defaults();
    }

    /**
     * The batched dual of METHOD.md section 3 ({@code solveDual} of ARCHITECTURE.md), warm-started from
     * {@code lambda0 [B, K]} (zeros for a cold start). The default is the float64
     * {@link ReferenceDualSolver}; a device backend solves L2 problems with its kernel.
     */
    default DualSolutions solveDual(DualProblem problem, Tensor lambda0, DualSolverOptions options) {
        return new ReferenceDualSolver(options).solve(problem, lambda0);
    }

    /**
     * One linearized step of METHOD.md section 6 in a single call: the batched reverse pass with
     * {@code seeds [N, R, C]} at the recorded points, the constraint rows {@code a = D g} and
     * right-hand sides {@code r = kappa - m + a^T t} that {@code lin} describes, and the batched dual
     * solve of the problems they form, with {@code lin}'s options or {@link #dualDefaults()}. A device
     * backend keeps the gradients and rows on the device from the reverse pass to the solver and copies
     * back only the rows and the solver's outputs (for the float64 certificates). The default runs
     * {@link #reverse} and {@link DualLinearization#solveOnHost} with {@link #solveDual}.
     *
     * @throws IllegalArgumentException when {@code seeds} or {@code lin} do not match the recorded batch
     */
    default LinearizedDual solveLinearized(Recorded recorded, Tensor seeds, DualLinearization lin) {
        BackendChecks.checkLinearization(lin, recorded.batch(), seeds, network().inputSize());
        Tensor g = reverse(recorded, seeds);
        DualSolverOptions o = lin.options().orElse(dualDefaults());
        return lin.solveOnHost(g, (p, lambda0) -> solveDual(p, lambda0, o));
    }

    /**
     * Interval bound propagation (IBP, METHOD.md section 7): the bounds of every node of the network
     * for each input box {@code [lower[n], upper[n]]}. The default is the float64
     * {@link BoundReference#intervals}, run on the host for each box (in parallel).
     *
     * @param lower {@code [M, inputShape...]}
     * @param upper {@code [M, inputShape...]}, elementwise {@code >= lower}
     * @return one {@link NodeBounds} per box, every node bounded
     * @throws IllegalArgumentException when the shapes differ from the network's input or a lower
     *     bound exceeds its upper bound
     */
    default List<NodeBounds> intervals(Tensor lower, Tensor upper) {
        Network net = network();
        int d = net.inputSize();
        int m = BoundReference.checkBoxes(net, lower, upper);
        NodeBounds[] out = new NodeBounds[m];
        IntStream.range(0, m).parallel().forEach(i -> out[i] = BoundReference.intervals(net,
                java.util.Arrays.copyOfRange(lower.data(), i * d, (i + 1) * d),
                java.util.Arrays.copyOfRange(upper.data(), i * d, (i + 1) * d)));
        return List.of(out);
    }

    /**
     * The backward linear-bound pass of METHOD.md section 7 (CROWN's "dual network"): for each input
     * set {@code i}, the rows {@code rows[i]} (linear functions of node {@code startNode}) carried back to
     * the input through the network's transposed layers and the activation/MaxPool relaxations that
     * {@code bounds[i]} and {@code slopes[i]} define. The result {@code (a_0, c_0)} satisfies
     * {@code rows(z(x')) >= a_0 . x' + c_0} wherever the node bounds hold; concretizing it over the
     * input set is the caller's (float64, on the host). The default runs the float64
     * {@link BoundReference#backward} on the host, the sets in parallel.
     *
     * @param slopes one entry per set ({@link Slopes#ADAPTIVE} for CROWN's adaptive lower slopes)
     */
    default List<LinearRows> boundBackward(List<NodeBounds> bounds, int startNode, List<LinearRows> rows, List<Slopes> slopes) {
        if (bounds.size() != rows.size() || bounds.size() != slopes.size()) {
            throw new IllegalArgumentException("boundBackward: " + bounds.size() + " bounds, " + rows.size() + " row sets and "
                    + slopes.size() + " slope sets must match");
        }
        Network net = network();
        LinearRows[] out = new LinearRows[rows.size()];
        IntStream.range(0, rows.size()).parallel().forEach(i ->
                out[i] = BoundReference.backward(net, bounds.get(i), startNode, rows.get(i), slopes.get(i), null));
        return List.of(out);
    }

    /**
     * The lower bounds of the backward pass's rows over each input set (METHOD.md section 7):
     * {@link #boundBackward}, then {@code min_{x' in S_i} a_0 . x' + c_0} for every row of set {@code i}
     * ({@link BoundReference#concretize}, float64): {@code S_i} is the L_inf box
     * {@code [max(x_i - eps_i, lo), min(x_i + eps_i, hi)]} or the L2 ball of radius {@code eps_i} around
     * {@code x_i}. The default concretizes on the host; a device backend may keep the rows on the device.
     *
     * @param x one flattened input per set
     * @param eps one radius per set
     * @return per set, the lower bound of each of its rows
     */
    default List<double[]> boundLower(List<NodeBounds> bounds, int startNode, List<LinearRows> rows, List<Slopes> slopes,
                                      double[][] x, double[] eps, Norm norm, double lo, double hi) {
        if (x.length != rows.size() || eps.length != rows.size()) {
            throw new IllegalArgumentException("boundLower: " + x.length + " inputs and " + eps.length + " radii for "
                    + rows.size() + " row sets");
        }
        List<LinearRows> in = boundBackward(bounds, startNode, rows, slopes);
        Network net = network();
        double[][] out = new double[in.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new double[in.get(i).rows()];
            BoundReference.concretize(in.get(i), net.inputShape(), x[i], eps[i], norm, lo, hi, out[i], 0);
        }
        return List.of(out);
    }

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
