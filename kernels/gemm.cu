// Tiled shared-memory SGEMM for row-major float32 matrices, in three forms:
//
//   sgemm_nn: C = alpha * A   * B   + beta * C    A [M,K] (lda >= K), B [K,N] (ldb >= N)
//   sgemm_nt: C = alpha * A   * B^T + beta * C    A [M,K] (lda >= K), B [N,K] (ldb >= K)
//   sgemm_tn: C = alpha * A^T * B   + beta * C    A [K,M] (lda >= M), B [K,N] (ldb >= N)
//
//   C is [M,N] with ldc >= N; element (i,j) of a row-major matrix X with leading dimension
//   ldx lives at X[i * ldx + j]. Any M, N, K >= 0: every global access is bounds-checked, so no
//   size needs to be a multiple of the tile. K = 0 gives C = beta * C (alpha * 0 + beta * C).
//   beta == 0 means C is write-only: it is never read (it may hold NaN or garbage), as in BLAS.
//   Arithmetic: float32 fused multiply-adds, accumulated over k in increasing order; then
//   C = alpha * acc (+ beta * C).
//
// Launch shape (all three forms):
//   block = (256, 1, 1), grid = (ceil(N / 32), ceil(M / 32), 1), no dynamic shared memory.
//   The block is one-dimensional (matching __launch_bounds__(256), i.e. .maxntid 256, 1, 1);
//   thread t works as (tx, ty) = (t % 32, t / 32), so warp w is the row ty = w of a 32 x 8
//   thread grid. Block (bx, by) computes the 32x32 tile of C at rows 32*by.., columns
//   32*bx..; thread (tx, ty) computes the 4 elements C[32*by + ty + 8*i][32*bx + tx], i < 4.
//
// Memory layout (the one idea of this version: one kernel body, the transposes are only in
// how a tile is loaded, chosen so that both loads are coalesced and conflict-free):
//   * Shared tiles As and Bs[k][n], 32 x (32 + 1) floats each (8448 bytes in all). The +1 pad
//     makes the column of Bs (stride 33 words) hit 32 distinct banks. As is As[k][m] with row
//     stride 33 for TN, and As[m][k] packed with row stride kw for NN and NT, where
//     kw = min(32, K - k0) is the width of the current K tile (32 except for the last tile).
//   * Global loads: consecutive lanes run along the matrix's contiguous dimension:
//       A, not transposed (NN, NT): element e = t + 256 j (j < 4) of the packed 32 x kw tile,
//                                   (m, k) = (e / kw, e % kw), written to As[e]. For a full tile
//                                   (kw = 32) that is tx -> k, one row per warp; for a narrow one
//                                   a warp reads 32 / kw rows at once, so A [M, K] with K < 32
//                                   (the data gradient dX = dY W of a layer with few outputs,
//                                   e.g. K = 10) is read as one contiguous run per warp instead
//                                   of K floats per warp (40 bytes in 2 sectors at K = 10: 0.77
//                                   load efficiency before this change, 1.0 now).
//       A, transposed     (TN):     tx -> m, written to As[k][m = tx]   (row write)
//       B, not transposed (NN, TN): tx -> n, written to Bs[k][n = tx]   (row write)
//       B, transposed     (NT):     tx -> k, written to Bs[k = tx][n]   (column write, stride 33)
//     so each warp loads 32 consecutive floats of one row (128 bytes: 4 sectors when aligned, 5
//     when a row does not start on a 32-byte boundary), or, for a narrow A tile, 32 elements of
//     consecutive rows. Out-of-range tile elements are stored as 0 without a global access.
//   * Inner loop: per k, each thread reads Bs[k][tx] (32 consecutive words per warp) and
//     A(m = ty + 8i, k) (one address per warp: a broadcast), then 4 fmas. No bank conflicts in
//     any shared access (As[e] stores: 32 consecutive words per warp). A full tile runs 32
//     unrolled k-steps; the last, partial tile runs only its kw steps (so a value in the unused
//     part of a tile never meets the computation, and NaN/Inf handling is exact).
//   * C: each warp stores (and, for beta != 0, loads) 32 consecutive floats of one row.
//   * Edge tiles in M and N run all 4 outputs per thread on zero-filled tiles (no divergence
//     in the inner loop); only the global loads and the C stores are guarded.
//   Measured by the PTX emulator (kernels/emulated-profile.txt, and kernels/emulated-profile-dense.txt
//   for the sample CNN's dense layers): sector efficiency of the A and B loads 1.0 when every row
//   starts on a 32-byte boundary (leading dimensions multiple of 8, e.g. 64 or 72) and for packed
//   A with K < 32, 0.79 at M = N = K = 129: the bound of 32-wide tiles for odd leading dimensions
//   (a misaligned 128-byte warp access touches 4.875 sectors on average, and each row's 1-wide
//   edge tile costs a whole sector for 4 bytes). Zero shared-memory bank conflicts.
//
// Napkin math: 2*M*N*K flops (+ 2*M*N for alpha, beta). Fewest bytes: 4*(M*K + K*N + M*N)
//   (+ 4*M*N when beta != 0 reads C). This kernel reads A ceil(N/32) times and B ceil(M/32)
//   times from global memory (caches absorb part of it); arithmetic intensity per block tile
//   is 2*32*32*32 flops per 2*32*32*4 bytes = 8 flops/byte.

