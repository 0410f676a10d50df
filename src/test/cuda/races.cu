// Kernels with real data races, for the emulator's hazard detector (HazardTest), each next to its
// race-free form. Compiled to PTX by build-test-ptx.sh in this directory.

// Warp w reads the slot warp w-1 wrote, with no __syncthreads() between the store and the load.
// On a GPU warp w may run before warp w-1 and read stale shared memory.
extern "C" __global__ void warp_handoff(const float* in, float* out, int n)
{
    __shared__ float buf[256];
    int t = threadIdx.x;
    int i = blockIdx.x * blockDim.x + t;
    buf[t] = i < n ? 2.0f * in[i] : 0.0f;
    int src = t >= 32 ? t - 32 : t;
    if (i < n) {
        out[i] = buf[src];
    }
}

// The same with the barrier.
extern "C" __global__ void warp_handoff_synced(const float* in, float* out, int n)
{
    __shared__ float buf[256];
    int t = threadIdx.x;
    int i = blockIdx.x * blockDim.x + t;
    buf[t] = i < n ? 2.0f * in[i] : 0.0f;
    __syncthreads();
    int src = t >= 32 ? t - 32 : t;
    if (i < n) {
        out[i] = buf[src];
    }
}

// A block sum whose last 64 values are reduced by the first warp "warp-synchronously" through a
// volatile pointer and no __syncwarp(): correct before Volta, a race since independent thread
// scheduling (lane t reads s[t + 16] while lane t + 16 may not have written it yet).
extern "C" __global__ void block_sum_volatile(const float* in, float* out, int n)
{
    __shared__ float s[256];
    int t = threadIdx.x;
    int i = blockIdx.x * blockDim.x + t;
    s[t] = i < n ? in[i] : 0.0f;
    __syncthreads();
    for (int k = blockDim.x / 2; k > 32; k >>= 1) {
        if (t < k) {
            s[t] += s[t + k];
        }
        __syncthreads();
    }
    if (t < 32) {
        volatile float* v = s;
        v[t] += v[t + 32];
        v[t] += v[t + 16];
        v[t] += v[t + 8];
        v[t] += v[t + 4];
        v[t] += v[t + 2];
        v[t] += v[t + 1];
    }
    if (t == 0) {
        out[blockIdx.x] = s[0];
    }
}

// The same with __syncwarp() between each read and the following write.
extern "C" __global__ void block_sum_syncwarp(const float* in, float* out, int n)
{
    __shared__ float s[256];
    int t = threadIdx.x;
    int i = blockIdx.x * blockDim.x + t;
    s[t] = i < n ? in[i] : 0.0f;
    __syncthreads();
    for (int k = blockDim.x / 2; k > 32; k >>= 1) {
        if (t < k) {
            s[t] += s[t + k];
        }
        __syncthreads();
    }
    if (t < 32) {
        float v = s[t];
        for (int k = 32; k > 0; k >>= 1) {
            v += s[t + k];
            __syncwarp();
            s[t] = v;
            __syncwarp();
        }
    }
    if (t == 0) {
        out[blockIdx.x] = s[0];
    }
}
