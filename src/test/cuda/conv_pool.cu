// Direct convolution and max pooling, NCHW.
struct ConvShape { int c, h, w, k; };

extern "C" __global__ void conv2d_fwd(const float* x, const float* wt, const float* bias, float* y,
                                      int n, int cin, int h, int w, int cout, int k) {
    int ow = w - k + 1, oh = h - k + 1;
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    int total = n * cout * oh * ow;
    if (idx >= total) return;
    int ox = idx % ow, oy = (idx / ow) % oh, co = (idx / (ow * oh)) % cout, b = idx / (ow * oh * cout);
    float acc = bias[co];
    for (int ci = 0; ci < cin; ++ci)
        for (int ky = 0; ky < k; ++ky)
            for (int kx = 0; kx < k; ++kx)
                acc = fmaf(x[((b * cin + ci) * h + oy + ky) * w + ox + kx], wt[((co * cin + ci) * k + ky) * k + kx], acc);
    y[idx] = acc;
}

extern "C" __global__ void maxpool2x2(const float* x, float* y, int* argmax, ConvShape s) {
    int oh = s.h / 2, ow = s.w / 2;
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= s.c * oh * ow) return;
    int ox = idx % ow, oy = (idx / ow) % oh, c = idx / (ow * oh);
    float best = -INFINITY; int bi = -1;
    for (int dy = 0; dy < 2; ++dy)
        for (int dx = 0; dx < 2; ++dx) {
            int j = (c * s.h + 2 * oy + dy) * s.w + 2 * ox + dx;
            float v = x[j];
            if (v > best || bi < 0) { best = v; bi = j; }
        }
    y[idx] = best;
    argmax[idx] = bi;
}

__constant__ float kWeights[4] = {0.5f, 0.25f, 0.125f, 0.125f};
__device__ int gCounter = 7;

extern "C" __global__ void const_and_local(const float* x, float* y, int n) {
    float buf[8];
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    for (int j = 0; j < 8; ++j) buf[j] = x[(i + j) % n];
    int sel = (int)x[i] & 7;
    float acc = 0.0f;
    for (int j = 0; j < 4; ++j) acc += kWeights[j] * buf[(sel + j) & 7];
    y[i] = acc + (float)atomicAdd(&gCounter, 1) * 0.0f;
}
