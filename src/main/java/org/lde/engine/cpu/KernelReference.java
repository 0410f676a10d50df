package org.lde.engine.cpu;

import org.lde.model.Activation;

/**
 * Float64 references of the kernels that {@code engine.gpu.GpuBackend} adds:
 * {@code kernels/dense.cu}, {@code kernels/activation.cu}, {@code kernels/loss.cu},
 * {@code kernels/seeds.cu}, {@code kernels/optim.cu} and {@code kernels/graph.cu}'s joins. Each method
 * states the math of its kernel (the kernel's header comment says the same); the validation suites
 * compare the kernels against these (METHOD.md section 10). Style of {@link BlasReference}: static,
 * verb-first, the output parameter(s) last; every other argument is only read. Row-major packed arrays.
 *
 * <p>The other graph-node kernels are compared against {@link NodeOps}, the float64 definition of those
 * node kinds that the reference backend itself runs: grouped/dilated convolution
 * ({@code kernels/conv_grouped.cu}: {@link NodeOps#convForward}, {@link NodeOps#convBackwardData},
 * {@link NodeOps#convParameterGradients}), the affine node ({@code kernels/affine.cu}: {@link NodeOps#affine},
 * {@link NodeOps#affineParameterGradients}) and global average pooling ({@code kernels/graph.cu}:
 * {@link NodeOps#globalAvgPool}, {@link NodeOps#globalAvgPoolBackward}).
 */
public final class KernelReference {
    private KernelReference() {
    }

