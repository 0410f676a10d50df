package org.lde.engine.fast;

import java.util.Arrays;
import org.lde.model.Conv2d;

/**
 * The direct convolution kernels of the fast backend in float32 (float64 in the generated
 * {@code FastConvF64}): forward, data gradient and parameter gradients of a grouped, dilated, strided
 * convolution without im2col, one output channel, input channel or gradient row per call (the caller
 * runs calls on different threads; every call writes only its own values, sums in a fixed order, so
 * results do not depend on the thread count). The math is {@code NodeOps.convForward} and its
 * adjoints (the float64 reference); the loops follow {@link DirectConv}'s phase layout, so that every
 * inner loop is a unit-stride {@code y[j] += w x[j]} over one output row that the JIT vectorizes and
 * that keeps the row in L1: per output row, the {@code C/groups kH kW} taps each add one shifted input
 * row. No column matrix is written; for thin convolutions (few input channels, small kernels) this
 * reads each input value {@code kH kW} times from cache instead of writing and reading
 * {@code kH kW} copies of it through memory.
 *
 * <p>Generated source: {@code FastConvF64} is written from this file by
 * {@code src/scripts/generate-fast-f64.sh}; edit this file and rerun the script.
 */
final class FastConvF32 {
    private FastConvF32() {
    }

    /** Channel {@code c} of the image at {@code xOff} into its phase plane at {@code xpOff} (see {@link DirectConv}). */
    static void toPhases(DirectConv d, float[] x, int xOff, float[] xp, int xpOff, int c) {
        int h = d.h(), w = d.w(), sw = d.conv().strideW(), wq = d.wq();
        int src = xOff + c * h * w;
        int dst = xpOff + c * d.phasePlane();
        for (int r = 0; r < h; r++, src += w) {
            for (int q = 0; q < sw; q++, dst += wq) {
                int t = 0;
                for (int col = q; col < w; col += sw, t++) {
                    xp[dst + t] = x[src + col];
                }
                for (; t < wq; t++) {
                    xp[dst + t] = 0;
                }
            }
        }
    }

    /** The phase plane of channel {@code c} at {@code xpOff} back to the image at {@code xOff} (the adjoint's last step). */
    static void fromPhases(DirectConv d, float[] xp, int xpOff, float[] x, int xOff, int c) {
        int h = d.h(), w = d.w(), sw = d.conv().strideW(), wq = d.wq();
        int dst = xOff + c * h * w;
        int src = xpOff + c * d.phasePlane();
        for (int r = 0; r < h; r++, dst += w) {
            for (int q = 0; q < sw; q++, src += wq) {
                int t = 0;
                for (int col = q; col < w; col += sw, t++) {
                    x[dst + col] = xp[src + t];
                }
            }
        }
    }

    /**
     * Output channel {@code o} of one image: {@code y[o] = b[o] + sum_{c, u, v} W[o, c, u, v] x[...]} from the
     * image's phase layout at {@code xpOff}, into the image at {@code yOff} (overwritten).
     */
    static void forward(DirectConv d, float[] wt, float[] b, float[] xp, int xpOff, float[] y, int yOff, int o) {
        Conv2d c = d.conv();
        int cin = c.groupInChannels(), kh = c.kernelH(), kw = c.kernelW(), sh = c.strideH(), ph = c.padH(), dh = c.dilationH();
        int oh = d.outH(), ow = d.outW(), h = d.h(), wq = d.wq(), rowStride = c.strideW() * wq, plane = d.phasePlane();
        int first = (o / c.groupOutChannels()) * cin;
        int[] q = d.q(), base = d.base(), jl = d.jl(), jh = d.jh();
        int out = yOff + o * oh * ow;
        Arrays.fill(y, out, out + oh * ow, b[o]);
        for (int i = 0; i < oh; i++) {
            int yr = out + i * ow;
            for (int ci = 0; ci < cin; ci++) {
                int xc = xpOff + (first + ci) * plane;
                int wo = (o * cin + ci) * kh * kw;
                for (int u = 0; u < kh; u++) {
                    int r = i * sh - ph + u * dh;
                    if (r < 0 || r >= h) {
                        continue;
                    }
                    int xr = xc + r * rowStride;
                    for (int v = 0; v < kw; v++) {
                        float wv = wt[wo + u * kw + v];
                        int src = xr + q[v] * wq + base[v];
                        for (int j = jl[v], e = jh[v]; j < e; j++) {
                            y[yr + j] += wv * xp[src + j];
                        }
                    }
                }
            }
        }
    }

