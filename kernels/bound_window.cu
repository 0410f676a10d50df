// Bound kernels (METHOD.md section 7) for image layers and the other activations, in float64: interval
// propagation (IBP) through convolutions (grouped, dilated), max/average pools, per-channel affine nodes,
// global average pools and LeakyReLU/sigmoid/tanh; and the backward linear-bound pass on *windowed* rows
// (engine.bound.LinearRows: each row's coefficients live in a C x wh x ww window of its node's grid at a
// per-row origin, the "patches" form that keeps CROWN on a CNN cheap): the transposed convolution /
// average pool of each window, its bias term, the MaxPool relaxation, the activation lines, affine and
// global-average-pool transposes, and the window -> whole-grid scatter that reshaping needs.
//
// Why float64: see kernels/bound.cu. The float64 references are in engine.bound: BoundReference.intervalLayer
// (IBP), BackwardOps.window / maxPool / activation / affine / globalAvgPool / reshape, BoundReference.MaxPoolRule
// and ActivationLines; the tests (GpuBoundsTest, GpuWindowBoundsTest) compare with them on the emulator with
// poisoned outputs and odd shapes.
//
// Conventions: float64 arrays, row-major; images [M, C, H, W]; rows' coefficients
// A[((r * C + c) * wh + i) * ww + j] with the window's first grid cell at (oh[r], ow[r]) (cells outside the grid
// hold 0); a row r belongs to instance inst[r]. 1-D grids of 1-D blocks with grid-stride loops (any grid size
// is correct). No shared memory, no atomics: each output element is written by exactly one thread.

#include <cstddef>

template <typename F>
__device__ __forceinline__ void grid_stride(long long n, F f) {
    const long long stride = (long long)blockDim.x * gridDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        f(i);
    }
}

// ------------------------------------------------------------------------------------------------- IBP

// bound_ibp_conv: center/radius IBP of a grouped, dilated convolution for M boxes. For output (m, o, i, j):
//   mid = b[o] + sum_{ch, u, v} W[o, ch, u, v] (lo + hi) / 2 at input (first + ch, i sh - ph + u dh, j sw - pw + v dw),
//   rad = sum |W| (hi - lo) / 2 over the same cells (padded cells skipped; ch, u, v ascending as the reference),
//   olo = mid - rad, ohi = mid + rad; first = (o / (O / groups)) * (C / groups).
//   W [O, C / groups, kh, kw], lo/hi [M, C, H, Wd], olo/ohi [M, O, OH, OW]. Napkin math: 6 M O OH OW (C / groups) kh kw flops.
extern "C" __global__ void bound_ibp_conv(const double* W, const double* b, const double* lo, const double* hi,
                                          double* olo, double* ohi, int M, int C, int H, int Wd, int O, int OH, int OW,
                                          int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int groups) {
    const int gi = C / groups;
    const int go = O / groups;
    grid_stride((long long)M * O * OH * OW, [=](long long t) {
        const int j = (int)(t % OW);
        const int i = (int)((t / OW) % OH);
        const int o = (int)((t / ((long long)OW * OH)) % O);
        const int m = (int)(t / ((long long)OW * OH * O));
        const int first = (o / go) * gi;
        double mid = b[o];
        double rad = 0.0;   // two independent sums, each in the reference's order
        for (int ch = 0; ch < gi; ch++) {
            for (int u = 0; u < kh; u++) {
                const int r = i * sh - ph + u * dh;
                if (r < 0 || r >= H) {
                    continue;
                }
                const double* w = W + ((size_t)(o * gi + ch) * kh + u) * kw;
                const size_t xb = (((size_t)m * C + first + ch) * H + r) * Wd;
                for (int v = 0; v < kw; v++) {
                    const int q = j * sw - pw + v * dw;
                    if (q >= 0 && q < Wd) {
                        mid += w[v] * (0.5 * (lo[xb + q] + hi[xb + q]));
                        rad += fabs(w[v]) * (0.5 * (hi[xb + q] - lo[xb + q]));
                    }
                }
            }
        }
        olo[t] = mid - rad;
        ohi[t] = mid + rad;
    });
}

