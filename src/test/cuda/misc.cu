// Kernels exercising less common code generation paths: full-precision trig (Payne-Hanek local
// arrays, funnel shifts), double math, 64-bit division, atomicCAS loops, __syncthreads_count,
// byte and half types, lop3-style boolean logic, __ldg.
#include <cuda_fp16.h>

__device__ float atomicMaxFloat(float* addr, float v) {
    int* ai = (int*)addr;
    int old = *ai, assumed;
    do {
        assumed = old;
        if (__int_as_float(assumed) >= v) break;
        old = atomicCAS(ai, assumed, __float_as_int(v));
    } while (assumed != old);
    return __int_as_float(old);
}

extern "C" __global__ void trig_f32(const float* x, float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float v = x[i];
        out[3 * i] = sinf(v);
        out[3 * i + 1] = cosf(v);
        out[3 * i + 2] = powf(fabsf(v), 1.5f);
    }
}

extern "C" __global__ void math_f64(const double* x, double* out, long long* q, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        double v = x[i];
        out[3 * i] = exp(v);
        out[3 * i + 1] = log(fabs(v) + 1.0);
        out[3 * i + 2] = sqrt(fabs(v)) / (v + 3.0);
        long long a = (long long)(v * 1e6);
        q[2 * i] = a / 7;
        q[2 * i + 1] = (long long)((unsigned long long)a % 1000003ULL);
    }
}

extern "C" __global__ void misc_int(const unsigned char* bytes, const __half* halves, unsigned* out, float* fmax, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int pred = 0;
    if (i < n) {
        unsigned b0 = __ldg(&bytes[4 * i]), b1 = bytes[4 * i + 1], b2 = bytes[4 * i + 2], b3 = bytes[4 * i + 3];
        unsigned packed = b0 | (b1 << 8) | (b2 << 16) | (b3 << 24);
        unsigned mix = (packed & b1) | (~packed & b2) ^ (b3 | b0);
        float h = __half2float(halves[i]);
        out[2 * i] = mix;
        out[2 * i + 1] = __float_as_uint(h * 2.0f);
        atomicMaxFloat(fmax, h);
        pred = (mix & 1) != 0;
    }
    int cnt = __syncthreads_count(pred);
    if (threadIdx.x == 0) atomicAdd(&out[2 * n], (unsigned)cnt);
}
