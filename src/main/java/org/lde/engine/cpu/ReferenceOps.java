package org.lde.engine.cpu;

import org.lde.engine.Window2d;

/**
 * Float64 reference operations on raw row-major arrays: the building blocks of
 * {@link EjmlBackend} and the references the CUDA kernels are checked against. Each method
 * states its math; arrays are addressed with an explicit offset so that one image of a batch
 * (or one column block of a batched matrix) can be processed in place. Arguments are read
 * only, except the one named as the output (always the last array parameter); outputs are
 * overwritten unless the method says it accumulates.
 *
 * <p>Images are {@code [channels, inH, inW]} row-major; window geometry is a {@link Window2d}.
 */
public final class ReferenceOps {
    private ReferenceOps() {
    }

    /**
     * Unfolds one image into columns (im2col) so that a convolution becomes a matrix product:
     * {@code cols[(c*kH + u)*kW + v][colOffset + i*outW + j] = x[c, i*sH - pH + u, j*sW - pW + v]}
     * (zero where that cell is padding). {@code cols} is a row-major matrix with
     * {@code g.patchSize()} rows and leading dimension {@code ld} (its number of columns); this image
     * fills columns {@code [colOffset, colOffset + g.outPlane())}. With {@code W: [O, patchSize]},
     * {@code W * cols} is the convolution without bias.
     *
     * @param x input images, image at {@code xOffset} (read)
     * @param cols output matrix (the image's columns are overwritten, others untouched)
     */
    public static void im2col(Window2d g, double[] x, int xOffset, int colOffset, int ld, double[] cols) {
        int oh = g.outH(), ow = g.outW(), h = g.inH(), w = g.inW();
        int row = 0;
        for (int c = 0; c < g.channels(); c++) {
            int plane = xOffset + c * h * w;
            for (int u = 0; u < g.kernelH(); u++) {
                for (int v = 0; v < g.kernelW(); v++, row++) {
                    int base = row * ld + colOffset;
                    for (int i = 0; i < oh; i++) {
                        int r = i * g.strideH() - g.padH() + u;
                        int dst = base + i * ow;
                        if (r < 0 || r >= h) {
                            java.util.Arrays.fill(cols, dst, dst + ow, 0.0);
                            continue;
                        }
                        int src = plane + r * w;
                        for (int j = 0; j < ow; j++) {
                            int col = j * g.strideW() - g.padW() + v;
                            cols[dst + j] = (col >= 0 && col < w) ? x[src + col] : 0.0;
                        }
                    }
                }
            }
        }
    }

