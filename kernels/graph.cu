// Kernels of graph networks' joins and of global average pooling, float32, row-major.
//
//   strided_copy:              dst[r * dstStride + dstOffset + k] = src[r * srcStride + srcOffset + k]
//                              for r < rows, k < size. A channel concat is one launch per input
//                              (src packed [rows, size_k], dst [rows, total], dstOffset = the sizes of
//                              the inputs before it); its reverse pass, the slice of the concatenated
//                              gradient, is the same kernel the other way round (srcStride = total);
//                              both strides = size is a plain copy. src and dst must not overlap.
//   add_forward:               y[i] = a[i] + b[i], i < n (a residual Add of two inputs; more inputs add
//                              the rest with elementwise.cu's axpy, a = 1: an exact accumulate, since
//                              fmaf(1, x, y) rounds x + y once). y may equal a or b.
//   global_avgpool_forward:    y[q] = (sum_p x[q * plane + p]) / plane, q < count = rows * C
//                              (sequential float32 sum over the plane, then one division)
//   global_avgpool_backward:   dx[q * plane + p] = dy[q] / plane, q < count, p < plane
//
// Launch shape (every kernel): 1-D grid of 1-D blocks, grid-stride loop over the outputs with 64-bit
//   indices (any grid is correct); suggested block 256, grid min(ceil(outputs / 256), 1024). Each
//   output element is written exactly once by one thread; no shared memory, no atomics.
//   Consecutive threads write consecutive words (global_avgpool_forward: consecutive threads read
//   planes `plane` words apart, one row of the plane each step; fine for the small planes it sees
//   at the end of a network).
//
// Napkin math: strided_copy 0 flops, 8 rows size bytes; add_forward n flops, 12n bytes; global average
//   pool forward rows C plane adds, 4 (rows C plane + rows C) bytes; backward rows C plane divisions,
//   the same bytes. All memory bound.

template <typename F>
__device__ __forceinline__ void each_index(size_t n, F f) {
    const size_t stride = (size_t)blockDim.x * gridDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        f(i);
    }
}

extern "C" __global__ void strided_copy(const float* src, float* dst, int rows, int size, int srcStride, int srcOffset,
                                        int dstStride, int dstOffset) {
    if (rows <= 0 || size <= 0) {
        return;
    }
    each_index((size_t)rows * size, [=](size_t i) {
        const size_t r = i / size;
        const size_t k = i % size;
        dst[r * dstStride + dstOffset + k] = src[r * srcStride + srcOffset + k];
    });
}

extern "C" __global__ void add_forward(const float* a, const float* b, float* y, int n) {
    each_index((size_t)(n > 0 ? n : 0), [=](size_t i) { y[i] = a[i] + b[i]; });
}

extern "C" __global__ void global_avgpool_forward(const float* x, float* y, int count, int plane) {
    if (plane <= 0) {
        return;
    }
    each_index((size_t)(count > 0 ? count : 0), [=](size_t q) {
        const float* p = x + q * plane;
        float s = 0.0f;
        for (int k = 0; k < plane; k++) {
            s += p[k];
        }
        y[q] = s / (float)plane;
    });
}

extern "C" __global__ void global_avgpool_backward(const float* dy, float* dx, int count, int plane) {
    if (count <= 0 || plane <= 0) {
        return;
    }
    each_index((size_t)count * plane, [=](size_t i) { dx[i] = dy[i / plane] / (float)plane; });
}