// bound_ibp_pool: a max (isMax != 0; padded cells skipped) or average (padded cells 0, divisor kh kw) pool applied
// to lo and to hi (both monotone), cells u, v ascending. lo/hi [M, C, H, Wd], olo/ohi [M, C, OH, OW].
// Napkin math: 2 M C OH OW kh kw flops; fewest bytes 8 (2 M C H Wd + 2 M C OH OW).
extern "C" __global__ void bound_ibp_pool(const double* lo, const double* hi, double* olo, double* ohi, int M, int C,
                                          int H, int Wd, int OH, int OW, int kh, int kw, int sh, int sw, int ph, int pw,
                                          int isMax) {
    grid_stride((long long)M * C * OH * OW, [=](long long t) {
        const int j = (int)(t % OW);
        const int i = (int)((t / OW) % OH);
        const long long plane = t / ((long long)OW * OH);   // m * C + c
        double al = isMax ? -INFINITY : 0.0;
        double ah = al;
        for (int u = 0; u < kh; u++) {
            const int r = i * sh - ph + u;
            if (r < 0 || r >= H) {
                continue;
            }
            for (int v = 0; v < kw; v++) {
                const int q = j * sw - pw + v;
                if (q < 0 || q >= Wd) {
                    continue;
                }
                const size_t x = ((size_t)plane * H + r) * Wd + q;
                if (isMax) {
                    al = fmax(al, lo[x]);
                    ah = fmax(ah, hi[x]);
                } else {
                    al += lo[x];
                    ah += hi[x];
                }
            }
        }
        olo[t] = isMax ? al : al / (kh * kw);
        ohi[t] = isMax ? ah : ah / (kh * kw);
    });
}

// bound_ibp_affine: the per-channel affine node y = w[c] x + b[c] on [M, C, plane]: mid = w (lo + hi) / 2 + b,
// rad = |w| (hi - lo) / 2, olo = mid - rad, ohi = mid + rad. Napkin math: 8 M C plane flops, 32 M C plane bytes.
extern "C" __global__ void bound_ibp_affine(const double* w, const double* b, const double* lo, const double* hi,
                                            double* olo, double* ohi, int M, int C, int plane) {
    grid_stride((long long)M * C * plane, [=](long long t) {
        const int c = (int)((t / plane) % C);
        const double mid = w[c] * (0.5 * (lo[t] + hi[t])) + b[c];
        const double rad = fabs(w[c]) * (0.5 * (hi[t] - lo[t]));
        olo[t] = mid - rad;
        ohi[t] = mid + rad;
    });
}

// bound_ibp_gap: global average pool [M, C, plane] -> [M, C]: the mean of lo and of hi (cells ascending).
// Napkin math: 2 MC plane flops; fewest bytes 8 (2 MC plane + 2 MC).
extern "C" __global__ void bound_ibp_gap(const double* lo, const double* hi, double* olo, double* ohi, int MC, int plane) {
    grid_stride(MC, [=](long long t) {
        double sl = 0.0;
        double sh = 0.0;
        for (int i = 0; i < plane; i++) {
            sl += lo[(size_t)t * plane + i];
            sh += hi[(size_t)t * plane + i];
        }
        olo[t] = sl / plane;
        ohi[t] = sh / plane;
    });
}

__device__ __forceinline__ double act_apply(int kind, double s, double x) {
    if (kind == 0) {
        return x > 0.0 ? x : s * x;                   // LeakyReLU (ReLU: s = 0)
    }
    if (kind == 1) {                                  // sigmoid, as model.Sigmoid.apply
        if (x >= 0.0) {
            return 1.0 / (1.0 + exp(-x));
        }
        const double e = exp(x);
        return e / (1.0 + e);
    }
    return tanh(x);
}

__device__ __forceinline__ double act_derivative(int kind, double x) {
    const double y = act_apply(kind, 0.0, x);
    return kind == 1 ? y * (1.0 - y) : 1.0 - y * y;
}

// bound_ibp_act: IBP of an elementwise activation (kind 0: LeakyReLU with slope s, 1: sigmoid, 2: tanh) on n
// neurons: monotone, f(lo) and f(hi); a LeakyReLU with s < 0 takes the extremes of f(lo), f(hi) and 0 (when
// lo < 0 < hi). Napkin math: 2 n activations (a few tens of flops each for sigmoid/tanh), 32 n bytes.
extern "C" __global__ void bound_ibp_act(const double* lo, const double* hi, double* olo, double* ohi, long long n,
                                         int kind, double s) {
    grid_stride(n, [=](long long i) {
        const double a = act_apply(kind, s, lo[i]);
        const double c = act_apply(kind, s, hi[i]);
        if (kind != 0 || s >= 0.0) {
            olo[i] = a;
            ohi[i] = c;
        } else {
            const bool zero = lo[i] < 0.0 && hi[i] > 0.0;
            olo[i] = fmin(fmin(a, c), zero ? 0.0 : INFINITY);
            ohi[i] = fmax(fmax(a, c), zero ? 0.0 : -INFINITY);
        }
    });
}