#define TILE 32        // BM = BN = BK
#define ROWS 8         // warps per block (blockDim.x = TILE * ROWS)
#define PER_THREAD (TILE / ROWS)
#define PAD 1

template <bool TRANS_A, bool TRANS_B>
__device__ __forceinline__ void sgemm_tiled(int M, int N, int K, float alpha,
                                            const float* A, int lda,
                                            const float* B, int ldb,
                                            float beta, float* C, int ldc) {
    // As: TN: As[k * (TILE + PAD) + m]; NN, NT: As[m * kw + k], packed with the tile's width kw.
    __shared__ float As[TILE * (TILE + PAD)];
    __shared__ float Bs[TILE][TILE + PAD];   // Bs[k][n]

    const int tx = threadIdx.x % TILE;       // lane: runs along a contiguous dimension
    const int ty = threadIdx.x / TILE;       // warp index, 0..ROWS-1
    const int m0 = blockIdx.y * TILE;
    const int n0 = blockIdx.x * TILE;

    float acc[PER_THREAD];
#pragma unroll
    for (int i = 0; i < PER_THREAD; ++i) {
        acc[i] = 0.0f;
    }

    for (int k0 = 0; k0 < K; k0 += TILE) {
        const int kw = min(TILE, K - k0);     // width of this K tile (uniform over the block)
        if (!TRANS_A && kw < TILE) {              // narrow A tile: 32 x kw packed, e = t + 256 j
#pragma unroll
            for (int r = 0; r < TILE; r += ROWS) {
                const int e = r * TILE + threadIdx.x;
                const int mi = e / kw;
                if (mi < TILE) {
                    const int m = m0 + mi;
                    As[e] = m < M ? A[(size_t)m * lda + k0 + (e - mi * kw)] : 0.0f;
                }
            }
        }
#pragma unroll
        for (int r = 0; r < TILE; r += ROWS) {
            if (!TRANS_A) {                       // A[m][k], full tile: tx runs along k
                if (kw == TILE) {
                    const int m = m0 + ty + r;
                    As[(ty + r) * TILE + tx] = m < M ? A[(size_t)m * lda + k0 + tx] : 0.0f;
                }
            } else {                              // A[k][m]: tx runs along m
                const int k = k0 + ty + r;
                const int m = m0 + tx;
                As[(ty + r) * (TILE + PAD) + tx] = (m < M && k < K) ? A[(size_t)k * lda + m] : 0.0f;
            }
            if (!TRANS_B) {                       // B[k][n]: tx runs along n
                const int k = k0 + ty + r;
                const int n = n0 + tx;
                Bs[ty + r][tx] = (n < N && k < K) ? B[(size_t)k * ldb + n] : 0.0f;
            } else {                              // B[n][k]: tx runs along k
                const int n = n0 + ty + r;
                const int k = k0 + tx;
                Bs[tx][ty + r] = (n < N && k < K) ? B[(size_t)n * ldb + k] : 0.0f;
            }
        }
        __syncthreads();

        if (kw == TILE) {
#pragma unroll
            for (int kk = 0; kk < TILE; ++kk) {
                const float b = Bs[kk][tx];
#pragma unroll
                for (int i = 0; i < PER_THREAD; ++i) {
                    const float a = TRANS_A ? As[kk * (TILE + PAD) + ty + i * ROWS] : As[(ty + i * ROWS) * TILE + kk];
                    acc[i] = fmaf(a, b, acc[i]);
                }
            }
        } else {                                  // the last, partial K tile: only its kw steps
            for (int kk = 0; kk < kw; ++kk) {
                const float b = Bs[kk][tx];
#pragma unroll
                for (int i = 0; i < PER_THREAD; ++i) {
                    const float a = TRANS_A ? As[kk * (TILE + PAD) + ty + i * ROWS] : As[(ty + i * ROWS) * kw + kk];
                    acc[i] = fmaf(a, b, acc[i]);
                }
            }
        }
        __syncthreads();
    }

    const int n = n0 + tx;
#pragma unroll
    for (int i = 0; i < PER_THREAD; ++i) {
        const int m = m0 + ty + i * ROWS;
        if (m < M && n < N) {
            float* c = C + (size_t)m * ldc + n;
            *c = beta == 0.0f ? alpha * acc[i] : fmaf(beta, *c, alpha * acc[i]);
        }
    }
}

// C = alpha * A B + beta * C; A [M,K], B [K,N], C [M,N], row-major. Launch: see the file header.
extern "C" __launch_bounds__(TILE * ROWS)
__global__ void sgemm_nn(int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
                         float beta, float* C, int ldc) {
    sgemm_tiled<false, false>(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

// C = alpha * A B^T + beta * C; A [M,K], B [N,K], C [M,N], row-major. Launch: see the file header.
extern "C" __launch_bounds__(TILE * ROWS)
__global__ void sgemm_nt(int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
                         float beta, float* C, int ldc) {
    sgemm_tiled<false, true>(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

// C = alpha * A^T B + beta * C; A [K,M], B [K,N], C [M,N], row-major. Launch: see the file header.
extern "C" __launch_bounds__(TILE * ROWS)
__global__ void sgemm_tn(int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
                         float beta, float* C, int ldc) {
    sgemm_tiled<true, false>(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
