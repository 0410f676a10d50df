// Batched dual ascent for the L2 problem of METHOD.md sections 2-3, one thread block per problem.
//
//   dual_ascent_box: for each problem b of a batch of B, with A_b [K,d], r_b [K], box [tl_b, tu_b]:
//
//     (P)  minimize 1/2 ||t||^2  subject to  A t >= r,  tl <= t <= tu
//     t(lambda) = clip(A^T lambda, tl, tu)
//     G(lambda) = 1/2 ||t(lambda)||^2 - lambda^T (A t(lambda) - r)      (concave; a lower bound on p*)
//     grad G    = r - A t(lambda)
//
//   Accelerated projected dual ascent (Nesterov/FISTA with the adaptive restart of O'Donoghue and
//   Candes, exactly as ReferenceDualSolver's iterative path):
//
//     x_{n+1}   = max(0, y_n + eta (r - A t(y_n)))
//     turn      = sum_k (y_k - x_{n+1,k}) (x_{n+1,k} - x_{n,k});  restart (theta = 1, beta = 0) if turn > 0
//     theta'    = (1 + sqrt(1 + 4 theta^2)) / 2,  beta = (theta - 1) / theta'
//     y_{n+1}   = x_{n+1} + beta (x_{n+1} - x_n)
//
//   starting from x_0 = y_0 = max(0, lambda0) (a warm start; NaN entries count as 0).
//
//   Step: eta_b = 1 / ||A_b||_2^2 (largest eigenvalue of A_b A_b^T; for K = 1, 1/||a||^2) is an input,
//   computed by the host in float64 (GpuDualSolver). An entry eta_b that is not > 0 (0 or NaN) asks the
//   kernel for the safe step 1 / ||A_b||_F^2 (Frobenius norm >= spectral norm, equal for K = 1; for
//   K > 1 it can be up to K times smaller than 1/||A||_2^2, so the ascent needs up to sqrt(K) times
//   more iterations): the path for constraint rows that never leave the device.
//
//   Stopping rule (checked at x_0 and every checkEvery iterations, and at the last one), in float32:
//     t = t(x), At_k = a_k^T t, S_k = sum_i |a_ki t_i|, p = 1/2 ||t||^2, gap = sum_k x_k (At_k - r_k) = p - G
//     feasible:  r_k - At_k <= feasTol * (|r_k| + S_k) for every k   (the floating-point meaning of
//                a_k^T t >= r_k, as DualSolverOptions.feasibilityTolerance defines it)
//     solved:    feasible and |gap| <= gapTol * max(p, |G|)          (both 0 counts as solved)
//   No repair of t(x) is attempted on the device: t(x) lies in the box by construction, and the two
//   repairs at hand are not valid in general (scaling t leaves the box where a bound binds and cannot
//   fix a row with a_k^T t < 0, see ReferenceDualSolver; the exact active-set step needs a K x K solve in
//   float64). The host (GpuDualSolver) re-evaluates the certificate in float64 from the returned lambda:
//   G(lambda) exactly (weak duality: a lower bound on p* for any lambda >= 0), t(lambda), the float64
//   feasibility and gap; it reports SOLVED only when that confirms the kernel's stop.
//
//   Infeasibility, checked first and exactly: for each row k, reach_k = sum_i max(a_ki tl_i, a_ki tu_i)
//   (the support function of the box; a term is 0 where a_ki = 0) is summed in float64 (each product
//   of two float32 numbers is exact in float64; only the sum rounds, ~d * 2^-53 relative). If
//   reach_k < r_k no box point satisfies row k, so the problem is INFEASIBLE_IN_BOX with the certificate
//   mu = e_k. For K = 1 that is the exact test of METHOD.md section 3. For K > 1 it catches every
//   problem infeasible because of a single row; a problem infeasible only through a combination of
//   rows is not detected here: its dual ascent diverges and ends as MAX_ITER (the host then tests the
//   direction lambda / ||lambda||_1 as a certificate in float64).
//
// Arguments (all float32 unless noted; pointers are device global memory):
//   B, K, d            problems, constraints per problem (K >= 1), variables (d >= 1)
//   A                  row k of problem b at A + b*strideAb + k*strideAk, d contiguous floats
//                      (64-bit element strides: A may be a view into a larger [N, S, d] gradient buffer)
//   r                  [B, K] packed
//   tl, tu             the box of problem b at tl + (b / boxGroup) * strideBox, d floats (boxGroup
//                      problems share one box, e.g. the C - 1 flip problems of one sample);
//                      -inf / +inf mean no bound
//   eta                [B] steps (see above), lambda0 [B, K] warm start (>= 0)
//   maxIter            iteration limit (0: only the check at lambda0), checkEvery >= 1
//   gapTol, feasTol    the stopping tolerances above
//   lambdaOut [B, K], tOut [B, d], gOut [B]: lambda, t(lambda) and G(lambda) at the returned lambda
//   itersOut [B] (int): iterations run; statusOut [B] (int): 0 SOLVED, 1 INFEASIBLE_IN_BOX, 2 MAX_ITER
//   For status 1: lambda = e_k (the certificate), t = the box point maximizing a_k^T t (tu where
//   a_ki > 0, tl where a_ki < 0, clip(0) where a_ki = 0), G = +inf, iterations 0.
//   Every output element of every problem is written, whatever the status. tOut doubles as the
//   scratch of the K > 16 path (each thread only reads back the entries it wrote itself).
//
// Launch shape: 1-D blocks of blockDim.x threads, a multiple of 32 and at most 256 (the kernel traps
//   otherwise), any 1-D grid (blocks loop over problems b = blockIdx.x, + gridDim.x, ...; one block
//   per problem is the intended shape). Dynamic shared memory: (6 K + 1) * 4 bytes. Static shared
//   memory: 8 x 33 floats and 8 x 2 doubles of reduction scratch (one row per warp) and two scalars,
//   1200 bytes as ptxas reports. GpuDualSolver launches grid = B and about 8 coordinates per thread:
//   blockDim = clamp(roundup32(ceil(d / 8)), 32, 256) (d = 200: 32 threads; d = 784: 128).
//   Thread j owns the coordinates i = j, j + blockDim.x, ...: it computes t_i and its share of the
//   K dot products a_k^T t, kept in registers (K <= 16: one fused pass over A per iteration; the
//   kernel is compiled for K = 1, K <= 4 and K <= 16, so that a K = 1 problem pays for one row). The
//   sums are reduced across each warp by a transpose reduction (each xor-shuffle step halves the values
//   a lane holds: 2P - 1 + (5 - log2 P) shuffles for P sums instead of 5P), one partial per warp and
//   sum goes to shared memory, and the partials are summed over warps in a fixed order (deterministic).
//   Warp 0 then updates x, y (one lane per constraint) and the momentum; y lives in shared memory and
//   every thread reads it as a broadcast. K > 16: t is written to tOut in a first pass, then the dot
//   products are accumulated 16 rows at a time (one more pass over A and t per 16 rows).
//   Barriers per iteration: 3 (reduction 2, update 1); a check adds 3.
//   Registers (kernels/ptxas-report.txt): 138 on sm_75, 142 on sm_90, no spills, no local memory;
//   the K <= 16 check pass keeps 16 multipliers, 16 row values and 32 partial sums per thread in
//   registers, hence __launch_bounds__(256, 1). At 128 threads a block needs about 18k registers:
//   3 resident blocks (problems) per SM on sm_75, more on sm_90; a batch of B = 1024 problems fills a
//   GPU several times over.
//
// Numerics: float32 throughout (except the float64 infeasibility sums), fused multiply-adds in a fixed
//   order; fminf/fmaxf for the clip and the projection. The float32 gap cannot be resolved below about
//   1e-6 relative (the rounding of A t); GpuDualSolver asks the kernel for 0.2 x its tolerances (1e-5 by
//   default, so 2e-6 here). Measured against the float64 reference (DualKernelSuite and 960 random
//   problems with K <= 9, d <= 155 in the data box): t and G within 1e-5 relative for independent rows,
//   t within 5e-5 when the rows share 90% of their direction (as the target rows J_c - J_j share J_c);
//   lambda within 2e-5 for independent rows but only about 2^-24 cond(A_F A_F^T) along ill-conditioned
//   directions (5e-4 at 90% shared), which GpuDualSolver's float64 active-set step on the host removes.
//
// Napkin math, per iteration (K <= 16): w = A^T y and A t are 2 K d fma = 4 K d flops, the clip 2 d;
//   a check costs 6 K d + 2 d more, once per checkEvery iterations. Bytes touched per iteration
//   4 (K + 2) d (A, tl, tu; on a GPU they stay in L1/L2 after the first iteration: a problem with
//   K = 9, d = 784 is 35 KB). Fewest bytes per launch: 4 B (K d + 2 d) read + 4 B (2 K) read (r, lambda0)
//   + 4 B (d + K + 3) written. Arithmetic intensity per iteration from L2: 4 K d / (4 (K + 2) d) ~ 1
//   flop/byte, so a GPU is L2/L1-bandwidth bound; with B = 1024 blocks, K = 9, d = 784 one iteration
//   moves about 36 MB through L2 and does 29 MFLOP.
//   Measured on the PTX emulator (one problem, d = 200, data box, 20 iterations + 3 checks, 32 threads):
//   K = 1: 164k thread-instructions per problem-launch; K = 9: 846k (37k per pass over the problem), of
//   which fma 16%, selects and address arithmetic (guarded row loads, 64-bit row strides) about 35%,
//   shuffles 3% (the transpose reduction cut the K = 9 total by 13% at 32 threads and 27% at 128; with
//   one warp_sum per sum the reduction was half of the instructions at 128 threads).

