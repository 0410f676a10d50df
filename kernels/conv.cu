// 2-D convolution (cross-correlation, groups = 1, dilation = 1, zero padding), float32, NCHW
// row-major, in three kernels:
//
//   conv2d_forward:          y[n,k,oh,ow]  = bias[k] + sum_{c,i,j} w[k,c,i,j] x[n,c,oh*SH-PH+i, ow*SW-PW+j]
//   conv2d_backward_data:    dx[n,c,h,w]   = sum_{k,oh,ow : oh*SH-PH+i = h, ow*SW-PW+j = w} w[k,c,i,j] dy[n,k,oh,ow]
//   conv2d_backward_weights: dw[k,c,i,j]   = sum_{n,oh,ow} dy[n,k,oh,ow] x[n,c,oh*SH-PH+i, ow*SW-PW+j]
//                            db[k]         = sum_{n,oh,ow} dy[n,k,oh,ow]
//
//   Shapes: x, dx [N,C,H,W]; w, dw [K,C,KH,KW]; bias, db [K]; y, dy [N,K,OH,OW] with
//   OH = (H + 2 PH - KH) / SH + 1 and OW likewise (the caller passes OH and OW; the kernels trust
//   them). Cells outside [0,H) x [0,W) are zero padding. Every dimension is an int parameter, in the
//   order N, C, H, W, K, KH, KW, SH, SW, PH, PW, OH, OW. N of conv2d_backward_data is the number of
//   gradient rows (a reverse pass of S seeds per sample runs N*S rows against the same w).
//   Every output element is written exactly once (never accumulated into), and no float atomics are
//   used: all three kernels are deterministic run to run for a fixed launch shape.
//
// Measured by the PTX emulator (kernels/emulated-profile-conv.txt: the sample CNN's conv1, 1 -> 8
//   channels on 28x28, and conv2, 8 -> 16 on 14x14, 3x3 pad 1, batch 4; batch 64 gives the same
//   ratios): global-load sector efficiency conv1 / conv2 = 0.997 / 1.007 forward, 0.996 / 1.008 data
//   gradient, 0.998 / 0.990 weight gradient (the issue's target is 0.8); zero shared-memory bank
//   conflicts; no spills (kernels/ptxas-report.txt). Values a little above 1: where two channels'
//   spans are adjacent in memory, the aligned start of one channel's copy re-reads up to 7 floats of
//   the previous one in the same warp access (bytes counted twice, the sector once). Store efficiency
//   1.0 / 0.875 (conv2's 196-float planes start on 16-byte boundaries); the weight gradient's stores
//   (KH*KW floats per block) are too few to matter.
//
// conv2d_forward and conv2d_backward_data: one kernel body (conv_gather), the "gather" form.
//   Both compute an output plane of PO positions (rows x columns) per (row n, output channel o)
//   as a sum over input channels ci of a window of an input plane of IH x IW:
//     forward:       o = k, ci = c, input x (IH, IW = H, W), output y (OH x OW),
//                    input cell of output (a, b) and tap (i, j): (a*SH - PH + i, b*SW - PW + j)
//     backward data: o = c, ci = k, input dy (IH, IW = OH, OW), output dx (H x W),
//                    input cell of output (h, w) and tap (i, j): ((h + PH - i) / SH, (w + PW - j) / SW)
//                    when both divisions are exact and in range (otherwise no contribution).
//   Launch shape: block = (256, 1, 1); grid = (ceil(PO / 256), ceil(KO / OB), N) where KO is the
//   number of output channels (K forward, C backward data) and OB = 1 if KO == 1, 4 if KO <= 4,
//   else 8 (output channels per block; org.lde.engine.gpu.ConvKernels computes it). N <= 65535.
//   Thread t of block (bx, by, n) computes output position q = 256 bx + t of channels
//   o = OB by .. OB by + OB - 1 of row n, in OB register accumulators (positions q >= PO and
//   channels o >= KO are computed from zeros and not stored). threadIdx.x runs along the
//   contiguous output dimension, so the stores of a warp are 32 consecutive floats of a plane.
//   Shared memory (static, 24 KiB): the block stages, per chunk of CB input channels,
//     * the input rows its 256 positions read (all IW columns: one contiguous span per channel),
//       copied by the whole block as a flat loop whose start is moved down to a 32-byte boundary
//       (at most 7 extra floats), so each warp's load is 32 consecutive floats in 4 whole sectors;
//     * the weights w[o, ci, :, :] of its OB output channels and CB input channels, in runs of
//       CB*KH*KW (forward: contiguous per o, stored as sw[o][ci][tap]) or OB*KH*KW (backward:
//       contiguous per ci, stored as sw[ci][o][tap]) floats, so the shared stores are contiguous too;
//       the compute loop reads them as warp broadcasts (no bank conflict);
//     * (forward) the OB biases, one load each (a per-lane bias load would be a 32-lane broadcast).
//     CB is the largest chunk with CB * slot <= 4096, slot = span + 7 rounded up to a multiple of 8
//     (so that every channel's copy starts 32-byte aligned in the flat loop), and
//     CB * OB * KH * KW <= 2048 floats.
//     When even one channel does not fit (very wide rows, or KH*KW*OB > 2048), the same body runs
//     unstaged: it reads x (or dy) and w straight from global memory (correct, slower).
//   Forward reads inside the shared rows are consecutive words for consecutive lanes when SW = 1
//   (stride-SW words otherwise: an SW-way bank conflict for SW even). A padding column (tap outside
//   [0, IW)) loads a clamped real cell of its row and selects 0 instead of branching, so that no
//   address outside the staged rows is ever formed: nvcc strength-reduces the column loop into
//   [base + 4 j] addresses, and a base left at a padding column before shared offset 0 wraps at 2^32
//   (harmless on a GPU, a sanitizer error on the emulator). Padding rows are skipped (a branch).
//   Napkin math (forward): 2 N K OH OW C KH KW flops; fewest bytes 4 (N C H W + K C KH KW + K +
//   N K OH OW). This kernel reads each input row footprint once per group of OB output channels,
//   i.e. x about ceil(K/OB) (1 + (KH-SH)/rows-per-tile) times, and w once per (position tile, row).
//   Backward data: the same flop count, fewest bytes 4 (N K OH OW + K C KH KW + N C H W).
//
// conv2d_backward_weights: one block per (c, k): grid = (C, K, 1), block = (256, 1, 1).
//   The block computes the KH*KW taps of dw[k,c,:,:] (in passes of T taps, T the smallest of 1, 4,
//   9 that holds KH*KW, or 9 with several passes; each tap in a register accumulator per thread)
//   and, when c == 0, db[k]. It walks the rows n and, per row, tiles of 256 output positions: it stages the dy tile of plane (n,k) and the x rows of plane (n,c) that the
//   tile reads (same aligned copies as above), and thread t adds dy[q] * x[window cell of tap] for
//   its position q. Then a fixed-order block reduction: a shuffle-xor butterfly per warp, the 8
//   warp partials through shared memory, summed by one thread per tap in warp order.
//   Padding taps load a clamped real cell and select 0 (as above); tiles whose windows are all
//   padding skip the taps. Unstaged (global) fallback when the x rows of a tile exceed 4096 floats.
//   Napkin math: 2 N K OH OW C KH KW flops (+ N K OH OW for db); fewest bytes 4 (N C H W +
//   N K OH OW + K C KH KW + K). This kernel reads dy C times and x K times (once per block).

