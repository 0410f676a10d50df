// Optimizer updates on the device, exactly torch.optim's rules (float32, in place, one thread per
// parameter element, grid-stride; any 1-D launch is correct; suggested block 256,
// grid min(ceil(n / 256), 1024)). Every element is independent; accesses are coalesced.
//
// sgd_step(p, g, buf, n, lr, momentum, weightDecay, first):
//   d = g + weightDecay p;  if momentum != 0: buf = first ? d : momentum buf + d; d = buf;  p -= lr d
//   (torch.optim.SGD, dampening 0, no Nesterov: the buffer is the plain gradient on the first step).
//   buf is neither read nor written when momentum == 0 (it may then be any buffer, e.g. p).
//   Reads p, g (, buf); writes p (, buf). Napkin math: 6 n flops; fewest bytes 4 (3 n) (+ 8 n with momentum).
//
// adam_step(p, g, m, v, n, stepSize, beta1, oneMinusBeta1, beta2, oneMinusBeta2, bc2sqrt, eps, weightDecay):
//   d = g + weightDecay p;  m = beta1 m + (1 - beta1) d;  v = beta2 v + (1 - beta2) d^2;
//   p -= stepSize m / (sqrt(v) / bc2sqrt + eps)
//   with stepSize = lr / (1 - beta1^t) and bc2sqrt = sqrt(1 - beta2^t) computed by the host in float64
//   for step t (1-based), as torch.optim.Adam (non-amsgrad, L2 weight decay).
//   Reads p, g, m, v; writes p, m, v. Napkin math: about 13 n flops + n sqrt + n div;
//   fewest bytes 4 (4 n read + 3 n write).

extern "C" __global__ void sgd_step(float* p, const float* g, float* buf, int n, float lr, float momentum,
                                    float weightDecay, int first) {
    const int stride = blockDim.x * gridDim.x;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        const float pi = p[i];
        float d = fmaf(weightDecay, pi, g[i]);
        if (momentum != 0.0f) {
            d = first ? d : fmaf(momentum, buf[i], d);
            buf[i] = d;
        }
        p[i] = fmaf(-lr, d, pi);
    }
}

extern "C" __global__ void adam_step(float* p, const float* g, float* m, float* v, int n, float stepSize,
                                     float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                                     float bc2sqrt, float eps, float weightDecay) {
    const int stride = blockDim.x * gridDim.x;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        const float pi = p[i];
        const float d = fmaf(weightDecay, pi, g[i]);
        const float mi = fmaf(beta1, m[i], oneMinusBeta1 * d);
        const float vi = fmaf(beta2, v[i], oneMinusBeta2 * d * d);
        m[i] = mi;
        v[i] = vi;
        const float denom = sqrtf(vi) / bc2sqrt + eps;
        p[i] = pi - stepSize * mi / denom;
    }
}
