package org.lde.engine.bound;

import org.lde.model.Dense;
import org.lde.model.MaxPool2d;

/**
 * One layer of the backward linear-bound pass on {@link LinearRows} (the transposed layer, or the
 * activation/MaxPool relaxation of {@link BoundReference}). Each method maps rows at a layer's output to
 * rows at its input; {@link #relu} works in place.
 */
final class BackwardOps {
    private BackwardOps() {
    }

    /**
     * {@code a <- a W}, {@code c <- c + a . b} (rows are full vectors). Rows are taken four at a time so
     * that each row of {@code W} is read once per four rows (the cost of CROWN on an MLP is this product).
     */
    static LinearRows dense(Dense d, LinearRows rows) {
        int n = d.in();
        int m = d.out();
        double[] w = d.weight().data();
        double[] bias = d.bias().data();
        double[] a = rows.coefficients();
        double[] c = rows.bias().clone();
        int rs = rows.rows();
        double[] out = new double[rs * n];
        for (int r = 0; r < rs; r++) {
            for (int o = 0; o < m; o++) {
                c[r] += a[r * m + o] * bias[o];
            }
        }
        int r = 0;
        for (; r + 4 <= rs; r += 4) {
            int b0 = r * n;
            int b1 = b0 + n;
            int b2 = b1 + n;
            int b3 = b2 + n;
            for (int o = 0; o < m; o++) {
                double v0 = a[r * m + o];
                double v1 = a[(r + 1) * m + o];
                double v2 = a[(r + 2) * m + o];
                double v3 = a[(r + 3) * m + o];
                if (v0 == 0 && v1 == 0 && v2 == 0 && v3 == 0) {
                    continue;
                }
                int wb = o * n;
                for (int i = 0; i < n; i++) {
                    double wv = w[wb + i];
                    out[b0 + i] += v0 * wv;
                    out[b1 + i] += v1 * wv;
                    out[b2 + i] += v2 * wv;
                    out[b3 + i] += v3 * wv;
                }
            }
        }
        for (; r < rs; r++) {
            int ob = r * n;
            for (int o = 0; o < m; o++) {
                double v = a[r * m + o];
                if (v == 0) {
                    continue;
                }
                int wb = o * n;
                for (int i = 0; i < n; i++) {
                    out[ob + i] += v * w[wb + i];
                }
            }
        }
        return new LinearRows(rs, n, 1, 1, new int[rs], new int[rs], out, c);
    }

    /**
     * The transpose of a sliding-window affine layer: a convolution ({@code w [Co, Ci, kh, kw]},
     * {@code bias [Co]}) or, when {@code w} is null, a per-channel average with weight {@code avg}.
     * Each row's window grows to {@code (wh - 1) s + k} at origin {@code o s - p}; padded cells (outside
     * the input grid) are dropped, and a window at least as large as the grid is cropped to it.
     */
    static LinearRows window(LinearRows rows, Grid in, Grid out, int kh, int kw, int sh, int sw, int ph, int pw, double[] w,
                             double[] bias, double avg) {
        return window(rows, in, kh, kw, sh, sw, ph, pw, 1, 1, 1, w, bias, avg);
    }