#include <cstdint>

#define THREADS 256        // block size of every kernel in this file (1-D)
#define SBUF 4096          // shared floats for staged input rows (16 KiB)
#define WBUF 2048          // shared floats for staged weights (8 KiB)
#define TAPS 9             // most taps per pass of conv2d_backward_weights (T = 1, 4 or 9)
#define WARPS (THREADS / 32)
#define MIN_BLOCKS 2      // __launch_bounds__ minimum blocks per SM: lets ptxas use up to 128 registers
                          // (with the block size alone, ptxas 13 capped the gather kernels at 64 and spilled)

// The number of floats by which a copy of src[lo ..) starts early so that it starts on a 32-byte
// boundary: (address of src + lo) mod 32 / 4, but never below src[0].
__device__ __forceinline__ int align_shift(const float* src, long long lo) {
    const int mis = (int)(((uintptr_t)(src + lo) >> 2) & 7);
    return lo < mis ? (int)lo : mis;
}

// Copies `spans` spans of global floats into shared memory, slot s at dst[s * slot ...]: span s is
// src[lo(s) - shift, lo(s) + len) (shift = align_shift(src, lo(s))), so element lo(s) + e lands at
// dst[s * slot + shift + e]. slot >= len + 7. Elements of a slot past the span are left unwritten
// (never read). All threads of the block take part; no barrier inside.
// An empty span (len == 0: every window of the tile lies in the padding) copies nothing. Its lo(s) may
// then lie past the end of src (a tile of output rows inside the bottom padding has r0 > IH - 1), and
// the alignment shift would read up to 7 floats before it, i.e. past the end of the allocation (the
// sanitizer's report for padding well above the kernel size, e.g. kernel 1 with padding 4 on 28x28).
template <typename Lo>
__device__ __forceinline__ void stage_spans(const float* __restrict__ src, int spans, int len, int slot, Lo lo,
                                            float* dst) {
    if (len <= 0) {
        return;   // uniform over the block
    }
    const int total = spans * slot;
    for (int e = threadIdx.x; e < total; e += THREADS) {
        const int s = e / slot;
        const int off = e - s * slot;
        const long long l = lo(s);
        const int shift = align_shift(src, l);
        if (off < shift + len) {
            dst[e] = src[l - shift + off];
        }
    }
}

