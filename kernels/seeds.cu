// Seed vectors for batched reverse passes, made on the device (no host round trip).
//
// seeds_identity(out, N, C): out[n, s, c] = (s == c) ? 1 : 0, out [N, C, C] (S = C one-hot seeds per
//   sample: a reverse pass with these gives the whole C x d Jacobian of every sample).
//   Launch: 1-D, grid-stride over N C C elements (any grid). Writes every element, reads nothing.
//   Napkin math: 0 flops; fewest bytes 4 N C^2.
//
// seeds_margin(a, b, out, N, C): out[n, 0, c] = [c == a[n]] - [c == b[n]], out [N, 1, C] (the seed of
//   the margin f_a - f_b; a[n] == b[n] gives the zero seed, as +1 then -1 on the host reference).
//   a, b: int [N], class indices in [0, C) (checked by the host). Launch: 1-D, grid-stride over N C.
//   Reads a, b; writes out (every element). Napkin math: 0 flops; fewest bytes 4 (N C + 2 N).

extern "C" __global__ void seeds_identity(float* out, int N, int C) {
    if (N <= 0 || C <= 0) {
        return;
    }
    const size_t total = (size_t)N * C * C;
    const size_t stride = (size_t)blockDim.x * gridDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += stride) {
        const size_t c = i % C;
        const size_t s = (i / C) % C;
        out[i] = s == c ? 1.0f : 0.0f;
    }
}

extern "C" __global__ void seeds_margin(const int* a, const int* b, float* out, int N, int C) {
    if (N <= 0 || C <= 0) {
        return;
    }
    const size_t total = (size_t)N * C;
    const size_t stride = (size_t)blockDim.x * gridDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += stride) {
        const int n = (int)(i / C);
        const int c = (int)(i % C);
        out[i] = (c == a[n] ? 1.0f : 0.0f) - (c == b[n] ? 1.0f : 0.0f);
    }
}
