// 2-D max and average pooling, float32, NCHW row-major, forward and backward (gather form).
//
//   maxpool2d_forward:  y[n,c,oh,ow] = max_{i,j} x[n,c,oh*SH-PH+i, ow*SW-PW+j]   (padding = -inf)
//                       argmax[n,c,oh,ow] = h*W + w of the FIRST maximal cell in row-major window
//                       order (i outer, j inner, strict >), within its (n,c) plane
//   maxpool2d_backward: dx[r,c,h,w] = sum_{oh,ow : window (oh,ow) holds (h,w), argmax[r / rowsPerSample,
//                       c,oh,ow] == h*W+w} dy[r,c,oh,ow]
//   avgpool2d_forward:  y[n,c,oh,ow] = (sum_{i,j} x[n,c,oh*SH-PH+i, ow*SW-PW+j]) / (KH*KW)
//                       (count_include_pad: padding cells count as zeros, the divisor is always KH*KW)
//   avgpool2d_backward: dx[r,c,h,w] = (sum_{oh,ow : window (oh,ow) holds (h,w)} dy[r,c,oh,ow]) / (KH*KW)
//
//   Shapes: x, dx [rows,C,H,W]; y, dy, argmax [rows,C,OH,OW], OH = (H + 2 PH - KH) / SH + 1 and
//   OW likewise (passed by the caller). Window (oh, ow) covers rows oh*SH-PH .. oh*SH-PH+KH-1 and
//   columns ow*SW-PW .. ow*SW-PW+KW-1; cells outside [0,H) x [0,W) are padding. Input cell h lies in
//   the windows oh = ceil((h+PH-KH+1)/SH) .. floor((h+PH)/SH), clipped to [0, OH).
//   maxpool2d_backward reads argmax of sample r / rowsPerSample (a reverse pass of S seeds per sample
//   runs rows = N*S gradient rows against the N samples' argmax).
//
// Max-pooling NaN and empty windows, as the float64 reference (ReferenceOps.maxPoolForward): the first
//   real (non-padding) cell of the window in row-major order initialises the maximum, and a later cell
//   replaces it only when strictly greater. So a NaN in the first real cell gives y = NaN (argmax that
//   cell); a NaN later in the window is ignored (NaN > m is false). Inputs are expected finite. A
//   window that holds only padding (possible only when PH >= KH or PW >= KW) gives y = -inf and
//   argmax = -1 (which maxpool2d_backward matches with no cell).
//
// Launch shape (all four kernels): a 1-D grid-stride loop over the outputs (forward: rows*C*OH*OW;
//   backward: rows*C*H*W) in row-major order, so threadIdx.x runs along the contiguous ow (or w)
//   dimension and the stores of a warp are 32 consecutive elements. Any grid works (the forward
//   kernels stride over tiles of blockDim.x outputs, uniformly per block; blockDim.x <= 256);
//   suggested: block = (256,1,1), grid = min(ceil(total / 256), 65535). One thread per output
//   element, no atomics: every output element is written exactly once, deterministically.
//   Forward (the one idea of this version): a tile of 256 consecutive outputs reads one contiguous
//   range of x (from the first window's top row to the last window's bottom row, across planes);
//   the block copies it into shared memory (16 KiB) as a flat loop started on a 32-byte boundary, so
//   every warp load is 32 consecutive floats in 4 whole sectors, then reduces the windows from
//   shared memory (stride SW words apart for neighbouring lanes: an SW-way bank conflict for even
//   SW). Tiles whose range exceeds 4096 floats (rows wider than about 4096 / (rows per tile)) read x
//   straight from global memory instead. Padding columns load a clamped real cell and ignore it, so
//   no address outside a row is ever formed.
//   Backward: straight from global memory; the lanes of a warp read neighbouring dy (and argmax)
//   cells, often the same one twice (a broadcast) for 2x2 stride-2 windows.
//
// Measured by the PTX emulator (kernels/emulated-profile-pool.txt: the sample CNN's 2x2 stride-2
//   pooling on [8,28,28] and [16,14,14], batch 4): forward load sector efficiency 1.000 / 0.998 with
//   3283 / 1612 sectors (the unstaged first version: 0.42 / 0.33 with 7504 / 4760 sectors); about two
//   extra wavefronts per shared read warp access (stride-2 reads across two output rows). Backward
//   load efficiency 0.96-1.47 (above 1: broadcasts of one dy cell to both lanes of its window).
//   Stores 1.0 everywhere. No spills.
//
// Napkin math: forward: rows C OH OW KH KW comparisons or adds; fewest bytes 4 (rows C H W +
//   rows C OH OW) (+ 4 rows C OH OW for argmax). Backward: at most rows C H W ceil(KH/SH) ceil(KW/SW)
//   adds; fewest bytes 4 (rows C OH OW + rows C H W) (+ 4 N C OH OW argmax reads).