#include <cstdint>

#define DUAL_MAX_THREADS 256
#define DUAL_MAX_WARPS (DUAL_MAX_THREADS / 32)
#define RED_W 33                      // reduction scratch width: 2 * 16 + 1 values per warp
#define FULL_MASK 0xffffffffu

enum { DUAL_SOLVED = 0, DUAL_INFEASIBLE_IN_BOX = 1, DUAL_MAX_ITER = 2 };

struct DualShared {
    float* x;      // [K] current multipliers
    float* y;      // [K] extrapolated point (where the gradient is taken)
    float* xn;     // [K] next multipliers (warp 0 scratch)
    float* r;      // [K]
    float* res;    // [2K + 1]: A t, then S = |A| |t|, then ||t||^2
};

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        v += __shfl_xor_sync(FULL_MASK, v, o);
    }
    return v;
}

__device__ __forceinline__ double warp_sum_d(double v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        v += __shfl_xor_sync(FULL_MASK, v, o);
    }
    return v;
}

// Warp "transpose" reduction of P values (P a power of two, 1..32): at the xor offset o = 16, 8, ...
// each lane keeps one half of its values (the upper half when lane & o) and receives the other half's
// partner sums, so each step halves the values per lane with P/2, P/4, ... shuffles; the offsets left
// over (P < 32) are summed plainly. 2P - 1 + (5 - log2 P) shuffles in all instead of 5P. On return lane l
// holds the warp total of value (l * P) / 32.
__host__ __device__ constexpr int log2_exact(int p) {
    return p <= 1 ? 0 : 1 + log2_exact(p / 2);
}