// The body of conv2d_forward (BACKWARD = false) and conv2d_backward_data (BACKWARD = true); see the
// file header. OB output channels per block; STAGED: through shared memory, else straight from global.
template <bool BACKWARD, bool STAGED, int OB>
__device__ __forceinline__ void conv_gather(const float* __restrict__ in, const float* __restrict__ w,
                                            const float* __restrict__ bias, float* __restrict__ out,
                                            int CI, int IH, int IW, int KO, int OHo, int OWo,
                                            int KH, int KW, int SH, int SW, int PH, int PW,
                                            int r0, int r1, int span, int slot, int cb,
                                            float* s_in, float* s_w, float* s_b) {
    const int n = blockIdx.z;
    const int o0 = blockIdx.y * OB;
    const int PO = OHo * OWo;
    const int q = blockIdx.x * THREADS + threadIdx.x;
    const bool active = q < PO;
    const int a = active ? q / OWo : 0;     // output row (forward: oh; backward: h)
    const int b = active ? q - a * OWo : 0; // output column
    const int khkw = KH * KW;

    float acc[OB];
#pragma unroll
    for (int u = 0; u < OB; ++u) {
        acc[u] = 0.0f;
    }
    if (!BACKWARD && threadIdx.x < OB) {   // the block's biases: one load each, not one per lane
        s_b[threadIdx.x] = o0 + (int)threadIdx.x < KO ? bias[o0 + threadIdx.x] : 0.0f;
    }
    __syncthreads();

    for (int c0 = 0; c0 < CI; c0 += cb) {
        const int cn = min(cb, CI - c0);
        if (STAGED) {
            __syncthreads();   // the previous chunk's reads are done
            // input rows r0..r1 of planes (n, c0 .. c0+cn-1), one span of `span` floats each
            stage_spans(in, cn, span, slot,
                        [=](int s) { return ((long long)(n * CI + c0 + s) * IH + r0) * IW; }, s_in);
            // weights sw[cl][ol][tap]
            const int wn = cn * OB * khkw;
            for (int e = threadIdx.x; e < wn; e += THREADS) {
                int cl, ol, tap;
                long long src;
                if (!BACKWARD) {   // sw[ol][cl][tap], e = (ol * cn + cl) * khkw + tap: contiguous per ol in w[o][ci][tap]
                    tap = e % khkw;
                    const int r = e / khkw;
                    cl = r % cn;
                    ol = r / cn;
                    src = ((long long)(o0 + ol) * CI + c0 + cl) * khkw + tap;
                } else {           // sw[cl][ol][tap], e = (cl * OB + ol) * khkw + tap: contiguous per cl in w[ci][o][tap]
                    tap = e % khkw;
                    const int r = e / khkw;
                    ol = r % OB;
                    cl = r / OB;
                    src = ((long long)(c0 + cl) * KO + o0 + ol) * khkw + tap;
                }
                s_w[e] = o0 + ol < KO ? w[src] : 0.0f;   // e = swIndex(cl, ol, tap): a contiguous store
            }
            __syncthreads();
        }
        if (active) {
            for (int cl = 0; cl < cn; ++cl) {
                const int ci = c0 + cl;
                const long long lo = ((long long)(n * CI + ci) * IH + r0) * IW;   // row r0 of plane (n, ci)
                // element (r, col) of the input plane, r0 <= r <= r1, is rows[(r - r0) * IW + col]
                const float* rows = STAGED ? s_in + cl * slot + align_shift(in, lo) : in + lo;
                for (int i = 0; i < KH; ++i) {
                    int r;
                    if (!BACKWARD) {
                        r = a * SH - PH + i;
                    } else {
                        const int t = a + PH - i;   // stride 1 (uniform): no integer division
                        r = SH == 1 ? t : (t >= 0 && t % SH == 0) ? t / SH : -1;
                    }
                    if (r < 0 || r >= IH) {
                        continue;
                    }
                    for (int j = 0; j < KW; ++j) {
                        int col;
                        if (!BACKWARD) {
                            col = b * SW - PW + j;
                        } else {
                            const int t = b + PW - j;
                            col = SW == 1 ? t : (t >= 0 && t % SW == 0) ? t / SW : -1;
                        }
                        // Padding columns: load a real cell of the row (the column clamped into
                        // [0, IW)) and select 0, never forming the address of a cell outside the
                        // row (nvcc strength-reduces the column loop into [base + 4 j] addresses; a base
                        // left at a padding column before shared offset 0 would wrap at 2^32).
                        const float cell = rows[(r - r0) * IW + min(max(col, 0), IW - 1)];
                        const float v = (col >= 0 && col < IW) ? cell : 0.0f;
                        const int tap = i * KW + j;
#pragma unroll
                        for (int u = 0; u < OB; ++u) {
                            float wv;
                            if (STAGED) {
                                wv = s_w[(!BACKWARD ? u * cn + cl : cl * OB + u) * khkw + tap];
                            } else if (o0 + u < KO) {
                                wv = !BACKWARD ? w[((long long)(o0 + u) * CI + ci) * khkw + tap]
                                               : w[((long long)ci * KO + o0 + u) * khkw + tap];
                            } else {
                                wv = 0.0f;
                            }
                            acc[u] = fmaf(wv, v, acc[u]);
                        }
                    }
                }
            }
        }
    }

    if (active) {
#pragma unroll
        for (int u = 0; u < OB; ++u) {
            const int o = o0 + u;
            if (o < KO) {
                const float bv = BACKWARD ? 0.0f : s_b[u];
                out[((long long)n * KO + o) * PO + q] = acc[u] + bv;
            }
        }
    }
}

