// ReLU reverse pass for S seed rows per sample (the batched reverse pass of a Jacobian).
//
//   relu_backward_seeded: dx[r, k] = dy[r, k] if x[(r / S), k] > 0, else +0
//     for r < rows, k < size; x is the ReLU's recorded input [rows / S, size] of the forward pass
//     (one row per sample), dy and dx are [rows, size] gradient rows, S rows per sample (row r
//     belongs to sample r / S). The derivative at 0 is 0 (as the reference, ReferenceOps.reluBackward).
//     A select, not a multiply: dy = Inf or NaN where x <= 0 gives 0; a NaN x gives 0.
//   Launch: 1-D grid of 1-D blocks, grid-stride over rows * size elements (any grid is correct);
//     suggested block 256, grid min(ceil(rows * size / 256), 1024). 64-bit indices inside.
//   Reads x (each recorded row is read S times: cached), dy; writes dx (every element); dx may
//     equal dy (in place). Consecutive threads touch consecutive words (coalesced).
//   Napkin math: rows * size comparisons, 0 flops; fewest bytes 4 (2 rows size + rows size / S).

template <typename F>
__device__ __forceinline__ void each_element(int n, F f) {
    const size_t stride = (size_t)blockDim.x * gridDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < (size_t)(n > 0 ? n : 0); i += stride) {
        f(i);
    }
}

// Calls f(i, j) for every gradient element i < rows * size, j = index of its sample's recorded value.
template <typename F>
__device__ __forceinline__ void each_seeded(int rows, int S, int size, F f) {
    if (rows <= 0 || size <= 0 || S <= 0) {
        return;
    }
    const size_t total = (size_t)rows * size;
    const size_t stride = (size_t)blockDim.x * gridDim.x;
    const size_t perSample = (size_t)S * size;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += stride) {
        f(i, (i / perSample) * size + i % size);
    }
}

extern "C" __global__ void relu_backward_seeded(const float* x, const float* dy, float* dx, int rows, int S, int size) {
    each_seeded(rows, S, size, [=](size_t i, size_t j) {
        const float g = dy[i];
        dx[i] = x[j] > 0.0f ? g : 0.0f;
    });
}

// ---------------------------------------------------------------------------------------------
// Smooth and leaky activations (graph networks): forward over n elements, reverse over S seed rows
// per sample like relu_backward_seeded above. Same launch shape and indexing as that kernel (1-D
// grid-stride, 64-bit indices, any grid is correct; suggested block 256, grid
// min(ceil(count / 256), 1024)); every output element is written exactly once; y may equal x and
// dx may equal dy (in place). Float32 throughout; the float64 references are
// KernelReference.activationForward / activationBackwardSeeded (the model's apply/derivative).
//
//   sigmoid_forward:            y = 1 / (1 + exp(-x)) for x >= 0, exp(x) / (1 + exp(x)) for x < 0 (no
//                               overflow for large |x|; the reference's form)
//   tanh_forward:               y = tanh(x) (tanhf)
//   leaky_relu_forward:         y = x for x > 0, slope * x otherwise (NaN propagates)
//   sigmoid_backward_seeded:    dx[r, k] = dy[r, k] * y[r / S, k] * (1 - y[r / S, k]), y the recorded OUTPUT
//   tanh_backward_seeded:       dx[r, k] = dy[r, k] * (1 - y[r / S, k]^2), y the recorded OUTPUT
//   leaky_relu_backward_seeded: dx[r, k] = dy[r, k] if x[r / S, k] > 0, else slope * dy[r, k] (the
//                               derivative at 0 is slope, as PyTorch's), x the recorded INPUT
//
// Napkin math: forward n exp (sigmoid; tanhf about 20 flops), 8n bytes; reverse rows * size * 2 to 3
//   flops, 4 (2 rows size + rows size / S) bytes. Memory bound on every GPU.

extern "C" __global__ void sigmoid_forward(const float* x, float* y, int n) {
    each_element(n, [=](size_t i) {
        const float v = x[i];
        if (v >= 0.0f) {
            y[i] = 1.0f / (1.0f + expf(-v));
        } else {
            const float e = expf(v);
            y[i] = e / (1.0f + e);
        }
    });
}

extern "C" __global__ void tanh_forward(const float* x, float* y, int n) {
    each_element(n, [=](size_t i) { y[i] = tanhf(x[i]); });
}

extern "C" __global__ void leaky_relu_forward(const float* x, float* y, int n, float slope) {
    each_element(n, [=](size_t i) {
        const float v = x[i];
        y[i] = v > 0.0f ? v : slope * v;
    });
}

extern "C" __global__ void sigmoid_backward_seeded(const float* y, const float* dy, float* dx, int rows, int S, int size) {
    each_seeded(rows, S, size, [=](size_t i, size_t j) {
        const float v = y[j];
        dx[i] = dy[i] * (v * (1.0f - v));
    });
}

extern "C" __global__ void tanh_backward_seeded(const float* y, const float* dy, float* dx, int rows, int S, int size) {
    each_seeded(rows, S, size, [=](size_t i, size_t j) {
        const float v = y[j];
        dx[i] = dy[i] * (1.0f - v * v);
    });
}

extern "C" __global__ void leaky_relu_backward_seeded(const float* x, const float* dy, float* dx, int rows, int S, int size,
                                                      float slope) {
    each_seeded(rows, S, size, [=](size_t i, size_t j) {
        const float g = dy[i];
        dx[i] = x[j] > 0.0f ? g : slope * g;
    });
}