// One halving step with H values kept per lane (xor offset 16 * 2H / P), then the next (template
// recursion, so that every index is a compile-time constant and v stays in registers).
template <int P, int H>
__device__ __forceinline__ void transpose_step(float (&v)[P], int lane) {
    if constexpr (H >= 1) {
        constexpr int O = 16 * 2 * H / P;
        const bool upper = (lane & O) != 0;
#pragma unroll
        for (int j = 0; j < H; ++j) {
            const float lo = v[j];
            const float hi = v[j + H];
            const float send = upper ? lo : hi;
            const float keep = upper ? hi : lo;
            v[j] = keep + __shfl_xor_sync(FULL_MASK, send, O);
        }
        transpose_step<P, H / 2>(v, lane);
    }
}

template <int P>
__device__ __forceinline__ float warp_transpose_sum(float (&v)[P], int lane) {
    static_assert(P >= 1 && P <= 32 && (P & (P - 1)) == 0, "P must be a power of two <= 32");
    constexpr int STEPS = log2_exact(P);
    transpose_step<P, P / 2>(v, lane);
    float s = v[0];
#pragma unroll
    for (int step = STEPS; step < 5; ++step) {
        s += __shfl_xor_sync(FULL_MASK, s, 16 >> step);
    }
    return s;
}

