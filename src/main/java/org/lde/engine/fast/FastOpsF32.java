package org.lde.engine.fast;

import java.util.Arrays;
import org.lde.engine.Window2d;
import org.lde.model.Activation;
import org.lde.model.LeakyReLU;
import org.lde.model.ReLU;
import org.lde.model.Sigmoid;

/**
 * The array kernels of the fast backend on float32 (float64 in the generated {@code FastOpsF64}),
 * one image or one gradient row per call (the backend runs calls for different images on different
 * threads). The math is that of the float64 reference operations ({@code engine.cpu.ReferenceOps},
 * whose javadoc states it); here the loops are arranged for speed: window bounds are clipped once
 * per row instead of tested per element, and stride-1 rows of im2col are array copies.
 *
 * <p>Generated source: {@code FastOpsF64} is written from this file by
 * {@code src/scripts/generate-fast-f64.sh}; edit this file and rerun the script.
 */
final class FastOpsF32 {
    private FastOpsF32() {
    }

    /** First output index {@code j} whose input column {@code j*s - p + v} is {@code >= 0}. */
    static int lo(int s, int p, int v) {
        int num = p - v;
        return num <= 0 ? 0 : (num + s - 1) / s;
    }

    /** One past the last output index {@code j < out} whose input column {@code j*s - p + v} is {@code < w}. */
    static int hi(int out, int w, int s, int p, int v) {
        int num = w - 1 + p - v;
        return num < 0 ? 0 : Math.min(out, num / s + 1);
    }

    /**
     * im2col of one image: {@code cols[(c*kH + u)*kW + v][colOffset + i*outW + j] = x[c, i*sH - pH + u, j*sW - pW + v]},
     * zero where that cell is padding, for the one input channel {@code c}. Overwrites this image's
     * columns of that channel's rows of {@code cols} (leading dimension {@code ld}).
     */
    static void im2col(Window2d g, float[] x, int xOffset, int colOffset, int ld, float[] cols, int c) {
        int oh = g.outH(), ow = g.outW(), h = g.inH(), w = g.inW();
        int sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW();
        int row = c * g.kernelH() * g.kernelW();
        int plane = xOffset + c * h * w;
        boolean flat = sh == 1 && sw == 1 && ow == w;
        for (int u = 0; u < g.kernelH(); u++) {
            for (int v = 0; v < g.kernelW(); v++, row++) {
                int base = row * ld + colOffset;
                int jl = lo(sw, pw, v), jh = hi(ow, w, sw, pw, v);
                if (flat) { // one copy per tap: output (i, j) reads x at a fixed offset from i ow + j
                    int il = Math.max(0, ph - u), ih = Math.min(oh, h + ph - u);
                    if (il >= ih || jl >= jh) {
                        Arrays.fill(cols, base, base + oh * ow, 0);
                        continue;
                    }
                    int from = il * ow + jl, to = (ih - 1) * ow + jh;
                    System.arraycopy(x, plane + from + (u - ph) * w + (v - pw), cols, base + from, to - from);
                    Arrays.fill(cols, base, base + from, 0);
                    Arrays.fill(cols, base + to, base + oh * ow, 0);
                    for (int i = il; i < ih; i++) { // the cells whose column is padding (the copy wrapped to a neighbouring row)
                        Arrays.fill(cols, base + i * ow, base + i * ow + jl, 0);
                        Arrays.fill(cols, base + i * ow + jh, base + (i + 1) * ow, 0);
                    }
                    continue;
                }
                for (int i = 0; i < oh; i++) {
                    int r = i * sh - ph + u;
                    int dst = base + i * ow;
                    if (r < 0 || r >= h || jl >= jh) {
                        Arrays.fill(cols, dst, dst + ow, 0);
                        continue;
                    }
                    int src = plane + r * w - pw + v;
                    if (jl > 0) {
                        Arrays.fill(cols, dst, dst + jl, 0);
                    }
                    if (sw == 1) {
                        System.arraycopy(x, src + jl, cols, dst + jl, jh - jl);
                    } else {
                        for (int j = jl; j < jh; j++) {
                            cols[dst + j] = x[src + j * sw];
                        }
                    }
                    if (jh < ow) {
                        Arrays.fill(cols, dst + jh, dst + ow, 0);
                    }
                }
            }
        }
    }