// Picks the chunking (see the file header) and the staged or unstaged body; the choice is uniform
// over the block (it depends on the block's position tile and the shape only).
template <bool BACKWARD, int OB>
__device__ __forceinline__ void conv_gather_launch(const float* in, const float* w, const float* bias, float* out,
                                                   int CI, int IH, int IW, int KO, int OHo, int OWo,
                                                   int KH, int KW, int SH, int SW, int PH, int PW,
                                                   float* s_in, float* s_w, float* s_b) {
    const int PO = OHo * OWo;
    const int q0 = blockIdx.x * THREADS;
    if (q0 >= PO || (int)blockIdx.y * OB >= KO) {
        return;   // a block beyond the data (a larger grid than needed): the whole block leaves
    }
    const int a0 = q0 / OWo;
    const int a1 = min(q0 + THREADS - 1, PO - 1) / OWo;
    int r0, r1;   // input rows read by output rows a0..a1
    if (!BACKWARD) {
        r0 = max(0, a0 * SH - PH);
        r1 = min(IH - 1, a1 * SH - PH + KH - 1);
    } else {
        const int lo = a0 + PH - KH + 1;
        r0 = lo <= 0 ? 0 : (lo + SH - 1) / SH;
        r1 = min(IH - 1, (a1 + PH) / SH);
    }
    const int span = r1 >= r0 ? (r1 - r0 + 1) * IW : 0;
    const int slot = (span + 7 + 7) & ~7;   // a multiple of 8 floats: every slot's copy stays 32-byte aligned
    const int khkw = KH * KW;
    int cb = min(SBUF / slot, WBUF / (OB * khkw));
    if (cb >= 1) {
        cb = min(cb, max(CI, 1));
        conv_gather<BACKWARD, true, OB>(in, w, bias, out, CI, IH, IW, KO, OHo, OWo, KH, KW, SH, SW, PH, PW,
                                        r0, r1, span, slot, cb, s_in, s_w, s_b);
    } else {
        conv_gather<BACKWARD, false, OB>(in, w, bias, out, CI, IH, IW, KO, OHo, OWo, KH, KW, SH, SW, PH, PW,
                                         r0, r1, span, slot, max(CI, 1), s_in, s_w, s_b);
    }
}

