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
//   dimension and the stores of a warp are 32 consecutive elements. Any grid works; suggested:
//   block = (256,1,1), grid = min(ceil(total / 256), 65535). One thread per output element, no shared
//   memory, no atomics: every output element is written exactly once, deterministically.
//   Global loads go straight to memory: for stride 1 a warp's window cell reads are consecutive
//   floats; for stride s they are s floats apart (the s loads of neighbouring window columns
//   together cover the same sectors, which a cache absorbs; the emulator counts each access).
//
// Napkin math: forward: rows C OH OW KH KW comparisons or adds; fewest bytes 4 (rows C H W +
//   rows C OH OW) (+ 4 rows C OH OW for argmax). Backward: at most rows C H W ceil(KH/SH) ceil(KW/SW)
//   adds; fewest bytes 4 (rows C OH OW + rows C H W) (+ 4 N C OH OW argmax reads).

#define THREADS 256

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

// y = window max, argmax = h*W+w of its first maximal cell. x [N,C,H,W]; y, argmax [N,C,OH,OW]
// (written, never read). Launch: see the file header.
extern "C" __global__ void __launch_bounds__(THREADS)
maxpool2d_forward(const float* __restrict__ x, float* __restrict__ y, int* __restrict__ argmax, int N, int C,
                  int H, int W, int KH, int KW, int SH, int SW, int PH, int PW, int OH, int OW) {
    grid_stride((long long)N * C * OH * OW, [=](long long e) {
        const int ow = (int)(e % OW);
        const long long t = e / OW;
        const int oh = (int)(t % OH);
        const long long nc = t / OH;
        const float* plane = x + nc * H * W;
        float best = __int_as_float(0xff800000);   // -inf
        int where = -1;
        for (int i = 0; i < KH; ++i) {
            const int h = oh * SH - PH + i;
            if (h < 0 || h >= H) {
                continue;
            }
            for (int j = 0; j < KW; ++j) {
                const int w = ow * SW - PW + j;
                if (w < 0 || w >= W) {
                    continue;
                }
                const float v = plane[h * W + w];
                if (where < 0 || v > best) {
                    best = v;
                    where = h * W + w;
                }
            }
        }
        y[e] = best;
        argmax[e] = where;
    });
}

// dx = dy routed to each window's argmax cell (gather). dy [rows,C,OH,OW], argmax [rows/rowsPerSample,C,OH,OW],
// dx [rows,C,H,W] (written, never read). Launch: see the file header.
extern "C" __global__ void __launch_bounds__(THREADS)
maxpool2d_backward(const float* __restrict__ dy, const int* __restrict__ argmax, float* __restrict__ dx,
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
extern "C" __global__ void __launch_bounds__(THREADS)
avgpool2d_forward(const float* __restrict__ x, float* __restrict__ y, int N, int C, int H, int W, int KH, int KW,
                  int SH, int SW, int PH, int PW, int OH, int OW) {
    const float count = (float)(KH * KW);
    grid_stride((long long)N * C * OH * OW, [=](long long e) {
        const int ow = (int)(e % OW);
        const long long t = e / OW;
        const int oh = (int)(t % OH);
        const float* plane = x + (t / OH) * H * W;
        float s = 0.0f;
        for (int i = 0; i < KH; ++i) {
            const int h = oh * SH - PH + i;
            if (h < 0 || h >= H) {
                continue;
            }
            for (int j = 0; j < KW; ++j) {
                const int w = ow * SW - PW + j;
                if (w >= 0 && w < W) {
                    s += plane[h * W + w];
                }
            }
        }
        y[e] = s / count;
    });
}

// dx = sum of dy over the windows holding each cell, divided by KH*KW (gather). dy [rows,C,OH,OW],
// dx [rows,C,H,W] (written, never read). Launch: see the file header.
extern "C" __global__ void __launch_bounds__(THREADS)
avgpool2d_backward(const float* __restrict__ dy, float* __restrict__ dx, int rows, int C, int H, int W, int KH,
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