    /**
     * {@link #window} for a grouped, dilated convolution: output channel {@code o} reads the
     * {@code gi = Ci / groups} input channels of its group {@code o / (Co / groups)} (weight
     * {@code [Co, gi, kh, kw]}), kernel cell {@code (u, q)} at offset {@code (u dh, q dw)}; the window grows to
     * {@code (wh - 1) s + d (k - 1) + 1}.
     */
    static LinearRows window(LinearRows rows, Grid in, int kh, int kw, int sh, int sw, int ph, int pw, int groups, int dh,
                             int dw, double[] w, double[] bias, double avg) {
        int co = rows.channels();
        int ci = in.c();
        int gi = ci / groups;
        int go = co / groups;
        int wh = rows.windowH();
        int ww = rows.windowW();
        int nh = (wh - 1) * sh + dh * (kh - 1) + 1;
        int nw = (ww - 1) * sw + dw * (kw - 1) + 1;
        int rs = rows.rowSize();
        int ns = ci * nh * nw;
        double[] a = rows.coefficients();
        double[] na = new double[rows.rows() * ns];
        double[] c = rows.bias().clone();
        int[] oh = new int[rows.rows()];
        int[] ow = new int[rows.rows()];
        for (int r = 0; r < rows.rows(); r++) {
            oh[r] = rows.originH(r) * sh - ph;
            ow[r] = rows.originW(r) * sw - pw;
            int base = r * rs;
            int nbase = r * ns;
            for (int o = 0; o < co; o++) {
                for (int i = 0; i < wh; i++) {
                    for (int j = 0; j < ww; j++) {
                        double v = a[base + (o * wh + i) * ww + j];
                        if (v == 0) {
                            continue;
                        }
                        if (w == null) {
                            double va = v * avg;
                            for (int u = 0; u < kh; u++) {
                                int rb = nbase + (o * nh + i * sh + u * dh) * nw + j * sw;
                                for (int q = 0; q < kw; q++) {
                                    na[rb + q * dw] += va;
                                }
                            }
                            continue;
                        }
                        c[r] += v * bias[o];
                        int first = (o / go) * gi;
                        for (int ch = 0; ch < gi; ch++) {
                            for (int u = 0; u < kh; u++) {
                                int wb = ((o * gi + ch) * kh + u) * kw;
                                int rb = nbase + ((first + ch) * nh + i * sh + u * dh) * nw + j * sw;
                                for (int q = 0; q < kw; q++) {
                                    na[rb + q * dw] += v * w[wb + q];
                                }
                            }
                        }
                    }
                }
            }
            // padded cells multiply a constant 0: drop them
            for (int ch = 0; ch < ci; ch++) {
                for (int i = 0; i < nh; i++) {
                    int gr = oh[r] + i;
                    boolean rowOut = gr < 0 || gr >= in.h();
                    for (int j = 0; j < nw; j++) {
                        int gj = ow[r] + j;
                        if (rowOut || gj < 0 || gj >= in.w()) {
                            na[nbase + (ch * nh + i) * nw + j] = 0;
                        }
                    }
                }
            }
        }
        return crop(new LinearRows(rows.rows(), ci, nh, nw, oh, ow, na, c), in);
    }

    /** The same rows with windows no larger than the grid (a window that covers it becomes the grid itself). */
    static LinearRows crop(LinearRows rows, Grid g) {
        boolean ch = rows.windowH() > g.h();
        boolean cw = rows.windowW() > g.w();
        if (!ch && !cw) {
            return rows;
        }
        int nh = ch ? g.h() : rows.windowH();
        int nw = cw ? g.w() : rows.windowW();
        int n = rows.rows();
        int[] oh = new int[n];
        int[] ow = new int[n];
        double[] a = rows.coefficients();
        double[] na = new double[n * rows.channels() * nh * nw];
        for (int r = 0; r < n; r++) {
            oh[r] = ch ? 0 : rows.originH(r);
            ow[r] = cw ? 0 : rows.originW(r);
            int dh = oh[r] - rows.originH(r);
            int dw = ow[r] - rows.originW(r);
            for (int c = 0; c < rows.channels(); c++) {
                for (int i = 0; i < nh; i++) {
                    int si = i + dh;
                    if (si < 0 || si >= rows.windowH()) {
                        continue;
                    }
                    for (int j = 0; j < nw; j++) {
                        int sj = j + dw;
                        if (sj >= 0 && sj < rows.windowW()) {
                            na[((r * rows.channels() + c) * nh + i) * nw + j] =
                                    a[((r * rows.channels() + c) * rows.windowH() + si) * rows.windowW() + sj];
                        }
                    }
                }
            }
        }
        return new LinearRows(n, rows.channels(), nh, nw, oh, ow, na, rows.bias());
    }

    /**
     * An activation's relaxation applied in place: a coefficient {@code v >= 0} takes the lower line (its
     * slope replaced by row r's {@code slopes.of(r, k)[idx]} where the neuron's slope is free and one is given),
     * {@code v < 0} the upper line; the lines' intercepts times {@code v} go to the rows' bias.
     */
    static void activation(LinearRows rows, Grid g, ActivationLines lines, Slopes slopes, int k) {
        double[] a = rows.coefficients();
        double[] c = rows.bias();
        int wh = rows.windowH();
        int ww = rows.windowW();
        for (int r = 0; r < rows.rows(); r++) {
            double[] alpha = slopes.of(r, k);
            int base = r * rows.rowSize();
            double bias = 0;
            for (int ch = 0; ch < rows.channels(); ch++) {
                for (int i = 0; i < wh; i++) {
                    int gi = rows.originH(r) + i;
                    if (gi < 0 || gi >= g.h()) {
                        continue;
                    }
                    for (int j = 0; j < ww; j++) {
                        int gj = rows.originW(r) + j;
                        int p = base + (ch * wh + i) * ww + j;
                        double v = a[p];
                        if (v == 0 || gj < 0 || gj >= g.w()) {
                            continue;
                        }
                        int idx = (ch * g.h() + gi) * g.w() + gj;
                        if (v >= 0) {
                            a[p] = v * (alpha != null && lines.free[idx] ? alpha[idx] : lines.lowA[idx]);
                            bias += v * lines.lowB[idx];
                        } else {
                            a[p] = v * lines.upA[idx];
                            bias += v * lines.upB[idx];
                        }
                    }
                }
            }
            c[r] += bias;
        }
    }

