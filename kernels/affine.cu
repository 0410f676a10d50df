// The per-channel affine node (a BatchNorm that could not be folded), float32, row-major:
// x, y, dx, dy are [rows, C, plane] (plane = H W, or 1 for a [C] node), w and b are [C].
//
//   affine_forward:         y[r, c, p] = w[c] * x[r, c, p] + b[c]   (one fmaf)
//   affine_backward:        dx[r, c, p] = w[c] * dy[r, c, p]       (any number of gradient rows; dx may equal dy)
//   affine_backward_params: dw[c] = sum_{r < n, p} x[r, c, p] dy[r, c, p],  db[c] = sum_{r < n, p} dy[r, c, p]
//                           (both overwritten; n rows of x and dy: one gradient row per sample)
//
// Launch shape. affine_forward, affine_backward: 1-D grid-stride over rows * C * plane with 64-bit
//   indices (any grid; suggested block 256, grid min(ceil(total / 256), 1024)); every element written
//   once, coalesced. affine_backward_params: grid (C, 1, 1), block (256, 1, 1) exactly (the shared
//   reduction assumes 256 threads): block c reduces channel c; each thread sums a strided part of
//   the n * plane terms in float32, then a shared-memory tree (2 x 256 floats, 2 KiB static) adds
//   the partial sums in a fixed order: deterministic, no atomics. Thread 0 writes dw[c] and db[c].
//
// Napkin math: forward/backward rows C plane fma, 8 to 12 bytes each; parameter gradient 2 n C plane
//   flops, 8 n C plane bytes read, C blocks of parallelism (enough for the C >= 64 of real networks
//   at the end of a net; a tiny C leaves most of a GPU idle, but the node is rare).

#define AFFINE_THREADS 256

template <typename F>
__device__ __forceinline__ void each_affine(size_t n, F f) {
    const size_t stride = (size_t)blockDim.x * gridDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        f(i);
    }
}

extern "C" __global__ void affine_forward(const float* x, const float* w, const float* b, float* y, int rows, int C,
                                          int plane) {
    if (rows <= 0 || C <= 0 || plane <= 0) {
        return;
    }
    each_affine((size_t)rows * C * plane, [=](size_t i) {
        const int c = (int)((i / plane) % C);
        y[i] = fmaf(w[c], x[i], b[c]);
    });
}

extern "C" __global__ void affine_backward(const float* dy, const float* w, float* dx, int rows, int C, int plane) {
    if (rows <= 0 || C <= 0 || plane <= 0) {
        return;
    }
    each_affine((size_t)rows * C * plane, [=](size_t i) {
        const int c = (int)((i / plane) % C);
        dx[i] = w[c] * dy[i];
    });
}

extern "C" __launch_bounds__(AFFINE_THREADS)
__global__ void affine_backward_params(const float* x, const float* dy, float* dw, float* db, int n, int C, int plane) {
    __shared__ float sw[AFFINE_THREADS];
    __shared__ float sb[AFFINE_THREADS];
    const int c = blockIdx.x;
    if (c >= C || plane <= 0 || n < 0) {
        return;   // uniform per block: no thread of this block reaches a barrier
    }
    float accW = 0.0f;
    float accB = 0.0f;
    const size_t terms = (size_t)n * plane;
    for (size_t e = threadIdx.x; e < terms; e += AFFINE_THREADS) {
        const size_t r = e / plane;
        const size_t k = (r * C + c) * plane + e % plane;
        const float g = dy[k];
        accW = fmaf(x[k], g, accW);
        accB += g;
    }
    sw[threadIdx.x] = accW;
    sb[threadIdx.x] = accB;
    __syncthreads();
    for (int half = AFFINE_THREADS / 2; half > 0; half >>= 1) {
        if (threadIdx.x < half) {
            sw[threadIdx.x] += sw[threadIdx.x + half];
            sb[threadIdx.x] += sb[threadIdx.x + half];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        dw[c] = sw[0];
        db[c] = sb[0];
    }
}
