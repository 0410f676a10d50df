// Grouped (depthwise when G = C) and dilated 2-D convolution, float32, NCHW row-major: the direct
// (no im2col, no tiling) form, for the convolutions that kernels/conv.cu does not take (groups > 1
// or dilation > 1; conv.cu stays the fast path for plain ones).
//
//   Geometry: x [N, C, H, W], w [K, C/G, KH, KW], bias [K], y [N, K, OH, OW] with
//   OH = (H + 2 PH - DH (KH - 1) - 1) / SH + 1 and OW likewise (passed by the caller). Output channel
//   k belongs to group g = k / (K/G) and reads input channels g C/G .. (g+1) C/G - 1. Tap (u, v) of
//   output cell (oh, ow) reads row oh SH - PH + u DH and column ow SW - PW + v DW; cells outside
//   [0, H) x [0, W) are zero padding. G divides C and K.
//
//   conv2d_forward_grouped:          y[n,k,oh,ow] = bias[k] + sum_{ci,u,v} w[k,ci,u,v] x[n, g C/G + ci, row, col]
//   conv2d_backward_data_grouped:    dx[n,c,h,w] = sum over the (k, oh, ow, u, v) whose tap reads (c, h, w)
//                                    of w[k, c mod C/G, u, v] dy[n,k,oh,ow]   (N = gradient rows)
//   conv2d_backward_weights_grouped: dw[k,ci,u,v] = sum_{n,oh,ow} dy[n,k,oh,ow] x[n, g C/G + ci, row, col],
//                                    db[k] = sum_{n,oh,ow} dy[n,k,oh,ow]   (both overwritten)
//   The float64 references are engine.cpu.NodeOps.convForward / convBackwardData / convParameterGradients.
//
// Launch shape (all three): 1-D grid-stride loop over the outputs (forward N K OH OW, data gradient
//   N C H W, weights K (C/G) KH KW + K: the weight elements, then the biases), 64-bit indices, so
//   any grid is correct and the number of gradient rows is not limited by a grid dimension;
//   suggested block 256, grid min(ceil(outputs / 256), 1024). One thread per output element, a
//   fixed summation order, no shared memory, no atomics: deterministic.
//   The data gradient is a gather: input row h is read by output row oh = (h + PH - u DH) / SH when
//   that division is exact and 0 <= oh < OH (likewise columns), so nothing is scattered.
//
// Napkin math: forward and data gradient 2 N K OH OW (C/G) KH KW flops each (a depthwise 3x3: 18 per
//   output), fewest bytes 4 (input + output + weights); the weight gradient the same flops over only
//   K (C/G) KH KW + K threads, which is little parallelism for a depthwise layer (C 9 threads): slow on
//   a GPU for large N OH OW, correct everywhere. This is the simple kernel the issue asked for, not a
//   tuned one.

template <typename F>
__device__ __forceinline__ void each_output(size_t n, F f) {
    const size_t stride = (size_t)blockDim.x * gridDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        f(i);
    }
}

#define GCONV_PARAMS int N, int C, int H, int W, int K, int KH, int KW, int SH, int SW, int PH, int PW, int DH, int DW, \
                     int G, int OH, int OW

extern "C" __global__ void conv2d_forward_grouped(const float* x, const float* w, const float* bias, float* y, GCONV_PARAMS) {
    if (N <= 0 || C <= 0 || K <= 0 || G <= 0 || OH <= 0 || OW <= 0) {
        return;
    }
    const int cin = C / G;
    const int kpg = K / G;
    each_output((size_t)N * K * OH * OW, [=](size_t i) {
        const int ow = (int)(i % OW);
        size_t t = i / OW;
        const int oh = (int)(t % OH);
        t /= OH;
        const int k = (int)(t % K);
        const size_t n = t / K;
        const int g = k / kpg;
        float acc = bias[k];
        for (int ci = 0; ci < cin; ci++) {
            const float* plane = x + (n * C + (size_t)(g * cin + ci)) * H * W;
            const float* wk = w + ((size_t)k * cin + ci) * KH * KW;
            for (int u = 0; u < KH; u++) {
                const int r = oh * SH - PH + u * DH;
                if (r < 0 || r >= H) {
                    continue;
                }
                for (int v = 0; v < KW; v++) {
                    const int col = ow * SW - PW + v * DW;
                    if (col >= 0 && col < W) {
                        acc = fmaf(wk[u * KW + v], plane[(size_t)r * W + col], acc);
                    }
                }
            }
        }
        y[i] = acc;
    });
}

extern "C" __global__ void conv2d_backward_data_grouped(const float* dy, const float* w, float* dx, GCONV_PARAMS) {
    if (N <= 0 || C <= 0 || K <= 0 || G <= 0 || OH <= 0 || OW <= 0) {
        return;
    }
    const int cin = C / G;
    const int kpg = K / G;
    each_output((size_t)N * C * H * W, [=](size_t i) {
        const int col = (int)(i % W);
        size_t t = i / W;
        const int h = (int)(t % H);
        t /= H;
        const int c = (int)(t % C);
        const size_t n = t / C;
        const int g = c / cin;
        const int ci = c % cin;
        float acc = 0.0f;
        for (int u = 0; u < KH; u++) {
            const int th = h + PH - u * DH;
            if (th < 0 || th % SH != 0 || th / SH >= OH) {
                continue;
            }
            const int oh = th / SH;
            for (int v = 0; v < KW; v++) {
                const int tw = col + PW - v * DW;
                if (tw < 0 || tw % SW != 0 || tw / SW >= OW) {
                    continue;
                }
                const int ow = tw / SW;
                for (int kk = 0; kk < kpg; kk++) {
                    const int k = g * kpg + kk;
                    acc = fmaf(w[(((size_t)k * cin + ci) * KH + u) * KW + v], dy[((n * K + k) * OH + oh) * OW + ow], acc);
                }
            }
        }
        dx[i] = acc;
    });
}

extern "C" __global__ void conv2d_backward_weights_grouped(const float* x, const float* dy, float* dw, float* db,
                                                           GCONV_PARAMS) {
    if (N < 0 || C <= 0 || K <= 0 || G <= 0 || OH <= 0 || OW <= 0) {
        return;
    }
    const int cin = C / G;
    const int kpg = K / G;
    const size_t weights = (size_t)K * cin * KH * KW;
    each_output(weights + K, [=](size_t i) {
        if (i >= weights) {
            const int k = (int)(i - weights);
            float acc = 0.0f;
            for (size_t n = 0; n < (size_t)N; n++) {
                const float* d = dy + (n * K + k) * OH * OW;
                for (int p = 0; p < OH * OW; p++) {
                    acc += d[p];
                }
            }
            db[k] = acc;
            return;
        }
        const int v = (int)(i % KW);
        size_t t = i / KW;
        const int u = (int)(t % KH);
        t /= KH;
        const int ci = (int)(t % cin);
        const int k = (int)(t / cin);
        const int c = (k / kpg) * cin + ci;
        float acc = 0.0f;
        for (size_t n = 0; n < (size_t)N; n++) {
            const float* plane = x + (n * C + c) * H * W;
            const float* d = dy + (n * K + k) * OH * OW;
            for (int oh = 0; oh < OH; oh++) {
                const int r = oh * SH - PH + u * DH;
                if (r < 0 || r >= H) {
                    continue;
                }
                for (int ow = 0; ow < OW; ow++) {
                    const int col = ow * SW - PW + v * DW;
                    if (col >= 0 && col < W) {
                        acc = fmaf(d[oh * OW + ow], plane[(size_t)r * W + col], acc);
                    }
                }
            }
        }
        dw[i] = acc;
    });
}