    /** The transpose of a per-channel affine node {@code y[c] = w[c] x[c] + b[c]}: coefficients scaled per channel. */
    static LinearRows affine(LinearRows rows, double[] w, double[] b) {
        LinearRows out = rows.copy();
        double[] a = out.coefficients();
        int cells = rows.windowH() * rows.windowW();
        for (int r = 0; r < rows.rows(); r++) {
            double bias = 0;
            for (int ch = 0; ch < rows.channels(); ch++) {
                int base = (r * rows.channels() + ch) * cells;
                for (int q = 0; q < cells; q++) {
                    bias += a[base + q] * b[ch];
                    a[base + q] *= w[ch];
                }
            }
            out.bias()[r] += bias;
        }
        return out;
    }

    /** The transpose of a global average pool {@code [C, H, W] -> [C, 1, 1]}: each channel's coefficient spread over its plane. */
    static LinearRows globalAvgPool(LinearRows rows, Grid in, Grid out) {
        LinearRows f = rows.full(out);
        int plane = in.plane();
        double[] a = f.coefficients();
        double[] na = new double[rows.rows() * in.size()];
        for (int r = 0; r < rows.rows(); r++) {
            for (int ch = 0; ch < in.c(); ch++) {
                double v = a[r * in.c() + ch] / plane;
                java.util.Arrays.fill(na, (r * in.c() + ch) * plane, (r * in.c() + ch + 1) * plane, v);
            }
        }
        return new LinearRows(rows.rows(), in.c(), in.h(), in.w(), new int[rows.rows()], new int[rows.rows()], na,
                f.bias().clone());
    }

    /** The transpose of a node that keeps the row-major data (Flatten, Reshape, Identity, Dropout). */
    static LinearRows reshape(LinearRows rows, Grid in, Grid out) {
        if (in.equals(out)) {
            return rows;
        }
        LinearRows f = rows.full(out);
        return new LinearRows(rows.rows(), in.c(), in.h(), in.w(), new int[rows.rows()], new int[rows.rows()],
                f.coefficients(), f.bias());
    }

    /** The MaxPool relaxation: each output coefficient moves to its window's {@code i*}, or to the bias. */
    static LinearRows maxPool(LinearRows rows, Grid in, Grid out, MaxPool2d p, BoundReference.MaxPoolRule rule) {
        int ch = rows.channels();
        int wh = rows.windowH();
        int ww = rows.windowW();
        int nh = (wh - 1) * p.strideH() + p.kernelH();
        int nw = (ww - 1) * p.strideW() + p.kernelW();
        int rs = rows.rowSize();
        int ns = ch * nh * nw;
        double[] a = rows.coefficients();
        double[] na = new double[rows.rows() * ns];
        double[] c = rows.bias().clone();
        int[] oh = new int[rows.rows()];
        int[] ow = new int[rows.rows()];
        for (int r = 0; r < rows.rows(); r++) {
            oh[r] = rows.originH(r) * p.strideH() - p.padH();
            ow[r] = rows.originW(r) * p.strideW() - p.padW();
            for (int o = 0; o < ch; o++) {
                for (int i = 0; i < wh; i++) {
                    int gi = rows.originH(r) + i;
                    for (int j = 0; j < ww; j++) {
                        double v = a[r * rs + (o * wh + i) * ww + j];
                        int gj = rows.originW(r) + j;
                        if (v == 0 || gi < 0 || gi >= out.h() || gj < 0 || gj >= out.w()) {
                            continue;
                        }
                        int cell = (o * out.h() + gi) * out.w() + gj;
                        if (v >= 0 || rule.upperIsInput()[cell]) {
                            int s = rule.star()[cell] - o * in.plane();
                            int li = s / in.w() - oh[r];
                            int lj = s % in.w() - ow[r];
                            na[r * ns + (o * nh + li) * nw + lj] += v;
                        } else {
                            c[r] += v * rule.upperConst()[cell];
                        }
                    }
                }
            }
        }
        return crop(new LinearRows(rows.rows(), ch, nh, nw, oh, ow, na, c), in);
    }
}