// Sums the P values v[j] (and, when EXTRA, the scalar extra as slot P) over the block and writes the
// totals of the slots with out_index(j) >= 0 to out[out_index(j)] (shared memory). Every thread must
// call it (it has two barriers); the totals are visible to all threads on return. Per warp one partial
// per slot goes to shared memory; thread j then sums slot j over the warps in warp order
// (deterministic).
template <int P, bool EXTRA, typename Map>
__device__ __forceinline__ void block_sum(float (&v)[P], float extra, Map out_index, float* red, float* out) {
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int nw = blockDim.x >> 5;
    const float s = warp_transpose_sum<P>(v, lane);
    const int slot = (lane * P) >> 5;
    if ((lane & (32 / P - 1)) == 0 && out_index(slot) >= 0) {
        red[warp * RED_W + slot] = s;
    }
    if (EXTRA) {
        const float e = warp_sum(extra);
        if (lane == 0) {
            red[warp * RED_W + P] = e;
        }
    }
    __syncthreads();
    for (int j = threadIdx.x; j < P + (EXTRA ? 1 : 0); j += blockDim.x) {
        const int o = out_index(j);
        if (o >= 0) {
            float t = 0.0f;
            for (int w = 0; w < nw; ++w) {
                t += red[w * RED_W + j];
            }
            out[o] = t;
        }
    }
    __syncthreads();
}

// Block sum of two doubles; returns the totals to every thread.
__device__ __forceinline__ void block_sum_d2(double& a, double& b, double* redd) {
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int nw = blockDim.x >> 5;
    a = warp_sum_d(a);
    b = warp_sum_d(b);
    if (lane == 0) {
        redd[2 * warp] = a;
        redd[2 * warp + 1] = b;
    }
    __syncthreads();
    a = 0.0;
    b = 0.0;
    for (int w = 0; w < nw; ++w) {   // every thread sums in the same order: identical totals
        a += redd[2 * w];
        b += redd[2 * w + 1];
    }
    __syncthreads();
}

__device__ __forceinline__ float clipf(float w, float lo, float hi) {
    return fminf(fmaxf(w, lo), hi);
}