// ------------------------------------------------------------------------------------------------- backward

// bound_back_window: the transpose of a grouped, dilated convolution (W != null: W [Co, Ci / groups, kh, kw]) or of a
// per-channel average pool (W == null: weight avg, Co == Ci, dilation 1) on windowed rows. Input rows A [R, Co, wh, ww]
// at origins (oh, ow) of the layer's output grid; output rows outA [R, Ci, nh, nw] at origins (nh0, nw0) of the input
// grid [Ci, H, Wd] (the host computes them: (oh sh - ph, ow sw - pw), or 0 where the window was cropped to the grid).
// One thread per output coefficient (r, ch, i, j) at grid cell (g, q) = (nh0[r] + i, nw0[r] + j): 0 outside the grid,
// else the sum over the output channels o of ch's group and the kernel cells (u, v) with
// (g - (oh[r] sh - ph) - u dh) / sh = ii, (q - (ow[r] sw - pw) - v dw) / sw = jj inside the old window, of
// A[r, o, ii, jj] W[o, ch - first, u, v] (o, u, v ascending). The bias is bound_back_window_bias.
// Napkin math: 2 R Co wh ww (Ci / groups) kh kw flops (each product once); fewest bytes 8 (R Co wh ww + |W| + R Ci nh nw).
extern "C" __global__ void bound_back_window(const double* A, const double* W, double avg, const int* oh, const int* ow,
                                             const int* nh0, const int* nw0, double* outA, int R, int Co, int wh, int ww,
                                             int Ci, int nh, int nw, int H, int Wd, int kh, int kw, int sh, int sw, int ph,
                                             int pw, int dh, int dw, int groups) {
    const int gi = Ci / groups;
    const int go = Co / groups;
    grid_stride((long long)R * Ci * nh * nw, [=](long long t) {
        const int j = (int)(t % nw);
        const int i = (int)((t / nw) % nh);
        const int ch = (int)((t / ((long long)nw * nh)) % Ci);
        const int r = (int)(t / ((long long)nw * nh * Ci));
        const int g = nh0[r] + i;
        const int q = nw0[r] + j;
        if (g < 0 || g >= H || q < 0 || q >= Wd) {
            outA[t] = 0.0;
            return;
        }
        const int di = g - (oh[r] * sh - ph);   // position in the uncropped window
        const int dj = q - (ow[r] * sw - pw);
        const int grp = ch / gi;
        const int o0 = W == nullptr ? ch : grp * go;
        const int o1 = W == nullptr ? ch + 1 : (grp + 1) * go;
        double s = 0.0;
        for (int o = o0; o < o1; o++) {
            const double* a = A + ((size_t)r * Co + o) * wh * ww;
            for (int u = 0; u < kh; u++) {
                const int ti = di - u * dh;
                if (ti < 0 || ti % sh != 0 || ti / sh >= wh) {
                    continue;
                }
                const int ii = ti / sh;
                for (int v = 0; v < kw; v++) {
                    const int tj = dj - v * dw;
                    if (tj < 0 || tj % sw != 0 || tj / sw >= ww) {
                        continue;
                    }
                    const double coef = a[(size_t)ii * ww + tj / sw];
                    s += W == nullptr ? coef * avg : coef * W[((size_t)(o * gi + ch - grp * gi) * kh + u) * kw + v];
                }
            }
        }
        outA[t] = s;
    });
}

// bound_back_window_bias: c[r] += sum_{o, cell} A[r, o, cell] b[o] (o, then cells ascending, as the reference).
// A [R, Co, cells], b [Co], c [R]. One thread per row. Napkin math: 2 R Co cells flops, 8 (R Co cells + Co + 2 R) bytes.
extern "C" __global__ void bound_back_window_bias(const double* A, const double* b, double* c, int R, int Co, int cells) {
    grid_stride(R, [=](long long r) {
        const double* a = A + (size_t)r * Co * cells;
        double s = c[r];
        for (int o = 0; o < Co; o++) {
            for (int k = 0; k < cells; k++) {
                s += a[(size_t)o * cells + k] * b[o];
            }
        }
        c[r] = s;
    });
}