#include <cstdint>

#define THREADS 256
#define SBUF 4096          // shared floats for the staged input rows of the forward kernels (16 KiB)
#define MIN_BLOCKS 2       // __launch_bounds__ minimum blocks per SM: up to 128 registers (the block size alone
                           // let ptxas 13 cap avgpool2d_forward at 64 registers and spill)

// Calls f(e) for every e in [0, total), total given as a 64-bit count.
template <typename F>
__device__ __forceinline__ void grid_stride(long long total, F f) {
    const long long stride = (long long)blockDim.x * gridDim.x;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total; e += stride) {
        f(e);
    }
}

// The windows that hold input cell v (row or column) of a size-`in` axis: [*lo, *hi] (empty when lo > hi).
__device__ __forceinline__ void windows_of(int v, int K, int S, int P, int out, int* lo, int* hi) {
    const int t = v + P - K + 1;
    *lo = t <= 0 ? 0 : (t + S - 1) / S;
    *hi = min(out - 1, (v + P) / S);
}

// The bytes of a copy of src[lo ..) that starts early so that it starts on a 32-byte boundary: the
// shift in floats, (address of src + lo) mod 32 / 4, but never below src[0].
__device__ __forceinline__ int align_shift(const float* src, long long lo) {
    const int mis = (int)(((uintptr_t)(src + lo) >> 2) & 7);
    return lo < mis ? (int)lo : mis;
}

// The body of maxpool2d_forward (MAX) and avgpool2d_forward (!MAX); see the file header.
template <bool MAX>
__device__ __forceinline__ void pool_forward(const float* __restrict__ x, float* __restrict__ y,
                                             int* __restrict__ argmax, int N, int C, int H, int W, int KH, int KW,
                                             int SH, int SW, int PH, int PW, int OH, int OW) {
    __shared__ float s_x[SBUF];
    const long long total = (long long)N * C * OH * OW;
    const long long planeOut = (long long)OH * OW;
    const float count = (float)(KH * KW);
    const long long step = (long long)blockDim.x * gridDim.x;
    for (long long e0 = (long long)blockIdx.x * blockDim.x; e0 < total; e0 += step) {   // uniform over the block
        // the input rows the tile's windows read: from the first output's window top (plane of e0) to the
        // last output's window bottom (plane of e1), one contiguous range [lo, hi) of x
        const long long e1 = min(e0 + (long long)blockDim.x, total) - 1;
        const int oh0 = (int)((e0 / OW) % OH);
        const int oh1 = (int)((e1 / OW) % OH);
        const long long lo = (e0 / planeOut * H + min(max(oh0 * SH - PH, 0), H)) * W;
        const long long hi = (e1 / planeOut * H + min(max(oh1 * SH - PH + KH, 0), H)) * W;
        const bool staged = hi - lo + 7 <= SBUF;
        int shift = 0;
        if (staged) {
            __syncthreads();   // the previous tile's reads are done
            shift = align_shift(x, lo);
            const int len = (int)(hi - lo) + shift;
            for (int k = threadIdx.x; k < len; k += blockDim.x) {
                s_x[k] = x[lo - shift + k];
            }
            __syncthreads();
        }
        const long long e = e0 + threadIdx.x;
        if (e >= total) {
            continue;
        }
        const int ow = (int)(e % OW);
        const long long t = e / OW;
        const int oh = (int)(t % OH);
        const long long rowOfPlane = t / OH * H;   // (n*C + c) * H
        float best = __int_as_float(0xff800000);   // -inf (max)
        int where = -1;
        float sum = 0.0f;                          // (avg)
        for (int i = 0; i < KH; ++i) {
            const int h = oh * SH - PH + i;
            if (h < 0 || h >= H) {
                continue;
            }
            const long long at = (rowOfPlane + h) * W;   // x index of (h, 0); lo <= at + w < hi for w in [0, W)
            const float* row = staged ? s_x + shift + (int)(at - lo) : x + at;
            for (int j = 0; j < KW; ++j) {
                const int w = ow * SW - PW + j;
                const bool real = w >= 0 && w < W;
                // a padding column loads a clamped real cell and ignores it: no address outside the row
                const float v = row[min(max(w, 0), W - 1)];
                if (MAX) {
                    if (real && (where < 0 || v > best)) {
                        best = v;
                        where = h * W + w;
                    }
                } else {
                    sum += real ? v : 0.0f;
                }
            }
        }
        if (MAX) {
            y[e] = best;
            argmax[e] = where;
        } else {
            y[e] = sum / count;
        }
    }
}