    /**
     * The adjoint of {@link #im2col}: folds columns back into an image, summing every column
     * entry into the input cell it was copied from (entries that came from padding are dropped):
     * {@code dx[c, i*sH - pH + u, j*sW - pW + v] += cols[(c*kH + u)*kW + v][colOffset + i*outW + j]}.
     * This is the data gradient of a convolution given {@code cols = W^T dY}.
     *
     * @param cols columns, matrix with leading dimension {@code ld} (read)
     * @param dx output image at {@code dxOffset}: ACCUMULATED into (zero it first for a plain col2im)
     */
    public static void col2imAdd(Window2d g, double[] cols, int colOffset, int ld, double[] dx, int dxOffset) {
        int oh = g.outH(), ow = g.outW(), h = g.inH(), w = g.inW();
        int row = 0;
        for (int c = 0; c < g.channels(); c++) {
            int plane = dxOffset + c * h * w;
            for (int u = 0; u < g.kernelH(); u++) {
                for (int v = 0; v < g.kernelW(); v++, row++) {
                    int base = row * ld + colOffset;
                    for (int i = 0; i < oh; i++) {
                        int r = i * g.strideH() - g.padH() + u;
                        if (r < 0 || r >= h) {
                            continue;
                        }
                        int src = base + i * ow;
                        int dst = plane + r * w;
                        for (int j = 0; j < ow; j++) {
                            int col = j * g.strideW() - g.padW() + v;
                            if (col >= 0 && col < w) {
                                dx[dst + col] += cols[src + j];
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Max pooling of one image, per channel: {@code y[c, i, j] = max_{u, v} x[c, i*sH - pH + u, j*sW - pW + v]},
     * padding cells being {@code -infinity} (they never win, since every window holds at least one
     * real cell). {@code argmax[c, i, j]} receives the flat index {@code c*inH*inW + r*inW + col}
     * (within the image) of the FIRST maximal cell in row-major window order ({@code u} outer,
     * {@code v} inner, strict {@code >}): the cell that receives the gradient in
     * {@link #maxPoolBackwardAdd}.
     *
     * @param y output {@code [channels, outH, outW]} at {@code yOffset} (overwritten)
     * @param argmax output, same layout as {@code y} at {@code argOffset} (overwritten)
     */
    public static void maxPoolForward(Window2d g, double[] x, int xOffset, double[] y, int yOffset, int[] argmax,
                                      int argOffset) {
        int oh = g.outH(), ow = g.outW(), h = g.inH(), w = g.inW();
        int o = 0;
        for (int c = 0; c < g.channels(); c++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++, o++) {
                    double best = Double.NEGATIVE_INFINITY;
                    int where = -1;
                    for (int u = 0; u < g.kernelH(); u++) {
                        int r = i * g.strideH() - g.padH() + u;
                        if (r < 0 || r >= h) {
                            continue;
                        }
                        for (int v = 0; v < g.kernelW(); v++) {
                            int col = j * g.strideW() - g.padW() + v;
                            if (col < 0 || col >= w) {
                                continue;
                            }
                            int idx = (c * h + r) * w + col;
                            double val = x[xOffset + idx];
                            if (where < 0 || val > best) {
                                best = val;
                                where = idx;
                            }
                        }
                    }
                    if (where < 0) {
                        throw new IllegalStateException("max-pool window (" + c + ", " + i + ", " + j
                                + ") holds only padding: " + g);
                    }
                    y[yOffset + o] = best;
                    argmax[argOffset + o] = where;
                }
            }
        }
    }

    /**
     * Reverse of max pooling for one image: {@code dx[argmax[o]] += dy[o]} for every output cell
     * {@code o} (the gradient goes to the first maximal cell of each window; overlapping windows
     * add up).
     *
     * @param dx output image at {@code dxOffset}: ACCUMULATED into
     */
    public static void maxPoolBackwardAdd(Window2d g, double[] dy, int dyOffset, int[] argmax, int argOffset,
                                          double[] dx, int dxOffset) {
        int n = g.channels() * g.outPlane();
        for (int o = 0; o < n; o++) {
            dx[dxOffset + argmax[argOffset + o]] += dy[dyOffset + o];
        }
    }

    /**
     * Average pooling of one image with {@code count_include_pad = True}:
     * {@code y[c, i, j] = 1/(kH kW) sum_{u, v} x[c, i*sH - pH + u, j*sW - pW + v]}, padding cells
     * counting as zeros (the divisor is always {@code kH * kW}).
     *
     * @param y output {@code [channels, outH, outW]} at {@code yOffset} (overwritten)
     */
    public static void avgPoolForward(Window2d g, double[] x, int xOffset, double[] y, int yOffset) {
        int oh = g.outH(), ow = g.outW(), h = g.inH(), w = g.inW();
        double scale = 1.0 / (g.kernelH() * g.kernelW());
        int o = 0;
        for (int c = 0; c < g.channels(); c++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++, o++) {
                    double s = 0;
                    for (int u = 0; u < g.kernelH(); u++) {
                        int r = i * g.strideH() - g.padH() + u;
                        if (r < 0 || r >= h) {
                            continue;
                        }
                        for (int v = 0; v < g.kernelW(); v++) {
                            int col = j * g.strideW() - g.padW() + v;
                            if (col >= 0 && col < w) {
                                s += x[xOffset + (c * h + r) * w + col];
                            }
                        }
                    }
                    y[yOffset + o] = s * scale;
                }
            }
        }
    }

    /**
     * Reverse of average pooling for one image:
     * {@code dx[c, i*sH - pH + u, j*sW - pW + v] += dy[c, i, j] / (kH kW)} for every real cell of
     * every window.
     *
     * @param dx output image at {@code dxOffset}: ACCUMULATED into
     */
    public static void avgPoolBackwardAdd(Window2d g, double[] dy, int dyOffset, double[] dx, int dxOffset) {
        int oh = g.outH(), ow = g.outW(), h = g.inH(), w = g.inW();
        double scale = 1.0 / (g.kernelH() * g.kernelW());
        int o = 0;
        for (int c = 0; c < g.channels(); c++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++, o++) {
                    double d = dy[dyOffset + o] * scale;
                    for (int u = 0; u < g.kernelH(); u++) {
                        int r = i * g.strideH() - g.padH() + u;
                        if (r < 0 || r >= h) {
                            continue;
                        }
                        for (int v = 0; v < g.kernelW(); v++) {
                            int col = j * g.strideW() - g.padW() + v;
                            if (col >= 0 && col < w) {
                                dx[dxOffset + (c * h + r) * w + col] += d;
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * {@code y[i] = max(0, x[i])} for {@code i} in {@code [0, n)}.
     *
     * @param y output (overwritten; may be the same array as {@code x})
     */
    public static void reluForward(double[] x, int n, double[] y) {
        for (int i = 0; i < n; i++) {
            y[i] = x[i] > 0 ? x[i] : 0.0;
        }
    }

    /**
     * Reverse of ReLU for {@code rows} gradient rows of {@code size} entries, where row {@code r}
     * belongs to sample {@code r / seedsPerSample}:
     * {@code dx[r, k] = dy[r, k]} if {@code x[xOffset + (r / seedsPerSample) size + k] > 0}, else 0
     * (the derivative at 0 is 0).
     *
     * @param x the ReLU's input, {@code [rows / seedsPerSample, size]} from {@code xOffset} (read)
     * @param dx output {@code [rows, size]} (overwritten; may be the same array as {@code dy})
     */
    public static void reluBackward(double[] x, int xOffset, double[] dy, int rows, int seedsPerSample, int size,
                                    double[] dx) {
        for (int r = 0; r < rows; r++) {
            int xo = xOffset + (r / seedsPerSample) * size;
            int o = r * size;
            for (int k = 0; k < size; k++) {
                dx[o + k] = x[xo + k] > 0 ? dy[o + k] : 0.0;
            }
        }
    }

    /**
     * {@code log sum_k exp(z[offset + k])}, {@code k < n}, computed stably as
     * {@code m + log sum_k exp(z_k - m)} with {@code m = max_k z_k}.
     */
    public static double logSumExp(double[] z, int offset, int n) {
        double m = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < n; k++) {
            m = Math.max(m, z[offset + k]);
        }
        double s = 0;
        for (int k = 0; k < n; k++) {
            s += Math.exp(z[offset + k] - m);
        }
        return m + Math.log(s);
    }

    /**
     * Softmax of one row: {@code p[k] = exp(z_k - lse(z))}, with {@link #logSumExp} (stable for
     * large logits).
     *
     * @param p output at {@code pOffset} (overwritten)
     */
    public static void softmax(double[] z, int offset, int n, double[] p, int pOffset) {
        double lse = logSumExp(z, offset, n);
        for (int k = 0; k < n; k++) {
            p[pOffset + k] = Math.exp(z[offset + k] - lse);
        }
    }

    /** Index of the first maximal entry of {@code z[offset .. offset + n)}. */
    public static int argmax(double[] z, int offset, int n) {
        int best = 0;
        for (int k = 1; k < n; k++) {
            if (z[offset + k] > z[offset + best]) {
                best = k;
            }
        }
        return best;
    }
}
