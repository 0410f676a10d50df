package org.lde.engine.dual;

import java.util.List;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/** The solutions of a batch of {@code B} problems, in problem order. */
public record DualSolutions(List<DualSolution> items) {

    public DualSolutions {
        items = List.copyOf(items);
        if (items.isEmpty()) {
            throw new IllegalArgumentException("DualSolutions: empty batch");
        }
    }

    public int size() {
        return items.size();
    }

    public DualSolution get(int b) {
        return items.get(b);
    }

    /** All {@code t} stacked: {@code [B, d]}. */
    public Tensor t() {
        int d = items.get(0).t().length;
        double[] out = new double[items.size() * d];
        for (int b = 0; b < items.size(); b++) {
            System.arraycopy(items.get(b).t(), 0, out, b * d, d);
        }
        return new Tensor(Shape.of(items.size(), d), out);
    }

    /** All {@code lambda} stacked: {@code [B, K]}. */
    public Tensor lambda() {
        int k = items.get(0).lambda().length;
        double[] out = new double[items.size() * k];
        for (int b = 0; b < items.size(); b++) {
            System.arraycopy(items.get(b).lambda(), 0, out, b * k, k);
        }
        return new Tensor(Shape.of(items.size(), k), out);
    }

    /** All {@code nu} stacked: {@code [B, d]}. */
    public Tensor nu() {
        int d = items.get(0).nu().length;
        double[] out = new double[items.size() * d];
        for (int b = 0; b < items.size(); b++) {
            System.arraycopy(items.get(b).nu(), 0, out, b * d, d);
        }
        return new Tensor(Shape.of(items.size(), d), out);
    }

    /** The dual values {@code [B]} (certified lower bounds on each optimum). */
    public Tensor dualValues() {
        return scalars(DualSolution::dualValue);
    }

    /** The primal values {@code [B]} ({@code +Infinity} where no feasible point is known). */
    public Tensor primalValues() {
        return scalars(DualSolution::primalValue);
    }

    /** The relative gaps {@code [B]}. */
    public Tensor relativeGaps() {
        return scalars(DualSolution::relativeGap);
    }

    private Tensor scalars(java.util.function.ToDoubleFunction<DualSolution> f) {
        double[] out = new double[items.size()];
        for (int b = 0; b < out.length; b++) {
            out[b] = f.applyAsDouble(items.get(b));
        }
        return new Tensor(Shape.of(out.length), out);
    }

    /** True when every problem of the batch is {@link DualStatus#SOLVED}. */
    public boolean allSolved() {
        return items.stream().allMatch(DualSolution::solved);
    }
}
