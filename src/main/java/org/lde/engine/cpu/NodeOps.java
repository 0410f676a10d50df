package org.lde.engine.cpu;

import org.lde.model.Activation;
import org.lde.model.Affine;
import org.lde.model.Conv2d;
import org.lde.tensor.Shape;

/**
 * Float64 reference arithmetic of the graph node kinds that the im2col path does not cover, as
 * plain loops over row-major {@code [rows, size]} arrays: grouped and dilated convolution (direct,
 * forward, data gradient and parameter gradients), elementwise activations, the per-channel affine
 * node, global average pooling and channel concatenation. Written to be read, not fast: it is the
 * definition the kernels and the fast backend are compared against.
 */
public final class NodeOps {
    private NodeOps() {
    }

    /**
     * Direct convolution of {@code n} images {@code x: [n, C, H, W]} (input shape {@code in}) by {@code c}
     * (groups, dilation, zero padding) into {@code [n, O, OH, OW]} ({@code out}).
     */
    public static double[] convForward(Conv2d c, Shape in, Shape out, double[] x, int n) {
        int h = in.dim(1), w = in.dim(2), oh = out.dim(1), ow = out.dim(2);
        int cin = c.groupInChannels(), cpg = c.groupOutChannels(), kh = c.kernelH(), kw = c.kernelW();
        double[] wt = c.weight().data();
        double[] b = c.bias().data();
        int inSize = in.sizeInt(), outSize = out.sizeInt();
        double[] y = new double[n * outSize];
        for (int s = 0; s < n; s++) {
            for (int o = 0; o < c.outChannels(); o++) {
                int g = o / cpg;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double acc = b[o];
                        for (int ci = 0; ci < cin; ci++) {
                            int plane = s * inSize + (g * cin + ci) * h * w;
                            for (int u = 0; u < kh; u++) {
                                int r = i * c.strideH() - c.padH() + u * c.dilationH();
                                if (r < 0 || r >= h) {
                                    continue;
                                }
                                for (int v = 0; v < kw; v++) {
                                    int col = j * c.strideW() - c.padW() + v * c.dilationW();
                                    if (col >= 0 && col < w) {
                                        acc += wt[((o * cin + ci) * kh + u) * kw + v] * x[plane + r * w + col];
                                    }
                                }
                            }
                        }
                        y[s * outSize + (o * oh + i) * ow + j] = acc;
                    }
                }
            }
        }
        return y;
    }

    /**
     * The data gradient of {@link #convForward} for {@code rows} gradient rows {@code dy: [rows, O, OH, OW]}:
     * {@code dx[ci] += W[o, ci, u, v] dy[o, i, j]} for every cell the forward pass read.
     */
    public static double[] convBackwardData(Conv2d c, Shape in, Shape out, double[] dy, int rows) {
        int h = in.dim(1), w = in.dim(2), oh = out.dim(1), ow = out.dim(2);
        int cin = c.groupInChannels(), cpg = c.groupOutChannels(), kh = c.kernelH(), kw = c.kernelW();
        double[] wt = c.weight().data();
        int inSize = in.sizeInt(), outSize = out.sizeInt();
        double[] dx = new double[rows * inSize];
        for (int s = 0; s < rows; s++) {
            for (int o = 0; o < c.outChannels(); o++) {
                int g = o / cpg;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double d = dy[s * outSize + (o * oh + i) * ow + j];
                        if (d == 0) {
                            continue;
                        }
                        for (int ci = 0; ci < cin; ci++) {
                            int plane = s * inSize + (g * cin + ci) * h * w;
                            for (int u = 0; u < kh; u++) {
                                int r = i * c.strideH() - c.padH() + u * c.dilationH();
                                if (r < 0 || r >= h) {
                                    continue;
                                }
                                for (int v = 0; v < kw; v++) {
                                    int col = j * c.strideW() - c.padW() + v * c.dilationW();
                                    if (col >= 0 && col < w) {
                                        dx[plane + r * w + col] += wt[((o * cin + ci) * kh + u) * kw + v] * d;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx;
    }

    /** {@code {dW, db}} of {@link #convForward} summed over the {@code n} samples, from {@code x} and {@code dy}. */
    public static double[][] convParameterGradients(Conv2d c, Shape in, Shape out, double[] x, double[] dy, int n) {
        int h = in.dim(1), w = in.dim(2), oh = out.dim(1), ow = out.dim(2);
        int cin = c.groupInChannels(), cpg = c.groupOutChannels(), kh = c.kernelH(), kw = c.kernelW();
        int inSize = in.sizeInt(), outSize = out.sizeInt();
        double[] dw = new double[c.weight().data().length];
        double[] db = new double[c.outChannels()];
        for (int s = 0; s < n; s++) {
            for (int o = 0; o < c.outChannels(); o++) {
                int g = o / cpg;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double d = dy[s * outSize + (o * oh + i) * ow + j];
                        db[o] += d;
                        for (int ci = 0; ci < cin; ci++) {
                            int plane = s * inSize + (g * cin + ci) * h * w;
                            for (int u = 0; u < kh; u++) {
                                int r = i * c.strideH() - c.padH() + u * c.dilationH();
                                if (r < 0 || r >= h) {
                                    continue;
                                }
                                for (int v = 0; v < kw; v++) {
                                    int col = j * c.strideW() - c.padW() + v * c.dilationW();
                                    if (col >= 0 && col < w) {
                                        dw[((o * cin + ci) * kh + u) * kw + v] += d * x[plane + r * w + col];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return new double[][] {dw, db};
    }

    /** {@code y = f(x)} elementwise. */
    public static double[] activationForward(Activation f, double[] x) {
        double[] y = new double[x.length];
        for (int k = 0; k < x.length; k++) {
            y[k] = f.apply(x[k]);
        }
        return y;
    }

    /**
     * {@code dx = dy f'(x)} for {@code rows = m s} gradient rows of {@code size} values; row {@code r} belongs
     * to sample {@code first + r / s}, whose recorded input {@code x} and output {@code y} give the slope.
     */
    public static double[] activationBackward(Activation f, double[] x, double[] y, int first, double[] dy, int rows, int s,
                                              int size) {
        double[] dx = new double[rows * size];
        for (int r = 0; r < rows; r++) {
            int src = (first + r / s) * size;
            for (int k = 0; k < size; k++) {
                dx[r * size + k] = dy[r * size + k] * f.derivative(x[src + k], y[src + k]);
            }
        }
        return dx;
    }

    /**
     * {@code y[c, p] = weight[c] x[c, p] + bias[c]} ({@code plane = 0}: forward) or {@code dx[c, p] = weight[c] dy[c, p]}
     * ({@code withBias = false}: the data gradient), over {@code rows} rows of {@code [C, plane]}.
     */
    public static double[] affine(Affine a, double[] x, int rows, int plane, boolean withBias) {
        double[] w = a.weight().data();
        double[] b = a.bias().data();
        int size = a.channels() * plane;
        double[] y = new double[rows * size];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < a.channels(); c++) {
                for (int p = 0; p < plane; p++) {
                    int k = r * size + c * plane + p;
                    y[k] = w[c] * x[k] + (withBias ? b[c] : 0);
                }
            }
        }
        return y;
    }

    /** {@code {dweight, dbias}} of {@link #affine} summed over {@code n} rows: {@code sum x dy}, {@code sum dy} per channel. */
    public static double[][] affineParameterGradients(Affine a, double[] x, double[] dy, int n, int plane) {
        int size = a.channels() * plane;
        double[] dw = new double[a.channels()];
        double[] db = new double[a.channels()];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < a.channels(); c++) {
                for (int p = 0; p < plane; p++) {
                    int k = r * size + c * plane + p;
                    dw[c] += x[k] * dy[k];
                    db[c] += dy[k];
                }
            }
        }
        return new double[][] {dw, db};
    }

    /** {@code y[c] = mean_p x[c, p]} over {@code rows} rows of {@code [C, plane]}. */
    public static double[] globalAvgPool(double[] x, int rows, int channels, int plane) {
        double[] y = new double[rows * channels];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < channels; c++) {
                double sum = 0;
                int base = (r * channels + c) * plane;
                for (int p = 0; p < plane; p++) {
                    sum += x[base + p];
                }
                y[r * channels + c] = sum / plane;
            }
        }
        return y;
    }

    /** The data gradient of {@link #globalAvgPool}: {@code dx[c, p] = dy[c] / plane}. */
    public static double[] globalAvgPoolBackward(double[] dy, int rows, int channels, int plane) {
        double[] dx = new double[rows * channels * plane];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < channels; c++) {
                double v = dy[r * channels + c] / plane;
                java.util.Arrays.fill(dx, (r * channels + c) * plane, (r * channels + c + 1) * plane, v);
            }
        }
        return dx;
    }

    /** Per row, the parts {@code parts[k]: [rows, sizes[k]]} one after the other: {@code [rows, sum sizes]}. */
    public static double[] concat(double[][] parts, int[] sizes, int rows) {
        int total = 0;
        for (int s : sizes) {
            total += s;
        }
        double[] y = new double[rows * total];
        for (int r = 0; r < rows; r++) {
            int at = r * total;
            for (int k = 0; k < parts.length; k++) {
                System.arraycopy(parts[k], r * sizes[k], y, at, sizes[k]);
                at += sizes[k];
            }
        }
        return y;
    }

    /** The columns {@code [offset, offset + size)} of every row of {@code y: [rows, total]}: a concat's data gradient. */
    public static double[] slice(double[] y, int rows, int total, int offset, int size) {
        double[] out = new double[rows * size];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(y, r * total + offset, out, r * size, size);
        }
        return out;
    }
}