// bound_maxpool_rule: the MaxPool rule of METHOD.md section 7 per box m and output cell o = (c, i, j) of a pool over
// lo/hi [M, C, H, Wd] (padded cells skipped): lmax, umax the largest lower/upper bounds of the window; star[m, o] = the
// first window cell (row-major) whose lower bound is >= lmax - tie max(1, |lmax|), as a flat index into the node
// (c * H + r) * Wd + q; var[m, o] = 1 when l_star >= the largest upper bound of the other cells; uconst[m, o] = umax.
// Napkin math: no arithmetic beyond comparisons (about 4 M C OH OW kh kw); fewest bytes 16 M C H Wd + 16 M C OH OW.
extern "C" __global__ void bound_maxpool_rule(const double* lo, const double* hi, int* star, int* var, double* uconst,
                                              int M, int C, int H, int Wd, int OH, int OW, int kh, int kw, int sh, int sw,
                                              int ph, int pw, double tie) {
    grid_stride((long long)M * C * OH * OW, [=](long long t) {
        const int j = (int)(t % OW);
        const int i = (int)((t / OW) % OH);
        const int c = (int)((t / ((long long)OW * OH)) % C);
        const int m = (int)(t / ((long long)OW * OH * C));
        const double* l = lo + (size_t)m * C * H * Wd;
        const double* u = hi + (size_t)m * C * H * Wd;
        double lmax = -INFINITY;
        double umax = -INFINITY;
        for (int a = 0; a < kh; a++) {
            const int r = i * sh - ph + a;
            for (int v = 0; v < kw && r >= 0 && r < H; v++) {
                const int q = j * sw - pw + v;
                if (q >= 0 && q < Wd) {
                    lmax = fmax(lmax, l[(c * H + r) * Wd + q]);
                    umax = fmax(umax, u[(c * H + r) * Wd + q]);
                }
            }
        }
        const double bar = lmax - tie * fmax(1.0, fabs(lmax));
        int s = -1;
        for (int a = 0; a < kh && s < 0; a++) {
            const int r = i * sh - ph + a;
            for (int v = 0; v < kw && r >= 0 && r < H && s < 0; v++) {
                const int q = j * sw - pw + v;
                if (q >= 0 && q < Wd && l[(c * H + r) * Wd + q] >= bar) {
                    s = (c * H + r) * Wd + q;
                }
            }
        }
        double other = -INFINITY;
        for (int a = 0; a < kh; a++) {
            const int r = i * sh - ph + a;
            for (int v = 0; v < kw && r >= 0 && r < H; v++) {
                const int q = j * sw - pw + v;
                const int idx = (c * H + r) * Wd + q;
                if (q >= 0 && q < Wd && idx != s) {
                    other = fmax(other, u[idx]);
                }
            }
        }
        star[t] = s;
        var[t] = l[s] >= other ? 1 : 0;
        uconst[t] = umax;
    });
}

