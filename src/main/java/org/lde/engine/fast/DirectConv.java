package org.lde.engine.fast;

import org.lde.model.Conv2d;
import org.lde.tensor.Shape;

/**
 * The geometry of a direct (not im2col) convolution of one {@code [C, H, W]} image by {@code conv}
 * (groups, dilation, stride, zero padding) into {@code [O, OH, OW]}, and the column-phase layout that
 * makes every inner loop of the direct kernels ({@code FastConvF32}/{@code F64}) a unit-stride
 * {@code y[j] += w x[j]} that the JIT vectorizes, also for column stride {@code sw > 1}.
 *
 * <p><b>Phases.</b> Input row {@code r} of channel {@code c} is stored as {@code sw} phase rows of
 * {@code wq = ceil(W / sw)} values, {@code xp[c][r][q][t] = x[c][r][t sw + q]} (zero past {@code W}).
 * Output column {@code j} reads input column {@code j sw + off(v)} with {@code off(v) = v dw - pw}; writing
 * {@code off(v) = base(v) sw + q(v)} ({@code 0 <= q < sw}) it is phase {@code q(v)}, position {@code j + base(v)}:
 * a contiguous run in {@code j}. The valid outputs of kernel column {@code v} are {@code [jl(v), jh(v))}
 * (the input column inside {@code [0, W)}). For {@code sw = 1} the phase layout is the image itself.
 */
record DirectConv(Conv2d conv, int channels, int h, int w, int outH, int outW, int wq, int[] q, int[] base, int[] jl, int[] jh) {

    static DirectConv of(Conv2d c, Shape in, Shape out) {
        int sw = c.strideW(), kw = c.kernelW();
        int w = in.dim(2), ow = out.dim(2);
        int[] q = new int[kw];
        int[] base = new int[kw];
        int[] jl = new int[kw];
        int[] jh = new int[kw];
        for (int v = 0; v < kw; v++) {
            int off = v * c.dilationW() - c.padW();
            q[v] = Math.floorMod(off, sw);
            base[v] = Math.floorDiv(off, sw);
            jl[v] = FastOpsF32.lo(sw, c.padW(), v * c.dilationW());
            jh[v] = Math.max(jl[v], FastOpsF32.hi(ow, w, sw, c.padW(), v * c.dilationW()));
        }
        return new DirectConv(c, in.dim(0), in.dim(1), w, out.dim(1), ow, (w + sw - 1) / sw, q, base, jl, jh);
    }

    /** Values of one image in the phase layout: {@code C H sw wq}. */
    int phaseSize() {
        return channels * h * conv.strideW() * wq;
    }

    /** Values of one input channel plane in the phase layout: {@code H sw wq}. */
    int phasePlane() {
        return h * conv.strideW() * wq;
    }

    /** Values of one input image, {@code C H W}. */
    int inSize() {
        return channels * h * w;
    }

    /** Values of one output image, {@code O OH OW}. */
    int outSize() {
        return conv.outChannels() * outH * outW;
    }

    /**
     * Whether the direct kernels should run this convolution: always for a grouped or dilated one (the
     * im2col path covers plain ones only), and for a plain one whose patch {@code C kH kW} has at most
     * {@code maxPatch} values (thin convolutions, where im2col's copy costs more than its GEMM saves).
     */
    boolean preferred(int maxPatch) {
        return !conv.plain() || (long) channels * conv.kernelH() * conv.kernelW() <= maxPatch;
    }
}