// One pass over the coordinates at multipliers lam (shared, K entries): t = clip(A^T lam, tl, tu),
// then sh.res[k] = a_k^T t and, when CHECK, sh.res[K + k] = sum_i |a_ki t_i| and sh.res[2K] = ||t||^2.
// t is written to tb when CHECK (and always on the K > 16 path, which needs it as scratch).
// KC: the rows handled in registers (1, 4 or 16, K <= KC), or 0 for the chunked path (K > 16).
template <int KC, bool CHECK>
__device__ __forceinline__ void dual_pass(const float* __restrict__ Ab, long long strideAk, int K, int d,
                                          const float* __restrict__ tlb, const float* __restrict__ tub,
                                          const float* lam, float* tb, const DualShared& sh, float* red) {
    if constexpr (KC > 0) {
        float lr[KC];
#pragma unroll
        for (int k = 0; k < KC; ++k) {
            lr[k] = k < K ? lam[k] : 0.0f;
        }
        float v[2 * KC];   // a_k^T t, then (CHECK) sum_i |a_ki t_i|
#pragma unroll
        for (int j = 0; j < 2 * KC; ++j) {
            v[j] = 0.0f;
        }
        float tt = 0.0f;
        for (int i = threadIdx.x; i < d; i += blockDim.x) {
            float a[KC];
            float w = 0.0f;
#pragma unroll
            for (int k = 0; k < KC; ++k) {
                a[k] = k < K ? Ab[k * strideAk + i] : 0.0f;
                w = fmaf(lr[k], a[k], w);
            }
            const float t = clipf(w, tlb[i], tub[i]);
#pragma unroll
            for (int k = 0; k < KC; ++k) {
                if (k < K) {
                    const float p = a[k] * t;
                    v[k] += p;
                    if (CHECK) {
                        v[KC + k] += fabsf(p);
                    }
                }
            }
            if (CHECK) {
                tt = fmaf(t, t, tt);
                tb[i] = t;
            }
        }
        if (CHECK) {
            block_sum<2 * KC, true>(v, tt, [K](int j) { return j < KC ? (j < K ? j : -1)
                                                        : (j < 2 * KC ? (j - KC < K ? K + j - KC : -1) : 2 * K); },
                                    red, sh.res);
        } else {
            float u[KC];
#pragma unroll
            for (int k = 0; k < KC; ++k) {
                u[k] = v[k];
            }
            block_sum<KC, false>(u, 0.0f, [K](int j) { return j < K ? j : -1; }, red, sh.res);
        }
    } else {
        // K > 16: t first (written to tb), then the dot products 16 rows at a time.
        constexpr int C = 16;
        float tt = 0.0f;
        for (int i = threadIdx.x; i < d; i += blockDim.x) {
            float w = 0.0f;
            for (int k = 0; k < K; ++k) {
                w = fmaf(lam[k], Ab[k * strideAk + i], w);
            }
            const float t = clipf(w, tlb[i], tub[i]);
            tt = fmaf(t, t, tt);
            tb[i] = t;
        }
        for (int c0 = 0; c0 < K; c0 += C) {
            const int nk = min(C, K - c0);
            float v[2 * C];   // a_k^T t for the chunk's rows, then (CHECK) sum_i |a_ki t_i|
#pragma unroll
            for (int j = 0; j < 2 * C; ++j) {
                v[j] = 0.0f;
            }
            for (int i = threadIdx.x; i < d; i += blockDim.x) {
                const float t = tb[i];   // written by this thread above
#pragma unroll
                for (int k = 0; k < C; ++k) {
                    if (k < nk) {
                        const float p = Ab[(c0 + k) * strideAk + i] * t;
                        v[k] += p;
                        if (CHECK) {
                            v[C + k] += fabsf(p);
                        }
                    }
                }
            }
            if (CHECK) {
                const bool first = c0 == 0;
                block_sum<2 * C, true>(v, first ? tt : 0.0f, [K, nk, c0, first](int j) {
                    return j < C ? (j < nk ? c0 + j : -1)
                                 : (j < 2 * C ? (j - C < nk ? K + c0 + j - C : -1) : (first ? 2 * K : -1)); },
                                       red, sh.res);
            } else {
                float u[C];
#pragma unroll
                for (int k = 0; k < C; ++k) {
                    u[k] = v[k];
                }
                block_sum<C, false>(u, 0.0f, [nk, c0](int j) { return j < nk ? c0 + j : -1; }, red, sh.res);
            }
        }
    }
}

// Thread 0 evaluates the stopping rule at sh.x from sh.res; returns (to thread 0) solved, and G.
__device__ __forceinline__ bool dual_check(int K, float gapTol, float feasTol, const DualShared& sh, float& g) {
    const float p = 0.5f * sh.res[2 * K];
    float gap = 0.0f;
    bool feasible = true;
    for (int k = 0; k < K; ++k) {
        const float res = sh.res[k] - sh.r[k];
        gap = fmaf(sh.x[k], res, gap);
        if (!(-res <= feasTol * (fabsf(sh.r[k]) + sh.res[K + k]))) {
            feasible = false;
        }
    }
    g = p - gap;
    const float scale = fmaxf(p, fabsf(g));
    return feasible && (scale == 0.0f || fabsf(gap) <= gapTol * scale);
}