// bound_back_maxpool: the MaxPool relaxation on windowed rows A [R, C, wh, ww] at origins (oh, ow) of the pool's output
// grid [C, OH, OW]; output rows outA [R, C, nh, nw] at origins (nh0, nw0) of the input grid [C, H, Wd]. Each coefficient v
// of an output cell in the grid moves to the cell star (v >= 0 or var), else v uconst goes to c[r]; rule arrays
// [P, C OH OW] of instance inst[r] (bound_maxpool_rule). One thread per row: it zeroes its output window, then
// scatters in the reference's order (o, i, j ascending), so the sums are the reference's bit for bit.
// Napkin math: R C wh ww additions; fewest bytes 8 (R C wh ww + R C nh nw) + 16 R C wh ww (rule entries read).
extern "C" __global__ void bound_back_maxpool(const double* A, double* c, const int* star, const int* var,
                                              const double* uconst, const int* inst, const int* oh, const int* ow,
                                              const int* nh0, const int* nw0, double* outA, int R, int C, int wh, int ww,
                                              int OH, int OW, int H, int Wd, int nh, int nw) {
    grid_stride(R, [=](long long r) {
        double* na = outA + (size_t)r * C * nh * nw;
        for (long long k = 0; k < (long long)C * nh * nw; k++) {
            na[k] = 0.0;
        }
        const double* a = A + (size_t)r * C * wh * ww;
        const size_t rule = (size_t)inst[r] * C * OH * OW;
        double bias = c[r];
        for (int o = 0; o < C; o++) {
            for (int i = 0; i < wh; i++) {
                const int gi = oh[r] + i;
                for (int j = 0; j < ww; j++) {
                    const double v = a[((size_t)o * wh + i) * ww + j];
                    const int gj = ow[r] + j;
                    if (v == 0.0 || gi < 0 || gi >= OH || gj < 0 || gj >= OW) {
                        continue;
                    }
                    const size_t cell = rule + ((size_t)o * OH + gi) * OW + gj;
                    if (v >= 0.0 || var[cell]) {
                        const int s = star[cell] - o * H * Wd;
                        na[((size_t)o * nh + s / Wd - nh0[r]) * nw + s % Wd - nw0[r]] += v;
                    } else {
                        bias += v * uconst[cell];
                    }
                }
            }
        }
        c[r] = bias;
    });
}

// bound_lines_leaky: the lines of a ReLU (s = 0) / LeakyReLU (slope s) neuron with bounds [l, u] (engine.bound.ActivationLines):
// l >= 0: both z; u <= 0: both s z; otherwise, with u <- max(u, l + guard), the chord k = (u - s l) / (u - l),
// intercept (s - 1) u l / (u - l), adaptive slope a = 1 if u > -l else s: s <= 1: lower a z (free), upper the chord;
// s > 1: lower the chord, upper a z. Outputs [n] each (free as 0/1). Napkin math: about 10 n flops, 52 n bytes.
extern "C" __global__ void bound_lines_leaky(const double* lo, const double* hi, double* lowA, double* lowB, double* upA,
                                             double* upB, int* isFree, long long n, double s, double guard) {
    grid_stride(n, [=](long long i) {
        const double l = lo[i];
        const double u = hi[i];
        double la = 1.0, lb = 0.0, ua = 1.0, ub = 0.0;
        int f = 0;
        if (l >= 0.0) {
            // identity
        } else if (u <= 0.0) {
            la = s;
            ua = s;
        } else {
            const double uu = fmax(u, l + guard);
            const double k = (uu - s * l) / (uu - l);
            const double b = (s - 1.0) * uu * l / (uu - l);
            const double a = uu > -l ? 1.0 : s;
            if (s <= 1.0) {
                la = a;
                ua = k;
                ub = b;
                f = 1;
            } else {
                la = k;
                lb = b;
                ua = a;
            }
        }
        lowA[i] = la;
        lowB[i] = lb;
        upA[i] = ua;
        upB[i] = ub;
        isFree[i] = f;
    });
}

