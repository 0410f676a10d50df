// Dense (fully connected) layer kernels, float32, row-major, PyTorch layout W [OUT, IN].
//
//   dense_forward:       Y[n, o] = sum_k X[n, k] W[o, k] + b[o]             (Y = X W^T + b)
//   dense_forward_relu:  Y[n, o] = max(0, sum_k X[n, k] W[o, k] + b[o])    (fused bias + ReLU)
//   dense_backward_bias: db[o]   = sum_r dY[r, o]                          (column sums)
//
// The other two dense backward forms reuse kernels/gemm.cu unchanged:
//   data gradient    dX = dY W     : sgemm_nn(M = rows, N = IN, K = OUT, A = dY, B = W)
//   weight gradient  dW = dY^T X   : sgemm_tn(M = OUT, N = IN, K = rows, A = dY, B = X)
//
// Forward (both variants) is sgemm_nt's tiling with a bias (+ReLU) epilogue (one idea: fuse the
// epilogue into the tile store so Y is written once and never re-read):
//   block = (256, 1, 1), grid = (ceil(OUT / 32), ceil(N / 32), 1), no dynamic shared memory.
//   Thread t works as (tx, ty) = (t % 32, t / 32); block (bx, by) owns the 32x32 tile of Y at rows
//   32*by.., columns 32*bx..; thread (tx, ty) computes Y[32*by + ty + 8*i][32*bx + tx], i < 4.
//   Shared tiles Xs[k][n] and Ws[k][o], 32 x 33 floats each (the +1 pad keeps column writes free
//   of bank conflicts); both global loads run the lane along k (the contiguous dimension of X and
//   of W), so each warp reads 32 consecutive floats of one row. Out-of-range tile elements are
//   zero, so any N, IN, OUT >= 0 work (IN = 0 gives Y = b). Accumulation: fmaf over k in increasing
//   order, then + b[o] (one rounding), then the ReLU select (NaN propagates through max(0, .) as NaN:
//   v < 0 is false for NaN).
//   Reads X [N, IN], W [OUT, IN], b [OUT]; writes Y [N, OUT] (every element, never read).
//   Napkin math: 2 N IN OUT + N OUT flops; fewest bytes 4 (N IN + OUT IN + OUT + N OUT).
//
// dense_backward_bias: one thread per column o (grid-stride over columns), summing the rows in
//   increasing order (deterministic, no atomics): each warp reads 32 consecutive floats of one row
//   per step (coalesced). block = 256, grid = ceil(OUT / 256). Writes db [OUT] (every element).
//   Napkin math: rows OUT flops; fewest bytes 4 (rows OUT + OUT). Fine for the dense widths of this
//   engine (OUT >= a few hundred fills a GPU poorly only when OUT is tiny, where it costs microseconds).

#define TILE 32        // BM = BN = BK
#define ROWS 8         // warps per block (blockDim.x = TILE * ROWS)
#define PER_THREAD (TILE / ROWS)
#define PAD 1

template <bool RELU>
__device__ __forceinline__ void dense_tiled(const float* X, const float* W, const float* b, float* Y,
                                            int N, int IN, int OUT) {
    __shared__ float Xs[TILE][TILE + PAD];   // Xs[k][n]
    __shared__ float Ws[TILE][TILE + PAD];   // Ws[k][o]

    const int tx = threadIdx.x % TILE;
    const int ty = threadIdx.x / TILE;
    const int n0 = blockIdx.y * TILE;
    const int o0 = blockIdx.x * TILE;

    float acc[PER_THREAD];
#pragma unroll
    for (int i = 0; i < PER_THREAD; ++i) {
        acc[i] = 0.0f;
    }

    for (int k0 = 0; k0 < IN; k0 += TILE) {
        const int k = k0 + tx;
#pragma unroll
        for (int r = 0; r < TILE; r += ROWS) {
            const int n = n0 + ty + r;
            const int o = o0 + ty + r;
            Xs[tx][ty + r] = (n < N && k < IN) ? X[(size_t)n * IN + k] : 0.0f;
            Ws[tx][ty + r] = (o < OUT && k < IN) ? W[(size_t)o * IN + k] : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < TILE; ++kk) {
            const float w = Ws[kk][tx];
#pragma unroll
            for (int i = 0; i < PER_THREAD; ++i) {
                acc[i] = fmaf(Xs[kk][ty + i * ROWS], w, acc[i]);
            }
        }
        __syncthreads();
    }

    const int o = o0 + tx;
    if (o < OUT) {
        const float bias = b[o];
#pragma unroll
        for (int i = 0; i < PER_THREAD; ++i) {
            const int n = n0 + ty + i * ROWS;
            if (n < N) {
                float v = acc[i] + bias;
                if (RELU) {
                    v = v < 0.0f ? 0.0f : v;
                }
                Y[(size_t)n * OUT + o] = v;
            }
        }
    }
}

// Y = X W^T + b; X [N, IN], W [OUT, IN], b [OUT], Y [N, OUT]. Launch: see the file header.
extern "C" __launch_bounds__(TILE * ROWS)
__global__ void dense_forward(const float* X, const float* W, const float* b, float* Y, int N, int IN, int OUT) {
    dense_tiled<false>(X, W, b, Y, N, IN, OUT);
}

// Y = max(0, X W^T + b); shapes and launch as dense_forward.
extern "C" __launch_bounds__(TILE * ROWS)
__global__ void dense_forward_relu(const float* X, const float* W, const float* b, float* Y, int N, int IN, int OUT) {
    dense_tiled<true>(X, W, b, Y, N, IN, OUT);
}

// db[o] = sum_{r < rows} dY[r, o]; dY [rows, OUT]. Launch: 1-D, any grid (grid-stride over o).
extern "C" __global__ void dense_backward_bias(const float* dY, float* db, int rows, int OUT) {
    const int stride = blockDim.x * gridDim.x;
    for (int o = blockIdx.x * blockDim.x + threadIdx.x; o < OUT; o += stride) {
        float s = 0.0f;
        for (int r = 0; r < rows; ++r) {
            s += dY[(size_t)r * OUT + o];
        }
        db[o] = s;
    }
}
