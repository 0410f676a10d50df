// Elementwise test kernels for the PTX emulator.
extern "C" __global__ void relu_fwd(const float* __restrict__ x, float* __restrict__ y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = fmaxf(x[i], 0.0f);
}

extern "C" __global__ void axpy(float a, const float* __restrict__ x, float* y, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        y[i] = a * x[i] + y[i];
    }
}

extern "C" __global__ void axpy_f64(double a, const double* x, double* y, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = a * x[i] + y[i];
}

extern "C" __global__ void vec4_scale(const float4* x, float4* y, float s, int n4) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n4) {
        float4 v = x[i];
        y[i] = make_float4(v.x * s, v.y * s, v.z * s, v.w * s);
    }
}

extern "C" __global__ void int_ops(const int* a, const int* b, int* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        int x = a[i], y = b[i];
        int q = y != 0 ? x / y : 0;
        int r = y != 0 ? x % y : 0;
        unsigned u = (unsigned)x >> (y & 31);
        out[6 * i + 0] = q;
        out[6 * i + 1] = r;
        out[6 * i + 2] = (int)u;
        out[6 * i + 3] = __popc(x) + __clz(y);
        out[6 * i + 4] = min(x, y) * max(x, y);
        out[6 * i + 5] = __brev(x) ^ (x << 3);
    }
}

extern "C" __global__ void math_f32(const float* x, float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float v = x[i];
        out[8 * i + 0] = expf(v);
        out[8 * i + 1] = logf(fabsf(v) + 1.0f);
        out[8 * i + 2] = sqrtf(fabsf(v));
        out[8 * i + 3] = 1.0f / (1.0f + expf(-v));
        out[8 * i + 4] = tanhf(v);
        out[8 * i + 5] = (float)(int)v;
        out[8 * i + 6] = rsqrtf(fabsf(v) + 1.0f);
        out[8 * i + 7] = v / 3.0f;
    }
}