template <int KC>
__device__ void dual_solve_one(int b, int K, int d, const float* __restrict__ A, long long strideAb,
                               long long strideAk, const float* __restrict__ r, const float* __restrict__ tl,
                               const float* __restrict__ tu, long long strideBox, int boxGroup,
                               const float* __restrict__ eta, const float* __restrict__ lambda0, int maxIter,
                               int checkEvery, float gapTol, float feasTol, float* __restrict__ lambdaOut,
                               float* __restrict__ tOut, float* __restrict__ gOut, int* __restrict__ itersOut,
                               int* __restrict__ statusOut, const DualShared& sh, float* red, double* redd,
                               int* sflag, float* sval) {
    const float* Ab = A + (long long)b * strideAb;
    const float* tlb = tl + (long long)(b / boxGroup) * strideBox;
    const float* tub = tu + (long long)(b / boxGroup) * strideBox;
    float* tb = tOut + (long long)b * d;
    const int tid = threadIdx.x;

    // ---- exact single-row infeasibility test (float64) and ||A||_F^2
    int infeasibleRow = -1;
    double fro = 0.0;
    for (int k = 0; k < K; ++k) {
        double reach = 0.0;
        double sq = 0.0;
        for (int i = tid; i < d; i += blockDim.x) {
            const double a = (double)Ab[k * strideAk + i];
            if (a > 0.0) {
                reach += a * (double)tub[i];
            } else if (a < 0.0) {
                reach += a * (double)tlb[i];
            }
            sq += a * a;
        }
        block_sum_d2(reach, sq, redd);
        fro += sq;
        if (infeasibleRow < 0 && reach < (double)r[(long long)b * K + k]) {
            infeasibleRow = k;
        }
    }
    if (infeasibleRow >= 0) {   // uniform across the block: every thread has the same totals
        const float* ak = Ab + infeasibleRow * strideAk;
        for (int i = tid; i < d; i += blockDim.x) {
            const float a = ak[i];
            tb[i] = a > 0.0f ? tub[i] : (a < 0.0f ? tlb[i] : clipf(0.0f, tlb[i], tub[i]));
        }
        for (int k = tid; k < K; k += blockDim.x) {
            lambdaOut[(long long)b * K + k] = k == infeasibleRow ? 1.0f : 0.0f;
        }
        if (tid == 0) {
            gOut[b] = __int_as_float(0x7f800000);   // +inf: the dual is unbounded
            itersOut[b] = 0;
            statusOut[b] = DUAL_INFEASIBLE_IN_BOX;
        }
        __syncthreads();   // the next problem of this block reuses the scratch
        return;
    }
    float step = eta[b];
    if (!(step > 0.0f)) {
        step = fro > 0.0 ? (float)(1.0 / fro) : 0.0f;
    }

    // ---- start: x = y = max(0, lambda0)
    for (int k = tid; k < K; k += blockDim.x) {
        const float l0 = fmaxf(0.0f, lambda0[(long long)b * K + k]);   // fmaxf(0, NaN) = 0
        sh.x[k] = l0;
        sh.y[k] = l0;
        sh.r[k] = r[(long long)b * K + k];
    }
    __syncthreads();

    int it = 0;
    int status = DUAL_MAX_ITER;
    float theta = 1.0f;   // used by warp 0 only
    // check at the start (a warm start at the optimum, or lambda = 0 optimal, needs no iteration)
    dual_pass<KC, true>(Ab, strideAk, K, d, tlb, tub, sh.x, tb, sh, red);
    if (tid == 0) {
        float g;
        *sflag = dual_check(K, gapTol, feasTol, sh, g) ? 1 : 0;
        *sval = g;
    }
    __syncthreads();
    bool done = *sflag != 0;
    if (done) {
        status = DUAL_SOLVED;
    }
    while (!done && it < maxIter) {
        ++it;
        dual_pass<KC, false>(Ab, strideAk, K, d, tlb, tub, sh.y, tb, sh, red);
        if (tid < 32) {   // warp 0: projected step, restart test, momentum
            float turn = 0.0f;
            for (int k = tid; k < K; k += 32) {
                const float yk = sh.y[k];
                const float xn = fmaxf(0.0f, fmaf(step, sh.r[k] - sh.res[k], yk));
                turn = fmaf(yk - xn, xn - sh.x[k], turn);
                sh.xn[k] = xn;
            }
            turn = warp_sum(turn);
            float thetaNext = 0.5f * (1.0f + sqrtf(fmaf(4.0f * theta, theta, 1.0f)));
            float beta = (theta - 1.0f) / thetaNext;
            if (turn > 0.0f) {   // the momentum works against the ascent: restart
                thetaNext = 1.0f;
                beta = 0.0f;
            }
            theta = thetaNext;
            for (int k = tid; k < K; k += 32) {
                const float xo = sh.x[k];
                const float xn = sh.xn[k];
                sh.x[k] = xn;
                sh.y[k] = fmaf(beta, xn - xo, xn);
            }
        }
        __syncthreads();
        if (it % checkEvery == 0 || it == maxIter) {
            dual_pass<KC, true>(Ab, strideAk, K, d, tlb, tub, sh.x, tb, sh, red);
            if (tid == 0) {
                float g;
                *sflag = dual_check(K, gapTol, feasTol, sh, g) ? 1 : 0;
                *sval = g;
            }
            __syncthreads();
            if (*sflag != 0) {
                done = true;
                status = DUAL_SOLVED;
            }
        }
    }
    // tOut holds t(x) from the last check (every exit follows a check at the final x)
    for (int k = tid; k < K; k += blockDim.x) {
        lambdaOut[(long long)b * K + k] = sh.x[k];
    }
    if (tid == 0) {
        gOut[b] = *sval;
        itersOut[b] = it;
        statusOut[b] = status;
    }
    __syncthreads();   // the next problem of this block reuses the shared arrays
}

