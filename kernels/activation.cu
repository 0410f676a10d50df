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

extern "C" __global__ void relu_backward_seeded(const float* x, const float* dy, float* dx, int rows, int S, int size) {
    if (rows <= 0 || size <= 0 || S <= 0) {
        return;
    }
    const size_t total = (size_t)rows * size;
    const size_t stride = (size_t)blockDim.x * gridDim.x;
    const size_t perSample = (size_t)S * size;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += stride) {
        const size_t sample = i / perSample;
        const size_t k = i % size;
        const float g = dy[i];
        dx[i] = x[sample * size + k] > 0.0f ? g : 0.0f;
    }
}
