package org.lde.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.lde.engine.Window2d;
import org.lde.tensor.Rng;

/**
 * Properties of the reference operations that the kernels will be checked against: im2col and
 * col2im are adjoint ({@code <im2col(x), C> = <x, col2im(C)>}), as are the pooling forward maps
 * and their reverse passes; im2col writes exactly its own column block; each im2col entry is the
 * input cell its formula names (direct indexing, padding zero).
 */
class ReferenceOpsProperties {

    private static Window2d randomWindow(Rng rng) {
        int c = 1 + rng.nextInt(3), h = 1 + rng.nextInt(9), w = 1 + rng.nextInt(9);
        int ph = rng.nextInt(3), pw = rng.nextInt(3);
        int kh = 1 + rng.nextInt(Math.min(4, h + 2 * ph)), kw = 1 + rng.nextInt(Math.min(4, w + 2 * pw));
        return new Window2d(c, h, w, kh, kw, 1 + rng.nextInt(3), 1 + rng.nextInt(3), ph, pw);
    }

    /** A pooling window: padding at most half the kernel, so every window holds a real cell. */
    private static Window2d randomPoolWindow(Rng rng) {
        int c = 1 + rng.nextInt(3), h = 1 + rng.nextInt(9), w = 1 + rng.nextInt(9);
        int kh = 1 + rng.nextInt(Math.min(4, h)), kw = 1 + rng.nextInt(Math.min(4, w));
        return new Window2d(c, h, w, kh, kw, 1 + rng.nextInt(3), 1 + rng.nextInt(3), rng.nextInt(kh / 2 + 1), rng.nextInt(kw / 2 + 1));
    }

    private static double[] uniform(Rng rng, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = rng.uniform(-1, 1);
        }
        return a;
    }

    private static double dot(double[] a, int aOff, double[] b, int bOff, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    @Property(tries = 50)
    void im2colEntriesAreTheNamedInputCellsAndOnlyItsBlockIsWritten(@ForAll long seed) {
        Rng rng = new Rng(seed);
        Window2d g = randomWindow(rng);
        int p = g.outPlane(), k = g.patchSize(), before = rng.nextInt(3), after = rng.nextInt(3);
        int ld = before * p + p + after * p, xOff = rng.nextInt(5);
        double[] x = uniform(rng, xOff + g.inSize());
        double[] cols = new double[k * ld];
        java.util.Arrays.fill(cols, 42);
        ReferenceOps.im2col(g, x, xOff, before * p, ld, cols);
        for (int row = 0; row < k; row++) {
            int c = row / (g.kernelH() * g.kernelW()), u = row / g.kernelW() % g.kernelH(), v = row % g.kernelW();
            for (int col = 0; col < ld; col++) {
                double got = cols[row * ld + col];
                int q = col - before * p;
                if (q < 0 || q >= p) {
                    assertEquals(42, got, 0.0, "im2col wrote outside its column block");
                    continue;
                }
                int r = q / g.outW() * g.strideH() - g.padH() + u, s = q % g.outW() * g.strideW() - g.padW() + v;
                double expected = r >= 0 && r < g.inH() && s >= 0 && s < g.inW() ? x[xOff + (c * g.inH() + r) * g.inW() + s] : 0;
                assertEquals(expected, got, 0.0, "cols[" + row + "][" + col + "] for " + g);
            }
        }
    }

    @Property(tries = 50)
    void col2imIsTheAdjointOfIm2col(@ForAll long seed) {
        Rng rng = new Rng(seed);
        Window2d g = randomWindow(rng);
        int p = g.outPlane(), k = g.patchSize(), ld = 2 * p;
        double[] x = uniform(rng, g.inSize());
        double[] c = uniform(rng, k * ld);
        double[] cols = new double[k * ld];
        ReferenceOps.im2col(g, x, 0, p, ld, cols);
        double[] back = uniform(rng, g.inSize());
        double[] base = back.clone();
        ReferenceOps.col2imAdd(g, c, p, ld, back, 0);
        double lhs = 0;
        for (int row = 0; row < k; row++) {
            lhs += dot(cols, row * ld + p, c, row * ld + p, p);
        }
        double rhs = 0;
        for (int i = 0; i < x.length; i++) {
            rhs += x[i] * (back[i] - base[i]); // col2imAdd accumulates onto what was there
        }
        assertEquals(lhs, rhs, 1e-12 * (1 + Math.abs(lhs)), "adjoint identity for " + g);
    }

    @Property(tries = 50)
    void poolingReversePassesAreTheAdjointsOfTheForwardMaps(@ForAll long seed) {
        Rng rng = new Rng(seed);
        Window2d g = randomPoolWindow(rng);
        int out = g.channels() * g.outPlane();
        double[] x = uniform(rng, g.inSize());
        double[] dy = uniform(rng, out);
        // average pooling is linear: <avg(x), dy> = <x, avg^T(dy)>
        double[] y = new double[out];
        ReferenceOps.avgPoolForward(g, x, 0, y, 0);
        double[] dx = new double[g.inSize()];
        ReferenceOps.avgPoolBackwardAdd(g, dy, 0, dx, 0);
        assertEquals(dot(y, 0, dy, 0, out), dot(x, 0, dx, 0, x.length), 1e-12, "avg pool adjoint for " + g);
        // max pooling is the selection x[argmax] (linear for a fixed argmax), and y = x[argmax] is the window max
        int[] arg = new int[out];
        ReferenceOps.maxPoolForward(g, x, 0, y, 0, arg, 0);
        dx = new double[g.inSize()];
        ReferenceOps.maxPoolBackwardAdd(g, dy, 0, arg, 0, dx, 0);
        assertEquals(dot(y, 0, dy, 0, out), dot(x, 0, dx, 0, x.length), 1e-12, "max pool adjoint for " + g);
        for (int o = 0; o < out; o++) {
            assertEquals(x[arg[o]], y[o], 0.0);
        }
    }

    @Test
    void softmaxAndLogSumExpAreStable() {
        double[] z = {1000, 1000 + Math.log(3), -1e300};
        assertEquals(1000 + Math.log(4), ReferenceOps.logSumExp(z, 0, 3), 1e-12);
        double[] p = new double[3];
        ReferenceOps.softmax(z, 0, 3, p, 0);
        assertEquals(0.25, p[0], 1e-12);
        assertEquals(0.75, p[1], 1e-12);
        assertEquals(0, p[2], 0.0);
        assertEquals(1, ReferenceOps.argmax(new double[] {0, 2, 2}, 0, 3), "first maximum");
    }

    @Test
    void windowGeometryIsValidated() {
        Window2d g = new Window2d(2, 7, 5, 3, 2, 2, 3, 1, 0);
        assertEquals(4, g.outH()); // (7 + 2 - 3) / 2 + 1
        assertEquals(2, g.outW()); // (5 - 2) / 3 + 1
        assertEquals(12, g.patchSize());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Window2d(1, 2, 2, 5, 1, 1, 1, 1, 0));
        assertTrue(e.getMessage().contains("smaller than the window"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Window2d(1, 2, 2, 1, 1, 0, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Window2d(1, 2, 2, 1, 1, 1, 1, -1, 0));
    }
}