    /**
     * The data gradient for input channel {@code c} of one gradient row: {@code dx[c] = sum_{o, u, v} W[o, c, u, v] dy[o]}
     * shifted back, into the phase plane of {@code c} in the phase layout at {@code dxpOff} (overwritten),
     * from the row {@code dy} at {@code dyOff}.
     */
    static void backwardData(DirectConv d, float[] wt, float[] dy, int dyOff, float[] dxp, int dxpOff, int c) {
        Conv2d cv = d.conv();
        int cin = cv.groupInChannels(), cpg = cv.groupOutChannels(), kh = cv.kernelH(), kw = cv.kernelW();
        int sh = cv.strideH(), ph = cv.padH(), dh = cv.dilationH();
        int oh = d.outH(), ow = d.outW(), h = d.h(), wq = d.wq(), rowStride = cv.strideW() * wq, plane = d.phasePlane();
        int g = c / cin, ci = c % cin;
        int[] q = d.q(), base = d.base(), jl = d.jl(), jh = d.jh();
        int dst = dxpOff + c * plane;
        Arrays.fill(dxp, dst, dst + plane, 0);
        for (int o = g * cpg; o < (g + 1) * cpg; o++) {
            int wo = (o * cin + ci) * kh * kw;
            int dyo = dyOff + o * oh * ow;
            for (int i = 0; i < oh; i++) {
                int yr = dyo + i * ow;
                for (int u = 0; u < kh; u++) {
                    int r = i * sh - ph + u * dh;
                    if (r < 0 || r >= h) {
                        continue;
                    }
                    int xr = dst + r * rowStride;
                    for (int v = 0; v < kw; v++) {
                        float wv = wt[wo + u * kw + v];
                        int at = xr + q[v] * wq + base[v];
                        for (int j = jl[v], e = jh[v]; j < e; j++) {
                            dxp[at + j] += wv * dy[yr + j];
                        }
                    }
                }
            }
        }
    }

    /**
     * Adds the parameter gradients of output channel {@code o} for one image to {@code dw} (its slice
     * {@code [o, C/groups, kH, kW]}) and {@code db[o]}: {@code sum dy[o] x[...]} per tap and {@code sum dy[o]},
     * from the image's phase layout at {@code xpOff} and its gradient row at {@code dyOff}.
     */
    static void parameterGradients(DirectConv d, float[] xp, int xpOff, float[] dy, int dyOff, int o, double[] dw, double[] db) {
        Conv2d c = d.conv();
        int cin = c.groupInChannels(), kh = c.kernelH(), kw = c.kernelW(), sh = c.strideH(), ph = c.padH(), dh = c.dilationH();
        int oh = d.outH(), ow = d.outW(), h = d.h(), wq = d.wq(), rowStride = c.strideW() * wq, plane = d.phasePlane();
        int first = (o / c.groupOutChannels()) * cin;
        int[] q = d.q(), base = d.base(), jl = d.jl(), jh = d.jh();
        int dyo = dyOff + o * oh * ow;
        double bsum = 0;
        for (int k = dyo; k < dyo + oh * ow; k++) {
            bsum += dy[k];
        }
        db[o] += bsum;
        for (int ci = 0; ci < cin; ci++) {
            int xc = xpOff + (first + ci) * plane;
            int wo = (o * cin + ci) * kh * kw;
            for (int u = 0; u < kh; u++) {
                for (int v = 0; v < kw; v++) {
                    double acc = 0;
                    for (int i = 0; i < oh; i++) {
                        int r = i * sh - ph + u * dh;
                        if (r < 0 || r >= h) {
                            continue;
                        }
                        int src = xc + r * rowStride + q[v] * wq + base[v];
                        int yr = dyo + i * ow;
                        float part = 0;
                        for (int j = jl[v], e = jh[v]; j < e; j++) {
                            part += dy[yr + j] * xp[src + j];
                        }
                        acc += part;
                    }
                    dw[wo + u * kw + v] += acc;
                }
            }
        }
    }
}
