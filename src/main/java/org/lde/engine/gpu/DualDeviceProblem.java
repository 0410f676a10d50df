package org.lde.engine.gpu;

import java.util.Objects;

import org.lde.device.DeviceBuffer;

/**
 * A batch of L2 dual problems whose data already lie in device memory (float32), as the kernel
 * {@code dual_ascent_box} reads them: row {@code k} of problem {@code b} starts at element
 * {@code b * aBatchStride + k * aRowStride} of {@code a} ({@code d} contiguous floats; so {@code a} may
 * be the {@code [N, S, d]} output of a batched reverse pass), {@code r [B, K]} packed, the box of
 * problem {@code b} at element {@code (b / boxGroup) * boxStride} of {@code lower} and {@code upper}
 * ({@code boxGroup} consecutive problems share one box), and {@code eta [B]} the steps (an entry
 * {@code <= 0} makes the kernel use {@code 1/||A_b||_F^2}). The buffers are not owned.
 */
public record DualDeviceProblem(int batch, int constraints, int dim, DeviceBuffer a, long aBatchStride, long aRowStride,
                                DeviceBuffer r, DeviceBuffer lower, DeviceBuffer upper, long boxStride, int boxGroup,
                                DeviceBuffer eta) {

    public DualDeviceProblem {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(r, "r");
        Objects.requireNonNull(lower, "lower");
        Objects.requireNonNull(upper, "upper");
        Objects.requireNonNull(eta, "eta");
        if (batch < 1 || constraints < 1 || dim < 1) {
            throw new IllegalArgumentException("need B, K, d >= 1, got B=" + batch + ", K=" + constraints + ", d=" + dim);
        }
        if (aRowStride < dim || aBatchStride < 0 || (batch > 1 && aBatchStride < (constraints - 1) * aRowStride + dim)) {
            throw new IllegalArgumentException("rows of A overlap: aRowStride " + aRowStride + " < d = " + dim
                    + " or aBatchStride " + aBatchStride + " < (K - 1) * aRowStride + d");
        }
        if (boxGroup < 1 || boxStride < 0 || (batch > boxGroup && boxStride < dim)) {
            throw new IllegalArgumentException("box layout: boxGroup " + boxGroup + " must be >= 1 and boxStride "
                    + boxStride + " >= d = " + dim + " when there is more than one box");
        }
        need("a", a, (long) (batch - 1) * aBatchStride + (long) (constraints - 1) * aRowStride + dim);
        need("r", r, (long) batch * constraints);
        long boxes = (batch - 1) / boxGroup;
        need("lower", lower, boxes * boxStride + dim);
        need("upper", upper, boxes * boxStride + dim);
        need("eta", eta, batch);
    }

    private static void need(String what, DeviceBuffer b, long floats) {
        if (b.bytes() < 4 * floats) {
            throw new IllegalArgumentException(what + ": buffer of " + b.bytes() + " bytes is smaller than the "
                    + floats + " floats the layout reads");
        }
    }

    /** Packed layout: {@code A [B, K, d]}, one box {@code [B, d]} per problem. */
    public static DualDeviceProblem packed(int batch, int constraints, int dim, DeviceBuffer a, DeviceBuffer r,
                                           DeviceBuffer lower, DeviceBuffer upper, DeviceBuffer eta) {
        return new DualDeviceProblem(batch, constraints, dim, a, (long) constraints * dim, dim, r, lower, upper, dim, 1,
                eta);
    }
}