// Dispatches on OB = 1 (KO == 1), 4 (KO <= 4), 8 (otherwise): the rule of the launch shape.
template <bool BACKWARD>
__device__ __forceinline__ void conv_gather_dispatch(const float* in, const float* w, const float* bias, float* out,
                                                     int CI, int IH, int IW, int KO, int OHo, int OWo,
                                                     int KH, int KW, int SH, int SW, int PH, int PW) {
    __shared__ float s_in[SBUF];   // one static allocation shared by the three OB variants
    __shared__ float s_w[WBUF];
    __shared__ float s_b[8];
    if (KO <= 1) {
        conv_gather_launch<BACKWARD, 1>(in, w, bias, out, CI, IH, IW, KO, OHo, OWo, KH, KW, SH, SW, PH, PW, s_in, s_w, s_b);
    } else if (KO <= 4) {
        conv_gather_launch<BACKWARD, 4>(in, w, bias, out, CI, IH, IW, KO, OHo, OWo, KH, KW, SH, SW, PH, PW, s_in, s_w, s_b);
    } else {
        conv_gather_launch<BACKWARD, 8>(in, w, bias, out, CI, IH, IW, KO, OHo, OWo, KH, KW, SH, SW, PH, PW, s_in, s_w, s_b);
    }
}

// y = conv(x, w) + bias; x [N,C,H,W], w [K,C,KH,KW], bias [K], y [N,K,OH,OW] (written, never read).
// Launch: block (256,1,1), grid (ceil(OH*OW/256), ceil(K/OB), N), OB = K == 1 ? 1 : K <= 4 ? 4 : 8.
extern "C" __launch_bounds__(THREADS, MIN_BLOCKS)
__global__ void conv2d_forward(const float* x, const float* w, const float* bias, float* y, int N, int C, int H, int W, int K,
                               int KH, int KW, int SH, int SW, int PH, int PW, int OH, int OW) {
    if ((int)blockIdx.z >= N) {
        return;   // a row beyond the data (a larger grid than needed): the whole block leaves
    }
    conv_gather_dispatch<false>(x, w, bias, y, C, H, W, K, OH, OW, KH, KW, SH, SW, PH, PW);
}

