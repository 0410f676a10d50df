// Elementwise kernels: ReLU forward and backward, axpy.
//
// Conventions shared by every kernel in this file:
//   * float32 arrays of n elements, n >= 0 (n <= 0 writes nothing); pointers are device
//     global memory and may not overlap unless the kernel says so.
//   * Launch shape: any 1-D grid of 1-D blocks; the kernels use a grid-stride loop, so
//     correctness never depends on the grid size. Suggested: block = 256 threads,
//     grid = min(ceil(n / 256), 65535) (e.g. 4 * SM count blocks on a GPU).
//   * Indices are 64-bit inside the loop, so i + stride never wraps for n close to 2^31.
//   * No shared memory, no atomics; each element is read and written by exactly one thread,
//     and consecutive threads touch consecutive words (fully coalesced).

#include <cstddef>

// One grid-stride loop shared by all three kernels: calls f(i) for every i in [0, n).
template <typename F>
__device__ __forceinline__ void grid_stride(int n, F f) {
    const size_t stride = (size_t)blockDim.x * gridDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < (size_t)(n > 0 ? n : 0); i += stride) {
        f(i);
    }
}

// relu_forward: y[i] = max(0, x[i]) for i in [0, n).
//   NaN propagates (x[i] NaN gives y[i] NaN); x = -0 gives -0 (compares equal to 0).
//   Reads x (n floats), writes y (n floats); y may equal x (in place).
//   Napkin math: n comparisons, 0 flops; fewest bytes moved 8n (read 4n, write 4n).
extern "C" __global__ void relu_forward(const float* x, float* y, int n) {
    grid_stride(n, [=](size_t i) {
        const float v = x[i];
        y[i] = v < 0.0f ? 0.0f : v;
    });
}

// relu_backward: dx[i] = dy[i] * [x[i] > 0] for i in [0, n), computed as a select:
//   dx[i] = dy[i] where x[i] > 0, else +0 (so dy = Inf or NaN where x <= 0 gives 0, and a
//   NaN x gives 0, since NaN > 0 is false).
//   Reads x and dy (n floats each), writes dx (n floats); dx may equal dy (in place).
//   Napkin math: n comparisons, 0 flops; fewest bytes moved 12n (read 8n, write 4n).
extern "C" __global__ void relu_backward(const float* x, const float* dy, float* dx, int n) {
    grid_stride(n, [=](size_t i) {
        const float g = dy[i];   // read unconditionally: a select, no divergent branch per element
        dx[i] = x[i] > 0.0f ? g : 0.0f;
    });
}

// axpy: y[i] = a * x[i] + y[i] for i in [0, n), as one fused multiply-add (single rounding).
//   Reads x and y (n floats each), writes y (n floats); x must not overlap y.
//   Napkin math: 2n flops (n fma); fewest bytes moved 12n (read 8n, write 4n).
extern "C" __global__ void axpy(int n, float a, const float* x, float* y) {
    grid_stride(n, [=](size_t i) {
        y[i] = fmaf(a, x[i], y[i]);
    });
}