    /**
     * The adjoint of {@link #im2col}: {@code dx[c, i*sH - pH + u, j*sW - pW + v] += cols[(c*kH + u)*kW + v][colOffset + i*outW + j]}
     * (padding entries dropped), for the one input channel {@code c}. That channel's plane of {@code dx}
     * (the image at {@code dxOffset}) is ACCUMULATED into.
     */
    static void col2imAdd(Window2d g, float[] cols, int colOffset, int ld, float[] dx, int dxOffset, int c) {
        int oh = g.outH(), ow = g.outW(), h = g.inH(), w = g.inW();
        int sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW();
        int row = c * g.kernelH() * g.kernelW();
        int plane = dxOffset + c * h * w;
        for (int u = 0; u < g.kernelH(); u++) {
            for (int v = 0; v < g.kernelW(); v++, row++) {
                int base = row * ld + colOffset;
                int jl = lo(sw, pw, v), jh = hi(ow, w, sw, pw, v);
                for (int i = 0; i < oh; i++) {
                    int r = i * sh - ph + u;
                    if (r < 0 || r >= h) {
                        continue;
                    }
                    int src = base + i * ow;
                    int dst = plane + r * w - pw + v;
                    if (sw == 1) {
                        for (int j = jl; j < jh; j++) {
                            dx[dst + j] += cols[src + j];
                        }
                    } else {
                        for (int j = jl; j < jh; j++) {
                            dx[dst + j * sw] += cols[src + j];
                        }
                    }
                }
            }
        }
    }

    /**
     * {@link #col2imAdd} for columns in scratch memory, which it may change: where the convolution has stride 1
     * and keeps the width ({@code outW = inW}, "same" padding, as the sample CNN's), each tap is ONE loop
     * {@code dx[t + off] += cols[t]} over the rows it touches instead of one short loop per output row (14 to
     * 28 values here, where loop overhead dominated: JFR, 30% of the sample CNN's Jacobian was col2im). The
     * flat loop also runs over the cells whose column is padding, which wrap to a neighbouring input row; they
     * are set to 0 in {@code cols} first, so that they add nothing. Otherwise it is {@link #col2imAdd}.
     */
    static void col2imAddScratch(Window2d g, float[] cols, int colOffset, int ld, float[] dx, int dxOffset, int c) {
        int oh = g.outH(), ow = g.outW(), h = g.inH(), w = g.inW(), ph = g.padH(), pw = g.padW();
        if (g.strideH() != 1 || g.strideW() != 1 || ow != w) {
            col2imAdd(g, cols, colOffset, ld, dx, dxOffset, c);
            return;
        }
        int row = c * g.kernelH() * g.kernelW();
        int plane = dxOffset + c * h * w;
        for (int u = 0; u < g.kernelH(); u++) {
            for (int v = 0; v < g.kernelW(); v++, row++) {
                int base = row * ld + colOffset;
                int jl = lo(1, pw, v), jh = hi(ow, w, 1, pw, v);
                int il = Math.max(0, ph - u), ih = Math.min(oh, h + ph - u);
                if (il >= ih || jl >= jh) {
                    continue;
                }
                for (int i = il; i < ih; i++) {
                    Arrays.fill(cols, base + i * ow, base + i * ow + jl, 0);
                    Arrays.fill(cols, base + i * ow + jh, base + (i + 1) * ow, 0);
                }
                int off = plane - base + (u - ph) * w + (v - pw);
                for (int t = base + il * ow + jl, end = base + (ih - 1) * ow + jh; t < end; t++) {
                    dx[t + off] += cols[t];
                }
            }
        }
    }