// Batched accelerated dual ascent; see the file header for the math, arguments and launch shape.
extern "C" __launch_bounds__(DUAL_MAX_THREADS, 1)
__global__ void dual_ascent_box(int B, int K, int d, const float* __restrict__ A, long long strideAb, long long strideAk,
                                const float* __restrict__ r, const float* __restrict__ tl, const float* __restrict__ tu,
                                long long strideBox, int boxGroup, const float* __restrict__ eta,
                                const float* __restrict__ lambda0, int maxIter, int checkEvery, float gapTol, float feasTol,
                                float* __restrict__ lambdaOut, float* __restrict__ tOut, float* __restrict__ gOut,
                                int* __restrict__ itersOut, int* __restrict__ statusOut) {
    __shared__ float red[DUAL_MAX_WARPS * RED_W];
    __shared__ double redd[2 * DUAL_MAX_WARPS];
    __shared__ int sflag;
    __shared__ float sval;
    extern __shared__ float dyn[];

    if ((blockDim.x & 31) != 0 || blockDim.x > DUAL_MAX_THREADS || blockDim.y != 1 || blockDim.z != 1
        || checkEvery < 1 || boxGroup < 1) {
        __trap();   // launch contract: see the file header
    }
    if (K < 1 || d < 1) {
        return;
    }
    DualShared sh;
    sh.x = dyn;
    sh.y = dyn + K;
    sh.xn = dyn + 2 * K;
    sh.r = dyn + 3 * K;
    sh.res = dyn + 4 * K;

    for (int b = blockIdx.x; b < B; b += gridDim.x) {
        if (K == 1) {
            dual_solve_one<1>(b, K, d, A, strideAb, strideAk, r, tl, tu, strideBox, boxGroup, eta, lambda0, maxIter,
                              checkEvery, gapTol, feasTol, lambdaOut, tOut, gOut, itersOut, statusOut, sh, red, redd,
                              &sflag, &sval);
        } else if (K <= 4) {
            dual_solve_one<4>(b, K, d, A, strideAb, strideAk, r, tl, tu, strideBox, boxGroup, eta, lambda0, maxIter,
                              checkEvery, gapTol, feasTol, lambdaOut, tOut, gOut, itersOut, statusOut, sh, red, redd,
                              &sflag, &sval);
        } else if (K <= 16) {
            dual_solve_one<16>(b, K, d, A, strideAb, strideAk, r, tl, tu, strideBox, boxGroup, eta, lambda0, maxIter,
                               checkEvery, gapTol, feasTol, lambdaOut, tOut, gOut, itersOut, statusOut, sh, red, redd,
                               &sflag, &sval);
        } else {
            dual_solve_one<0>(b, K, d, A, strideAb, strideAk, r, tl, tu, strideBox, boxGroup, eta, lambda0, maxIter,
                              checkEvery, gapTol, feasTol, lambdaOut, tOut, gOut, itersOut, statusOut, sh, red, redd,
                              &sflag, &sval);
        }
    }
}