// bound_lines_sshaped: the sigmoid (kind 1) / tanh (kind 2) lines of engine.bound.ActivationLines for neurons with bounds
// [l, u]: constant lines f(l), f(u) for an interval narrower than degenerate (1 + |l|); u <= 0: upper the chord, lower the
// tangent at the midpoint; l >= 0: lower the chord, upper that tangent; l < 0 < u: the chord where it is valid (k <= f'(u)
// upper, k <= f'(l) lower), else the tangent found by `bisections` bisection steps (the feasible end kept). Every line moves
// outward by margin (1 + |a| max(|l|, |u|)), which covers float64 rounding (of f on either machine, the slopes, the
// feasibility tests), so the lines are sound although the device's exp/tanh may differ from the host's in the last bit.
// Napkin math: up to 4 (bisections + 2) evaluations of f per neuron (tens of flops each); 52 n bytes.
extern "C" __global__ void bound_lines_sshaped(const double* lo, const double* hi, double* lowA, double* lowB, double* upA,
                                               double* upB, int* isFree, long long n, int kind, double degenerate,
                                               double margin, int bisections) {
    grid_stride(n, [=](long long t) {
        const double l = lo[t];
        const double u = hi[t];
        const double fl = act_apply(kind, 0.0, l);
        const double fu = act_apply(kind, 0.0, u);
        const double w = u - l;
        const double span = fmax(fabs(l), fabs(u));
        isFree[t] = 0;
        if (w <= degenerate * (1.0 + fabs(l))) {
            const double m = margin * (1.0 + span);
            lowA[t] = 0.0;
            lowB[t] = fl - m;
            upA[t] = 0.0;
            upB[t] = fu + m;
            return;
        }
        const double k = (fu - fl) / w;
        double la, lb, ua, ub;
        if (u <= 0.0 || l >= 0.0) {
            const double mid = 0.5 * (l + u);
            const double tm = act_derivative(kind, mid);
            const double tb = act_apply(kind, 0.0, mid) - tm * mid;
            if (u <= 0.0) {
                la = tm;
                lb = tb;
                ua = k;
                ub = fl - k * l;
            } else {
                la = k;
                lb = fl - k * l;
                ua = tm;
                ub = tb;
            }
        } else {
            if (k <= act_derivative(kind, u)) {
                ua = k;
                ub = fl - k * l;
            } else {
                double a = 0.0;
                double b = u;
                for (int it = 0; it < bisections; it++) {
                    const double d = 0.5 * (a + b);
                    if (act_apply(kind, 0.0, d) + act_derivative(kind, d) * (l - d) >= fl) {
                        b = d;
                    } else {
                        a = d;
                    }
                }
                ua = act_derivative(kind, b);
                ub = act_apply(kind, 0.0, b) - ua * b;
            }
            if (k <= act_derivative(kind, l)) {
                la = k;
                lb = fl - k * l;
            } else {
                double a = l;
                double b = 0.0;
                for (int it = 0; it < bisections; it++) {
                    const double d = 0.5 * (a + b);
                    if (act_apply(kind, 0.0, d) + act_derivative(kind, d) * (u - d) <= fu) {
                        a = d;
                    } else {
                        b = d;
                    }
                }
                la = act_derivative(kind, a);
                lb = act_apply(kind, 0.0, a) - la * a;
            }
        }
        lowA[t] = la;
        lowB[t] = lb - margin * (1.0 + fabs(la) * span);
        upA[t] = ua;
        upB[t] = ub + margin * (1.0 + fabs(ua) * span);
    });
}

// bound_back_lines: an activation's relaxation applied in place to windowed rows A [R, C, wh, ww] (origins oh, ow) over the
// node grid [C, H, Wd] of n = C H Wd neurons, with the lines of instance inst[r] (arrays [P, n]): a coefficient v >= 0
// takes the lower line (slope alpha[r, idx] when alpha != null, the neuron is free and that entry is not NaN), v < 0 the
// upper one; the intercepts times v, summed in the reference's order, go to c[r]. Cells outside the grid are skipped.
// One thread per row. Napkin math: 3 R C wh ww flops; fewest bytes 16 R C wh ww + 36 P n (+ 8 R n with alpha).
extern "C" __global__ void bound_back_lines(double* A, double* c, const double* lowA, const double* lowB, const double* upA,
                                            const double* upB, const int* isFree, const double* alpha, const int* inst,
                                            const int* oh, const int* ow, int R, int C, int wh, int ww, int H, int Wd) {
    grid_stride(R, [=](long long r) {
        double* a = A + (size_t)r * C * wh * ww;
        const size_t base = (size_t)inst[r] * C * H * Wd;
        const size_t n = (size_t)C * H * Wd;
        double bias = 0.0;
        for (int ch = 0; ch < C; ch++) {
            for (int i = 0; i < wh; i++) {
                const int gi = oh[r] + i;
                if (gi < 0 || gi >= H) {
                    continue;
                }
                for (int j = 0; j < ww; j++) {
                    const int gj = ow[r] + j;
                    const size_t p = ((size_t)ch * wh + i) * ww + j;
                    const double v = a[p];
                    if (v == 0.0 || gj < 0 || gj >= Wd) {
                        continue;
                    }
                    const size_t idx = ((size_t)ch * H + gi) * Wd + gj;
                    if (v >= 0.0) {
                        const double given = alpha != nullptr ? alpha[(size_t)r * n + idx] : nan("");
                        const bool use = isFree[base + idx] && given == given;
                        a[p] = v * (use ? given : lowA[base + idx]);
                        bias += v * lowB[base + idx];
                    } else {
                        a[p] = v * upA[base + idx];
                        bias += v * upB[base + idx];
                    }
                }
            }
        }
        c[r] += bias;
    });
}

