// Reductions: warp shuffles, shared memory, atomics, votes.
extern "C" __global__ void block_sum(const float* x, float* out, int n) {
    extern __shared__ float partial[];
    float v = 0.0f;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) v += x[i];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < (blockDim.x >> 5) ? partial[lane] : 0.0f;
        for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
        if (lane == 0) atomicAdd(out, v);
    }
}

extern "C" __global__ void count_votes(const int* flags, unsigned* ballots, int* counts, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int f = i < n ? flags[i] : 0;
    unsigned b = __ballot_sync(0xffffffffu, f != 0);
    int all = __all_sync(0xffffffffu, f != 0);
    int any = __any_sync(0xffffffffu, f != 0);
    if ((threadIdx.x & 31) == 0) {
        ballots[i >> 5] = b;
        atomicAdd(&counts[0], __popc(b));
        atomicAdd(&counts[1], all);
        atomicAdd(&counts[2], any);
        atomicMax(&counts[3], __popc(b));
        atomicMin(&counts[4], __popc(b));
    }
}

extern "C" __global__ void softmax_rows(const float* x, float* y, int rows, int cols) {
    int r = blockIdx.x;
    int lane = threadIdx.x;  // one warp per row
    if (r >= rows) return;
    const float* xr = x + (size_t)r * cols;
    float m = -INFINITY;
    for (int c = lane; c < cols; c += 32) m = fmaxf(m, xr[c]);
    for (int o = 16; o > 0; o >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, o));
    float s = 0.0f;
    for (int c = lane; c < cols; c += 32) s += __expf(xr[c] - m);
    for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    for (int c = lane; c < cols; c += 32) y[(size_t)r * cols + c] = __expf(xr[c] - m) / s;
}

extern "C" __global__ void histogram(const int* x, unsigned* hist, int n, int bins) {
    __shared__ unsigned local[64];
    for (int b = threadIdx.x; b < 64; b += blockDim.x) local[b] = 0;
    __syncthreads();
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        int b = x[i] % bins;
        atomicAdd(&local[b], 1u);
    }
    __syncthreads();
    for (int b = threadIdx.x; b < bins; b += blockDim.x) atomicAdd(&hist[b], local[b]);
}