// dx = conv^T(dy, w) (the data gradient, gather form); dy [N,K,OH,OW], w [K,C,KH,KW], dx [N,C,H,W]
// (written, never read); N = gradient rows. Launch: block (256,1,1),
// grid (ceil(H*W/256), ceil(C/OB), N), OB = C == 1 ? 1 : C <= 4 ? 4 : 8.
extern "C" __launch_bounds__(THREADS, MIN_BLOCKS)
__global__ void conv2d_backward_data(const float* dy, const float* w, float* dx, int N, int C, int H, int W, int K,
                                     int KH, int KW, int SH, int SW, int PH, int PW, int OH, int OW) {
    if ((int)blockIdx.z >= N) {
        return;   // a row beyond the data: the whole block leaves
    }
    conv_gather_dispatch<true>(dy, w, nullptr, dx, K, OH, OW, C, H, W, KH, KW, SH, SW, PH, PW);
}

// The body of conv2d_backward_weights (see the file header); STAGED: x rows and dy tiles through
// shared memory, else straight from global memory.
template <bool STAGED, int T>
__device__ __forceinline__ void conv_wgrad(const float* __restrict__ x, const float* __restrict__ dy,
                                           float* __restrict__ dw, float* __restrict__ db,
                                           int N, int C, int H, int W, int K, int KH, int KW,
                                           int SH, int SW, int PH, int PW, int OH, int OW,
                                           float* s_x, float* s_dy, float* s_red) {
    const int c = blockIdx.x;
    const int k = blockIdx.y;
    const int PO = OH * OW;
    const int khkw = KH * KW;
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;

    for (int t0 = 0; t0 < khkw; t0 += T) {
        float acc[T];
#pragma unroll
        for (int u = 0; u < T; ++u) {
            acc[u] = 0.0f;
        }
        float dbacc = 0.0f;
        const int i0 = t0 / KW;
        const int j0 = t0 - i0 * KW;

        for (int n = 0; n < N; ++n) {
            const long long xplane = (long long)(n * C + c) * H * W;
            const long long dyplane = (long long)(n * K + k) * PO;
            for (int q0 = 0; q0 < PO; q0 += THREADS) {
                const int len = min(THREADS, PO - q0);
                const int a0 = q0 / OW;
                const int a1 = (q0 + len - 1) / OW;
                const int r0 = max(0, a0 * SH - PH);
                const int r1 = min(H - 1, a1 * SH - PH + KH - 1);
                const int span = r1 >= r0 ? (r1 - r0 + 1) * W : 0;
                if (STAGED) {
                    __syncthreads();   // the previous tile's reads are done
                    stage_spans(x, 1, span, span + 7, [=](int) { return xplane + (long long)r0 * W; }, s_x);
                    stage_spans(dy, 1, len, len + 7, [=](int) { return dyplane + q0; }, s_dy);
                    __syncthreads();
                }
                const int q = q0 + threadIdx.x;
                if (q < PO) {
                    float d;
                    const float* rows;   // element (r, col) of x plane (n, c) is rows[(r - r0) * W + col]
                    if (STAGED) {
                        d = s_dy[align_shift(dy, dyplane + q0) + threadIdx.x];
                        rows = s_x + align_shift(x, xplane + (long long)r0 * W);
                    } else {
                        d = dy[dyplane + q];
                        rows = x + xplane + (long long)min(r0, H - 1) * W;
                    }
                    dbacc += d;
                    const int a = q / OW;
                    const int b = q - a * OW;
                    const int ra = a * SH - PH;
                    const int cbase = b * SW - PW;
                    int i = i0;   // tap t0 + u is (i, j), advanced in row-major order
                    int j = j0;
#pragma unroll
                    for (int u = 0; u < T; ++u) {
                        if (t0 + u < khkw && span > 0) {   // span == 0: every window of the tile is padding
                            const int r = ra + i;
                            const int col = cbase + j;
                            // padding: load a clamped real cell of the staged rows and select 0, so that
                            // no address outside the rows is ever formed (see conv_gather)
                            const float cell = rows[(min(max(r, r0), r1) - r0) * W + min(max(col, 0), W - 1)];
                            acc[u] = fmaf(d, (r >= 0 && r < H && col >= 0 && col < W) ? cell : 0.0f, acc[u]);
                        }
                        if (++j == KW) {
                            j = 0;
                            ++i;
                        }
                    }
                }
            }
        }

        // fixed-order block reduction of acc[0..T) and dbacc
#pragma unroll
        for (int u = 0; u <= T; ++u) {
            float v = u < T ? acc[u] : dbacc;
#pragma unroll
            for (int off = 16; off > 0; off >>= 1) {
                v += __shfl_xor_sync(0xffffffffu, v, off);
            }
            if (lane == 0) {
                s_red[warp * (T + 1) + u] = v;
            }
        }
        __syncthreads();
        if (threadIdx.x <= T) {
            float s = 0.0f;
#pragma unroll
            for (int wi = 0; wi < WARPS; ++wi) {
                s += s_red[wi * (T + 1) + threadIdx.x];
            }
            const int tap = t0 + threadIdx.x;
            if (threadIdx.x < T && tap < khkw) {
                dw[(long long)(k * C + c) * khkw + tap] = s;
            } else if (threadIdx.x == T && t0 == 0 && c == 0) {
                db[k] = s;
            }
        }
        __syncthreads();   // s_red is reused by the next pass
    }
}