// bound_back_affine: the transpose of the per-channel affine node y = w[ch] x + b[ch] on windowed rows A [R, C, cells]:
// in place a <- a w[ch], c[r] += sum_{ch, cell} a b[ch] (ch, cell ascending; the reference's order). One thread per row.
// Napkin math: 3 R C cells flops, 16 R C cells bytes.
extern "C" __global__ void bound_back_affine(double* A, double* c, const double* w, const double* b, int R, int C,
                                             int cells) {
    grid_stride(R, [=](long long r) {
        double* a = A + (size_t)r * C * cells;
        double bias = 0.0;
        for (int ch = 0; ch < C; ch++) {
            for (int k = 0; k < cells; k++) {
                bias += a[(size_t)ch * cells + k] * b[ch];
                a[(size_t)ch * cells + k] *= w[ch];
            }
        }
        c[r] += bias;
    });
}

// bound_back_gap: the transpose of a global average pool [C, plane] -> [C]: outA[r, ch, i] = A[r, ch] / plane.
// Napkin math: R C plane divisions, 8 (R C + R C plane) bytes.
extern "C" __global__ void bound_back_gap(const double* A, double* outA, int R, int C, int plane) {
    grid_stride((long long)R * C * plane, [=](long long t) {
        outA[t] = A[t / plane] / plane;
    });
}

// bound_rows_full: windowed rows A [R, C, wh, ww] at origins (oh, ow) scattered into whole-grid rows outA [R, C, H, Wd]
// (cells of the grid outside a row's window are 0). Napkin math: no flops; 8 (R C wh ww + R C H Wd) bytes.
extern "C" __global__ void bound_rows_full(const double* A, const int* oh, const int* ow, double* outA, int R, int C,
                                           int wh, int ww, int H, int Wd) {
    grid_stride((long long)R * C * H * Wd, [=](long long t) {
        const int q = (int)(t % Wd);
        const int g = (int)((t / Wd) % H);
        const long long rc = t / ((long long)Wd * H);   // r * C + ch
        const int r = (int)(rc / C);
        const int i = g - oh[r];
        const int j = q - ow[r];
        outA[t] = i >= 0 && i < wh && j >= 0 && j < ww ? A[((size_t)rc * wh + i) * ww + j] : 0.0;
    });
}

// ------------------------------------------------------------------------------------------------- concretization

// bound_concretize_window: the lower bound of each windowed row A [R, C, wh, ww] (origins oh, ow of the input grid
// [C, H, Wd]) over its instance's set (BoundReference.concretize, same order: ch, i, j ascending, cells outside the grid
// skipped): L_inf (l2 == 0) c[r] + sum a mid - sum |a| rad over the box [mid - rad, mid + rad]; L2 (l2 != 0)
// c[r] + sum a mid - eps[inst] sqrt(sum a^2) with mid the ball's center. mid/rad [P, C H Wd], eps [P], out [R].
// One thread per row. Napkin math: 4 R C wh ww flops; fewest bytes 8 R C wh ww + 16 P C H Wd + 16 R.
extern "C" __global__ void bound_concretize_window(const double* A, const double* c, const double* mid, const double* rad,
                                                   const double* eps, const int* inst, const int* oh, const int* ow,
                                                   double* out, int R, int C, int wh, int ww, int H, int Wd, int l2) {
    grid_stride(R, [=](long long r) {
        const double* a = A + (size_t)r * C * wh * ww;
        const size_t base = (size_t)inst[r] * C * H * Wd;
        const int j0 = max(0, -ow[r]);
        const int j1 = min(ww, Wd - ow[r]);
        double s = c[r];
        double spread = 0.0;
        for (int ch = 0; ch < C; ch++) {
            for (int i = 0; i < wh; i++) {
                const int gi = oh[r] + i;
                if (gi < 0 || gi >= H) {
                    continue;
                }
                const double* ar = a + ((size_t)ch * wh + i) * ww;
                const size_t xb = base + ((size_t)ch * H + gi) * Wd + ow[r];
                for (int j = j0; j < j1; j++) {
                    const double v = ar[j];
                    s += v * mid[xb + j];
                    spread += l2 ? v * v : fabs(v) * rad[xb + j];
                }
            }
        }
        out[r] = l2 ? s - eps[inst[r]] * sqrt(spread) : s - spread;
    });
}