// ------------------------------------------------------------------------------------------------
// dual_linearize_rows: the constraint rows of METHOD.md section 6's linearized problems, built where the
// batched reverse pass left the margin gradients, so that dual_ascent_box reads them without a trip to
// the host. For the recorded points z_n = x_n + D_n t_n (n < N) and R margins per sample, row
// q = n R + k (k < R) of the gradient buffer holds g_q = grad m_k(z_n), and
//
//     a_q = D_n g_q                   (a_qi = scale_ni g_qi: D = I for the additive model,
//                                      D = diag(baseline - x) for the deletion model)
//     r_q = kappa - m_q + a_q^T t_n   (= kappa - m_k(z_n) + g_q^T (z_n - x_n), since z_n - x_n = D_n t_n)
//
// so that a_q^T t >= r_q is the linearized constraint m_k(x + D t) >= kappa on the TOTAL perturbation t.
//
// Arguments: N samples, R rows per sample, d variables (ints); g [N R, d]; scale [N, d]; t [N, d];
//   m [N R] (the margins at z, computed by the host from the logits it already downloaded for
//   verification); kappa (double); a [N R, d] out (may be g itself: every element is read and then
//   written by the same thread); r [N R] out.
// Launch shape: 1-D blocks of blockDim.x threads, a multiple of 32 and at most 256 (the kernel traps
//   otherwise), any 1-D grid: blocks loop over rows q = blockIdx.x, + gridDim.x, ... (GpuBackend launches
//   min(N R, 65535) blocks of 128 threads, or 32 when d <= 128). Static shared memory: 8 doubles.
// Numerics: a_qi = scale_ni * g_qi is one float32 rounding (the product of two floats is exact in
//   double, so the float64 reference rounded to float is bit-identical); the dot product a_q^T t_n is
//   summed in float64 (each product of two floats exact), in a fixed order (per thread, then warp
//   shuffles, then warps in order), and kappa - m_q + dot is rounded once to float32. The
//   cancellation in r (late in the outer loop m(z) ~ kappa while g^T (z - x) is large) therefore costs
//   only the final rounding.
// Napkin math: per row, d multiplies and d fma (2 d flops in float32, d double adds); bytes: read
//   4 d (g) + 8 d (scale, t: cached, shared by the R rows of a sample) + 4, write 4 d + 4; the fewest
//   bytes per launch are 4 N R (2 d + 2) + 8 N d. Bandwidth bound (0.17 flop/byte): at N R = 2304
//   rows (256 samples x 9 competitors) and d = 784 it moves 16 MB, about 8 us at 2 TB/s.
extern "C" __launch_bounds__(DUAL_MAX_THREADS)
__global__ void dual_linearize_rows(int N, int R, int d, const float* g, const float* __restrict__ scale,
                                    const float* __restrict__ t, const float* __restrict__ m, double kappa, float* a,
                                    float* __restrict__ r) {
    __shared__ double red[DUAL_MAX_WARPS];
    if ((blockDim.x & 31) != 0 || blockDim.x > DUAL_MAX_THREADS || blockDim.y != 1 || blockDim.z != 1) {
        __trap();   // launch contract: see above
    }
    if (N < 1 || R < 1 || d < 1) {
        return;
    }
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int nw = blockDim.x >> 5;
    const long long rows = (long long)N * R;
    for (long long q = blockIdx.x; q < rows; q += gridDim.x) {
        const long long n = q / R;
        const float* gq = g + q * d;
        float* aq = a + q * d;
        const float* sn = scale + n * d;
        const float* tn = t + n * d;
        double dot = 0.0;
        for (int i = threadIdx.x; i < d; i += blockDim.x) {
            const float ai = sn[i] * gq[i];
            aq[i] = ai;
            dot += (double)ai * (double)tn[i];
        }
        dot = warp_sum_d(dot);
        if (lane == 0) {
            red[warp] = dot;
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            double s = 0.0;
            for (int w = 0; w < nw; ++w) {
                s += red[w];
            }
            r[q] = (float)(kappa - (double)m[q] + s);
        }
        __syncthreads();   // red is reused by the next row
    }
}