// dw = sum over rows and positions of dy * shifted x; db = sum of dy. x [N,C,H,W], dy [N,K,OH,OW],
// dw [K,C,KH,KW], db [K] (both written, never read). Launch: block (256,1,1), grid (C, K, 1).
extern "C" __launch_bounds__(THREADS, MIN_BLOCKS)
__global__ void conv2d_backward_weights(const float* x, const float* dy, float* dw, float* db, int N, int C, int H, int W, int K,
                                        int KH, int KW, int SH, int SW, int PH, int PW, int OH, int OW) {
    __shared__ float s_x[SBUF];
    __shared__ float s_dy[THREADS + 8];
    __shared__ float s_red[WARPS * (TAPS + 1)];
    if ((int)blockIdx.x >= C || (int)blockIdx.y >= K) {
        return;   // a block beyond the data: the whole block leaves
    }
    // the most x rows one tile of 256 output positions reads (output rows a0..a1, a1 - a0 <= rows)
    const int PO = OH * OW;
    const int outRows = PO > 0 ? min(OH - 1, (THREADS - 1 + OW - 1) / OW) : 0;
    const int maxRows = min(H, outRows * SH + KH);
    const bool staged = (long long)maxRows * W + 7 <= SBUF;
    const int khkw = KH * KW;
    // taps per pass: the smallest of 1, 4, 9 that holds all taps (9 and several passes beyond)
#define WGRAD(T)                                                                                               \
    if (staged) {                                                                                              \
        conv_wgrad<true, T>(x, dy, dw, db, N, C, H, W, K, KH, KW, SH, SW, PH, PW, OH, OW, s_x, s_dy, s_red);   \
    } else {                                                                                                   \
        conv_wgrad<false, T>(x, dy, dw, db, N, C, H, W, K, KH, KW, SH, SW, PH, PW, OH, OW, s_x, s_dy, s_red);  \
    }
    if (khkw <= 1) {
        WGRAD(1)
    } else if (khkw <= 4) {
        WGRAD(4)
    } else {
        WGRAD(TAPS)
    }
#undef WGRAD
}