// y = window max, argmax = h*W+w of its first maximal cell. x [N,C,H,W]; y, argmax [N,C,OH,OW]
// (written, never read). Launch: see the file header.
extern "C" __launch_bounds__(THREADS, MIN_BLOCKS)
__global__ void maxpool2d_forward(const float* __restrict__ x, float* __restrict__ y, int* __restrict__ argmax, int N, int C,
                                  int H, int W, int KH, int KW, int SH, int SW, int PH, int PW, int OH, int OW) {
    pool_forward<true>(x, y, argmax, N, C, H, W, KH, KW, SH, SW, PH, PW, OH, OW);
}

// dx = dy routed to each window's argmax cell (gather). dy [rows,C,OH,OW], argmax [rows/rowsPerSample,C,OH,OW],
// dx [rows,C,H,W] (written, never read). Launch: see the file header.
extern "C" __launch_bounds__(THREADS, MIN_BLOCKS)
__global__ void maxpool2d_backward(const float* __restrict__ dy, const int* __restrict__ argmax, float* __restrict__ dx,
                                   int rows, int rowsPerSample, int C, int H, int W, int KH, int KW, int SH, int SW,
                                   int PH, int PW, int OH, int OW) {
    grid_stride((long long)rows * C * H * W, [=](long long e) {
        const int w = (int)(e % W);
        const long long t = e / W;
        const int h = (int)(t % H);
        const long long rc = t / H;        // r * C + c
        const int c = (int)(rc % C);
        const long long r = rc / C;
        const float* g = dy + rc * OH * OW;
        const int* am = argmax + ((r / rowsPerSample) * C + c) * OH * OW;
        const int self = h * W + w;
        int oh0, oh1, ow0, ow1;
        windows_of(h, KH, SH, PH, OH, &oh0, &oh1);
        windows_of(w, KW, SW, PW, OW, &ow0, &ow1);
        float s = 0.0f;
        for (int oh = oh0; oh <= oh1; ++oh) {
            for (int ow = ow0; ow <= ow1; ++ow) {
                const int o = oh * OW + ow;
                if (am[o] == self) {
                    s += g[o];
                }
            }
        }
        dx[e] = s;
    });
}

// y = window mean with divisor KH*KW. x [N,C,H,W], y [N,C,OH,OW] (written, never read). Launch: see the file header.
extern "C" __launch_bounds__(THREADS, MIN_BLOCKS)
__global__ void avgpool2d_forward(const float* __restrict__ x, float* __restrict__ y, int N, int C, int H, int W, int KH, int KW,
                                  int SH, int SW, int PH, int PW, int OH, int OW) {
    pool_forward<false>(x, y, nullptr, N, C, H, W, KH, KW, SH, SW, PH, PW, OH, OW);
}

// dx = sum of dy over the windows holding each cell, divided by KH*KW (gather). dy [rows,C,OH,OW],
// dx [rows,C,H,W] (written, never read). Launch: see the file header.
extern "C" __launch_bounds__(THREADS, MIN_BLOCKS)
__global__ void avgpool2d_backward(const float* __restrict__ dy, float* __restrict__ dx, int rows, int C, int H, int W, int KH,
                                   int KW, int SH, int SW, int PH, int PW, int OH, int OW) {
    const float count = (float)(KH * KW);
    grid_stride((long long)rows * C * H * W, [=](long long e) {
        const int w = (int)(e % W);
        const long long t = e / W;
        const int h = (int)(t % H);
        const float* g = dy + (t / H) * OH * OW;
        int oh0, oh1, ow0, ow1;
        windows_of(h, KH, SH, PH, OH, &oh0, &oh1);
        windows_of(w, KW, SW, PW, OW, &ow0, &ow1);
        float s = 0.0f;
        for (int oh = oh0; oh <= oh1; ++oh) {
            for (int ow = ow0; ow <= ow1; ++ow) {
                s += g[oh * OW + ow];
            }
        }
        dx[e] = s / count;
    });
}