    /**
     * {@code y[n, o] = sum_k x[n, k] w[o, k] + b[o]}, then {@code max(0, .)} when {@code relu}
     * (kernels {@code dense_forward}, {@code dense_forward_relu}).
     *
     * @param x {@code [n, in]}, {@code w [out, in]}, {@code b [out]}
     * @param y output {@code [n, out]} (overwritten)
     */
    public static void denseForward(double[] x, double[] w, double[] b, int n, int in, int out, boolean relu, double[] y) {
        for (int r = 0; r < n; r++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int k = 0; k < in; k++) {
                    s += x[r * in + k] * w[o * in + k];
                }
                s += b[o];
                y[r * out + o] = relu && s < 0 ? 0.0 : s;
            }
        }
    }

    /**
     * Column sums {@code db[o] = sum_r dy[r, o]} of {@code dy [rows, out]} (kernel {@code dense_backward_bias}).
     *
     * @param db output {@code [out]} (overwritten)
     */
    public static void columnSums(double[] dy, int rows, int out, double[] db) {
        for (int o = 0; o < out; o++) {
            double s = 0;
            for (int r = 0; r < rows; r++) {
                s += dy[r * out + o];
            }
            db[o] = s;
        }
    }

    /**
     * {@code dx[r, k] = dy[r, k]} if {@code x[r / s, k] > 0}, else 0, for {@code rows} gradient rows
     * of {@code size} entries, {@code s} rows per sample (kernel {@code relu_backward_seeded}; the
     * same as {@link ReferenceOps#reluBackward} with offset 0).
     *
     * @param dx output {@code [rows, size]} (overwritten)
     */
    public static void reluBackwardSeeded(double[] x, double[] dy, int rows, int s, int size, double[] dx) {
        ReferenceOps.reluBackward(x, 0, dy, rows, s, size, dx);
    }

    /**
     * Softmax cross-entropy per sample (kernel {@code cross_entropy_forward_backward}):
     * {@code loss[n] = lse(z_n) - z[n, y_n]}, {@code grad[n, c] = scale (softmax(z_n)_c - [c == y_n])},
     * {@code correct[n] = [first argmax of z_n == y_n]}.
     *
     * @param y class indices {@code [n]} in {@code [0, c)}
     * @param loss output {@code [n]}; {@code grad} output {@code [n, c]}; {@code correct} output {@code [n]}
     */
    public static void crossEntropy(double[] z, int[] y, int n, int c, double scale, double[] loss, double[] grad,
                                    int[] correct) {
        for (int r = 0; r < n; r++) {
            int off = r * c;
            double lse = ReferenceOps.logSumExp(z, off, c);
            loss[r] = lse - z[off + y[r]];
            for (int k = 0; k < c; k++) {
                grad[off + k] = scale * (Math.exp(z[off + k] - lse) - (k == y[r] ? 1 : 0));
            }
            correct[r] = ReferenceOps.argmax(z, off, c) == y[r] ? 1 : 0;
        }
    }

    /**
     * Mean squared error per sample (kernel {@code mse_forward_backward}):
     * {@code loss[n] = 1/c sum_k (z[n, k] - t[n, k])^2}, {@code grad[n, k] = 2 scale (z[n, k] - t[n, k])}.
     *
     * @param loss output {@code [n]}; {@code grad} output {@code [n, c]}
     */
    public static void mse(double[] z, double[] t, int n, int c, double scale, double[] loss, double[] grad) {
        for (int r = 0; r < n; r++) {
            double s = 0;
            for (int k = 0; k < c; k++) {
                double d = z[r * c + k] - t[r * c + k];
                s += d * d;
                grad[r * c + k] = 2 * scale * d;
            }
            loss[r] = s / c;
        }
    }

    /**
     * One-hot seeds {@code out[n, s, k] = [s == k]}, {@code out [n, c, c]} (kernel {@code seeds_identity}).
     *
     * @param out output (overwritten)
     */
    public static void seedsIdentity(int n, int c, double[] out) {
        for (int r = 0; r < n; r++) {
            for (int s = 0; s < c; s++) {
                for (int k = 0; k < c; k++) {
                    out[(r * c + s) * c + k] = s == k ? 1 : 0;
                }
            }
        }
    }

    /**
     * Margin seeds {@code out[n, 0, k] = [k == a[n]] - [k == b[n]]}, {@code out [n, 1, c]} (kernel
     * {@code seeds_margin}).
     *
     * @param out output (overwritten)
     */
    public static void seedsMargin(int[] a, int[] b, int n, int c, double[] out) {
        for (int r = 0; r < n; r++) {
            for (int k = 0; k < c; k++) {
                out[r * c + k] = (k == a[r] ? 1 : 0) - (k == b[r] ? 1 : 0);
            }
        }
    }

    /**
     * One SGD step, torch.optim.SGD (dampening 0, no Nesterov) (kernel {@code sgd_step}):
     * {@code d = g + wd p}; with momentum {@code buf = first ? d : momentum buf + d}, {@code d = buf};
     * {@code p -= lr d}.
     *
     * @param p parameters (updated); {@code buf} momentum buffer (updated when momentum != 0)
     */
    public static void sgdStep(double[] g, int n, double lr, double momentum, double weightDecay, boolean first,
                               double[] p, double[] buf) {
        for (int i = 0; i < n; i++) {
            double d = g[i] + weightDecay * p[i];
            if (momentum != 0) {
                buf[i] = first ? d : momentum * buf[i] + d;
                d = buf[i];
            }
            p[i] -= lr * d;
        }
    }

    /**
     * One Adam step {@code t} (1-based), torch.optim.Adam (non-amsgrad, L2 weight decay)
     * (kernel {@code adam_step}): {@code d = g + wd p}, {@code m = b1 m + (1-b1) d},
     * {@code v = b2 v + (1-b2) d^2}, {@code p -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)}.
     *
     * @param p parameters, {@code m}, {@code v} moments: all updated
     */
    public static void adamStep(double[] g, int n, long t, double lr, double beta1, double beta2, double eps,
                                double weightDecay, double[] p, double[] m, double[] v) {
        double stepSize = lr / (1 - Math.pow(beta1, t));
        double bc2sqrt = Math.sqrt(1 - Math.pow(beta2, t));
        for (int i = 0; i < n; i++) {
            double d = g[i] + weightDecay * p[i];
            m[i] = beta1 * m[i] + (1 - beta1) * d;
            v[i] = beta2 * v[i] + (1 - beta2) * d * d;
            p[i] -= stepSize * m[i] / (Math.sqrt(v[i]) / bc2sqrt + eps);
        }
    }

    /**
     * {@code y = f(x)} over {@code n} elements, with the model's {@link Activation#apply} (kernels
     * {@code relu_forward}, {@code sigmoid_forward}, {@code tanh_forward}, {@code leaky_relu_forward}).
     *
     * @param y output {@code [n]} (overwritten)
     */
    public static void activationForward(Activation f, double[] x, int n, double[] y) {
        for (int i = 0; i < n; i++) {
            y[i] = f.apply(x[i]);
        }
    }

    /**
     * {@code dx[r, k] = dy[r, k] f'(x[r / s, k], y[r / s, k])} for {@code rows} gradient rows of {@code size}
     * values, {@code s} per sample, with the model's {@link Activation#derivative} (kernels
     * {@code *_backward_seeded}: ReLU and leaky ReLU use the recorded input x, sigmoid and tanh the recorded
     * output y).
     *
     * @param dx output {@code [rows, size]} (overwritten)
     */
    public static void activationBackwardSeeded(Activation f, double[] x, double[] y, double[] dy, int rows, int s, int size,
                                                double[] dx) {
        double[] r = NodeOps.activationBackward(f, x, y, 0, dy, rows, s, size);
        System.arraycopy(r, 0, dx, 0, r.length);
    }

    /**
     * {@code dst[r * dstStride + dstOffset + k] = src[r * srcStride + srcOffset + k]} for {@code r < rows},
     * {@code k < size} (kernel {@code strided_copy}: a concat's input into place, or a slice of its gradient).
     * Elements of {@code dst} outside those positions are left as they are.
     */
    public static void stridedCopy(double[] src, int rows, int size, int srcStride, int srcOffset, int dstStride,
                                   int dstOffset, double[] dst) {
        for (int r = 0; r < rows; r++) {
            System.arraycopy(src, r * srcStride + srcOffset, dst, r * dstStride + dstOffset, size);
        }
    }

    /**
     * {@code y = a + b} over {@code n} elements (kernel {@code add_forward}).
     *
     * @param y output {@code [n]} (overwritten)
     */
    public static void add(double[] a, double[] b, int n, double[] y) {
        for (int i = 0; i < n; i++) {
            y[i] = a[i] + b[i];
        }
    }
}