    /**
     * Max pooling of one image (padding is {@code -inf}); when {@code argmax} is not null it receives the
     * flat index within the image of the FIRST maximal cell in row-major window order (strict {@code >}).
     */
    static void maxPoolForward(Window2d g, float[] x, int xOffset, float[] y, int yOffset, int[] argmax, int argOffset) {
        int oh = g.outH(), ow = g.outW(), h = g.inH(), w = g.inW();
        int kh = g.kernelH(), kw = g.kernelW(), sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW();
        if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0) {
            maxPool2x2(g, x, xOffset, y, yOffset, argmax, argOffset);
            return;
        }
        int o = 0;
        for (int c = 0; c < g.channels(); c++) {
            int plane = c * h * w;
            for (int i = 0; i < oh; i++) {
                int r0 = Math.max(0, i * sh - ph);
                int r1 = Math.min(h, i * sh - ph + kh);
                for (int j = 0; j < ow; j++, o++) {
                    int q0 = Math.max(0, j * sw - pw);
                    int q1 = Math.min(w, j * sw - pw + kw);
                    int where = plane + r0 * w + q0;
                    float best = x[xOffset + where];
                    for (int r = r0; r < r1; r++) {
                        int rowAt = plane + r * w;
                        for (int q = q0; q < q1; q++) {
                            float val = x[xOffset + rowAt + q];
                            if (val > best) {
                                best = val;
                                where = rowAt + q;
                            }
                        }
                    }
                    y[yOffset + o] = best;
                    if (argmax != null) {
                        argmax[argOffset + o] = where;
                    }
                }
            }
        }
    }

    /**
     * {@link #maxPoolForward} for 2x2 windows, stride 2, no padding (the sample CNN's pooling): the same values
     * and arg-maxes without a branch per cell. The compare-and-branch of the general loop mispredicts on
     * random data (JFR: 40% of the sample CNN's forward pass); here the maxima are {@code Math.max} (an
     * intrinsic without a branch) and the arg-max is an integer select. For inputs without NaN the result
     * is the general loop's: the first maximal cell in row-major order, as the pairs {@code (a, b)},
     * {@code (c, d)} keep their first maximum and the later pair wins only when strictly greater (a maximum
     * of {@code -0} and {@code +0} may differ in the sign of the zero, which no later operation sees).
     */
    private static void maxPool2x2(Window2d g, float[] x, int xOffset, float[] y, int yOffset, int[] argmax, int argOffset) {
        int oh = g.outH(), ow = g.outW(), h = g.inH(), w = g.inW();
        int o = 0;
        for (int c = 0; c < g.channels(); c++) {
            int plane = c * h * w;
            for (int i = 0; i < oh; i++) {
                int r0 = plane + 2 * i * w, r1 = r0 + w;
                int a0 = xOffset + r0, a1 = xOffset + r1;
                if (argmax == null) {
                    for (int j = 0; j < ow; j++) {
                        int q = 2 * j;
                        y[yOffset + o + j] = Math.max(Math.max(x[a0 + q], x[a0 + q + 1]), Math.max(x[a1 + q], x[a1 + q + 1]));
                    }
                } else {
                    for (int j = 0; j < ow; j++) {
                        int q = 2 * j;
                        float a = x[a0 + q], b = x[a0 + q + 1], cc = x[a1 + q], d = x[a1 + q + 1];
                        float ab = Math.max(a, b), cd = Math.max(cc, d);
                        int iab = b > a ? r0 + q + 1 : r0 + q;
                        int icd = d > cc ? r1 + q + 1 : r1 + q;
                        y[yOffset + o + j] = Math.max(ab, cd);
                        argmax[argOffset + o + j] = cd > ab ? icd : iab;
                    }
                }
                o += ow;
            }
        }
    }

    /** Reverse of max pooling for one gradient row: {@code dx = 0}, then {@code dx[argmax[o]] += dy[o]}. */
    static void maxPoolBackward(int outSize, int inSize, float[] dy, int dyOffset, int[] argmax, int argOffset, float[] dx,
                                int dxOffset) {
        Arrays.fill(dx, dxOffset, dxOffset + inSize, 0);
        for (int o = 0; o < outSize; o++) {
            dx[dxOffset + argmax[argOffset + o]] += dy[dyOffset + o];
        }
    }

    /** Average pooling of one image, {@code count_include_pad = True} (divisor {@code kH kW}). */
    static void avgPoolForward(Window2d g, float[] x, int xOffset, float[] y, int yOffset) {
        int oh = g.outH(), ow = g.outW(), h = g.inH(), w = g.inW();
        int kh = g.kernelH(), kw = g.kernelW(), sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW();
        float scale = (float) (1.0 / (kh * kw));
        int o = 0;
        for (int c = 0; c < g.channels(); c++) {
            int plane = xOffset + c * h * w;
            for (int i = 0; i < oh; i++) {
                int r0 = Math.max(0, i * sh - ph);
                int r1 = Math.min(h, i * sh - ph + kh);
                for (int j = 0; j < ow; j++, o++) {
                    int q0 = Math.max(0, j * sw - pw);
                    int q1 = Math.min(w, j * sw - pw + kw);
                    float s = 0;
                    for (int r = r0; r < r1; r++) {
                        for (int q = q0; q < q1; q++) {
                            s += x[plane + r * w + q];
                        }
                    }
                    y[yOffset + o] = s * scale;
                }
            }
        }
    }

    /** Reverse of average pooling for one gradient row: {@code dx = 0}, then each real window cell gets {@code dy / (kH kW)}. */
    static void avgPoolBackward(Window2d g, float[] dy, int dyOffset, float[] dx, int dxOffset) {
        int oh = g.outH(), ow = g.outW(), h = g.inH(), w = g.inW();
        int kh = g.kernelH(), kw = g.kernelW(), sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW();
        float scale = (float) (1.0 / (kh * kw));
        Arrays.fill(dx, dxOffset, dxOffset + g.inSize(), 0);
        int o = 0;
        for (int c = 0; c < g.channels(); c++) {
            int plane = dxOffset + c * h * w;
            for (int i = 0; i < oh; i++) {
                int r0 = Math.max(0, i * sh - ph);
                int r1 = Math.min(h, i * sh - ph + kh);
                for (int j = 0; j < ow; j++, o++) {
                    int q0 = Math.max(0, j * sw - pw);
                    int q1 = Math.min(w, j * sw - pw + kw);
                    float d = dy[dyOffset + o] * scale;
                    for (int r = r0; r < r1; r++) {
                        for (int q = q0; q < q1; q++) {
                            dx[plane + r * w + q] += d;
                        }
                    }
                }
            }
        }
    }

    /**
     * {@code y[i] = max(0, x[i])} for {@code i} in {@code [from, to)} (the reference's {@code x > 0 ? x : 0} for
     * every x but NaN, which this passes on instead of mapping to 0: inputs are checked finite, and a NaN
     * made by float32 overflow should not be hidden).
     */
    static void relu(float[] x, float[] y, int from, int to) {
        for (int i = from; i < to; i++) {
            y[i] = Math.max(x[i], 0); // not x > 0 ? x : 0, a branch that random signs mispredict (10x slower, README)
        }
    }

    /** One gradient row through a ReLU: {@code dx[q] = x[q] > 0 ? dy[q] : 0} (derivative 0 at 0). */
    static void reluBackward(float[] x, int xOffset, float[] dy, float[] dx, int offset, int size) {
        for (int q = 0; q < size; q++) {
            dx[offset + q] = Select.ifPositive(x[xOffset + q], dy[offset + q]);
        }
    }

    /** The code of an activation for {@link #activation}: 0 ReLU, 1 LeakyReLU, 2 Sigmoid, 3 Tanh. */
    static int activationKind(Activation f) {
        return f instanceof ReLU ? 0 : f instanceof LeakyReLU ? 1 : f instanceof Sigmoid ? 2 : 3;
    }

    /**
     * {@code y[i] = f(x[i])} for {@code i} in {@code [from, to)}, {@code f} by {@link #activationKind}: the
     * reference's definitions ({@code org.lde.model.Activation#apply}; the sigmoid as {@code e^x / (1 + e^x)}
     * for {@code x < 0}, so that it never overflows).
     */
    static void activation(int kind, float slope, float[] x, float[] y, int from, int to) {
        if (kind == 0) {
            relu(x, y, from, to);
        } else if (kind == 1) {
            for (int i = from; i < to; i++) {
                float v = x[i];
                y[i] = v > 0 ? v : slope * v;
            }
        } else if (kind == 2) {
            for (int i = from; i < to; i++) {
                float v = x[i];
                if (v >= 0) {
                    y[i] = (float) (1 / (1 + Math.exp(-v)));
                } else {
                    double e = Math.exp(v);
                    y[i] = (float) (e / (1 + e));
                }
            }
        } else {
            for (int i = from; i < to; i++) {
                y[i] = (float) Math.tanh(x[i]);
            }
        }
    }

    /**
     * One gradient row through an activation: {@code dx[q] = dy[q] f'(x[q], y[q])} with the reference's
     * derivatives (ReLU and LeakyReLU from the recorded input {@code x}, {@code 1} / {@code slope} at
     * {@code x > 0} / else, and 0 / slope at 0; sigmoid {@code y (1 - y)} and tanh {@code 1 - y^2} from the
     * recorded output {@code y}).
     */
    static void activationBackward(int kind, float slope, float[] x, float[] y, int xOffset, float[] dy, float[] dx, int offset,
                                   int size) {
        if (kind == 0) {
            reluBackward(x, xOffset, dy, dx, offset, size);
        } else if (kind == 1) {
            for (int q = 0; q < size; q++) {
                dx[offset + q] = x[xOffset + q] > 0 ? dy[offset + q] : slope * dy[offset + q];
            }
        } else if (kind == 2) {
            for (int q = 0; q < size; q++) {
                float v = y[xOffset + q];
                dx[offset + q] = dy[offset + q] * (v * (1 - v));
            }
        } else {
            for (int q = 0; q < size; q++) {
                float v = y[xOffset + q];
                dx[offset + q] = dy[offset + q] * (1 - v * v);
            }
        }
    }

    /** {@code y[i] = sum_k parts[k][i]} for {@code i} in {@code [from, to)} (an Add node). */
    static void sum(float[][] parts, float[] y, int from, int to) {
        System.arraycopy(parts[0], from, y, from, to - from);
        for (int k = 1; k < parts.length; k++) {
            float[] p = parts[k];
            for (int i = from; i < to; i++) {
                y[i] += p[i];
            }
        }
    }

    /**
     * One row of a per-channel affine node over {@code [channels, plane]} at {@code offset}: {@code y = w[c] x + b[c]},
     * or the data gradient {@code dx = w[c] dy} when {@code b} is null.
     */
    static void affine(float[] w, float[] b, float[] x, float[] y, int offset, int channels, int plane) {
        for (int c = 0; c < channels; c++) {
            float wc = w[c], bc = b == null ? 0 : b[c];
            int at = offset + c * plane;
            for (int p = at; p < at + plane; p++) {
                y[p] = wc * x[p] + bc;
            }
        }
    }

    /** Adds {@code sum x dy} and {@code sum dy} per channel over {@code n} rows of {@code [channels, plane]} to {@code dw}, {@code db}. */
    static void affineParameterGradients(float[] x, float[] dy, int n, int channels, int plane, double[] dw, double[] db) {
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < channels; c++) {
                int at = (r * channels + c) * plane;
                double sw = 0, sb = 0;
                for (int p = at; p < at + plane; p++) {
                    sw += x[p] * dy[p];
                    sb += dy[p];
                }
                dw[c] += sw;
                db[c] += sb;
            }
        }
    }

    /** One row of global average pooling: {@code y[c] = mean_p x[c, p]} over {@code [channels, plane]}. */
    static void globalAvgPool(float[] x, int xOffset, int channels, int plane, float[] y, int yOffset) {
        for (int c = 0; c < channels; c++) {
            double s = 0;
            int at = xOffset + c * plane;
            for (int p = at; p < at + plane; p++) {
                s += x[p];
            }
            y[yOffset + c] = (float) (s / plane);
        }
    }

    /** One gradient row through global average pooling: {@code dx[c, p] = dy[c] / plane}. */
    static void globalAvgPoolBackward(float[] dy, int dyOffset, int channels, int plane, float[] dx, int dxOffset) {
        for (int c = 0; c < channels; c++) {
            Arrays.fill(dx, dxOffset + c * plane, dxOffset + (c + 1) * plane, (float) (dy[dyOffset + c] / (double) plane));
        }
    }
}
