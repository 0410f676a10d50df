// Bound kernels (METHOD.md section 7) for dense networks, in float64: interval propagation (IBP) through
// Dense and ReLU layers, the backward linear-bound pass (CROWN's "dual network": the transpose of a Dense
// layer, and the ReLU relaxation with per-neuron slopes), and the L_inf concretization of the rows.
//
// Why float64: a bound is only sound if its rounding is accounted for. These kernels compute in float64,
// like the host reference engine.bound.BoundReference (same formulas, same order of summation per
// output), so a device bound carries the reference's rounding (relative 1e-16 of the magnitudes summed),
// not float32's; nothing is rounded outward, exactly as on the host. The float64 references are
// BoundReference.intervalLayer, BoundReference.backward and BoundReference.concretize; the tests
// (GpuBoundsTest) compare with them on the emulator with poisoned outputs and odd shapes.
//
// Conventions shared by every kernel in this file:
//   * float64 arrays, row-major; pointers are device global memory and do not overlap unless stated.
//   * Launch shape: any 1-D grid of 1-D blocks; grid-stride loops, so correctness never depends on the
//     grid size (suggested: block = 256, grid = min(ceil(work / 256), 1024)).
//   * No shared memory, no atomics: each output element is written by exactly one thread, and sums run
//     in a fixed order (so results are deterministic).

#include <cstddef>

template <typename F>
__device__ __forceinline__ void grid_stride(long long n, F f) {
    const long long stride = (long long)blockDim.x * gridDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        f(i);
    }
}

// bound_ibp_dense: for every box m in [0, M) and output o in [0, out):
//   mid = b[o] + sum_i W[o, i] (lo[m, i] + hi[m, i]) / 2,  rad = sum_i |W[o, i]| (hi[m, i] - lo[m, i]) / 2,
//   olo[m, o] = mid - rad, ohi[m, o] = mid + rad.
//   W [out, in], b [out], lo/hi [M, in], olo/ohi [M, out]. Napkin math: 6 M out in flops.
extern "C" __global__ void bound_ibp_dense(const double* W, const double* b, const double* lo, const double* hi,
                                           double* olo, double* ohi, int M, int in, int out) {
    grid_stride((long long)M * out, [=](long long t) {
        const int m = (int)(t / out);
        const int o = (int)(t % out);
        const double* w = W + (size_t)o * in;
        const double* l = lo + (size_t)m * in;
        const double* h = hi + (size_t)m * in;
        double mid = b[o];
        double rad = 0.0;
        for (int i = 0; i < in; i++) {
            mid += w[i] * (0.5 * (l[i] + h[i]));
        }
        for (int i = 0; i < in; i++) {
            rad += fabs(w[i]) * (0.5 * (h[i] - l[i]));
        }
        olo[t] = mid - rad;
        ohi[t] = mid + rad;
    });
}

// bound_ibp_relu: olo[i] = max(0, lo[i]), ohi[i] = max(0, hi[i]) for i in [0, n).
extern "C" __global__ void bound_ibp_relu(const double* lo, const double* hi, double* olo, double* ohi, long long n) {
    grid_stride(n, [=](long long i) {
        olo[i] = fmax(0.0, lo[i]);
        ohi[i] = fmax(0.0, hi[i]);
    });
}

// bound_back_dense: the transpose of a Dense layer on rows: for r in [0, R), i in [0, in):
//   outA[r, i] = sum_o A[r, o] W[o, i]   (o ascending).
//   A [R, out], W [out, in], outA [R, in]. Napkin math: 2 R out in flops.
extern "C" __global__ void bound_back_dense(const double* A, const double* W, double* outA, int R, int out, int in) {
    grid_stride((long long)R * in, [=](long long t) {
        const int r = (int)(t / in);
        const int i = (int)(t % in);
        const double* a = A + (size_t)r * out;
        double s = 0.0;
        for (int o = 0; o < out; o++) {
            s += a[o] * W[(size_t)o * in + i];
        }
        outA[t] = s;
    });
}

// bound_back_bias: c[r] += sum_o A[r, o] b[o] (o ascending) for r in [0, R). A [R, out], b [out], c [R].
extern "C" __global__ void bound_back_bias(const double* A, const double* b, double* c, int R, int out) {
    grid_stride(R, [=](long long r) {
        const double* a = A + (size_t)r * out;
        double s = c[r];
        for (int o = 0; o < out; o++) {
            s += a[o] * b[o];
        }
        c[r] = s;
    });
}

// bound_back_relu: the ReLU relaxation of METHOD.md section 7 applied in place to rows A [R, n] with bias
// c [R]; row r belongs to instance inst[r], whose input bounds are lo/hi [inst[r], :] (rows [P, n]). Per neuron
// i with bounds [l, u] and coefficient v = A[r, i]: l >= 0 keeps v; u <= 0 gives 0; otherwise, with
// u <- max(u, l + 1e-8), v >= 0 takes the lower line a z (a = alpha[r, i] when alpha is not null and that
// entry is >= 0, else CROWN's adaptive 1 if u > -l, else 0) and v < 0 the upper line k (z - l), k = u / (u - l), adding -v k l to c[r]
// (neurons ascending). One thread per row.
extern "C" __global__ void bound_back_relu(double* A, double* c, const double* lo, const double* hi,
                                           const double* alpha, const int* inst, int R, int n) {
    grid_stride(R, [=](long long r) {
        double* a = A + (size_t)r * n;
        const double* l = lo + (size_t)inst[r] * n;
        const double* u = hi + (size_t)inst[r] * n;
        double bias = c[r];
        for (int i = 0; i < n; i++) {
            const double v = a[i];
            const double li = l[i];
            if (v == 0.0 || li >= 0.0) {
                continue;
            }
            double ui = u[i];
            if (ui <= 0.0) {
                a[i] = 0.0;
                continue;
            }
            ui = fmax(ui, li + 1e-8);
            if (v >= 0.0) {
                const double given = alpha != nullptr ? alpha[(size_t)r * n + i] : -1.0;
                const double s = given >= 0.0 ? given : (ui > -li ? 1.0 : 0.0);   // NaN/negative: adaptive
                a[i] = v * s;
            } else {
                const double k = ui / (ui - li);
                a[i] = v * k;
                bias -= v * k * li;
            }
        }
        c[r] = bias;
    });
}

// bound_concretize_linf: the lower bound of each row over the box [mid - rad, mid + rad] of its
// instance: out[r] = c[r] + sum_i A[r, i] mid[m, i] - sum_i |A[r, i]| rad[m, i], m = inst[r]
// (i ascending, as BoundReference.concretize). A [R, n], c [R], mid/rad [P, n], inst [R], out [R].
extern "C" __global__ void bound_concretize_linf(const double* A, const double* c, const double* mid,
                                                 const double* rad, const int* inst, double* out, int R, int n) {
    grid_stride(R, [=](long long r) {
        const double* a = A + (size_t)r * n;
        const double* m = mid + (size_t)inst[r] * n;
        const double* h = rad + (size_t)inst[r] * n;
        double s = c[r];
        double spread = 0.0;
        for (int i = 0; i < n; i++) {
            s += a[i] * m[i];
            spread += fabs(a[i]) * h[i];
        }
        out[r] = s - spread;
    });
}
