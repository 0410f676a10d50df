package org.lde.engine.dual;

import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/** Random problem generators and small independent solvers for the tests (no shared state). */
public final class TestProblems {
    private TestProblems() {
    }

    /** One problem's data, row-major {@code a [K x d]}. */
    public record Data(int k, int d, double[] a, double[] r, double[] tl, double[] tu) {
    }

    /** Stacks problems of equal K, d into a batch. */
    public static DualProblem batch(Objective obj, Data... ps) {
        int bN = ps.length;
        int k = ps[0].k();
        int d = ps[0].d();
        double[] a = new double[bN * k * d];
        double[] r = new double[bN * k];
        double[] tl = new double[bN * d];
        double[] tu = new double[bN * d];
        for (int b = 0; b < bN; b++) {
            System.arraycopy(ps[b].a(), 0, a, b * k * d, k * d);
            System.arraycopy(ps[b].r(), 0, r, b * k, k);
            System.arraycopy(ps[b].tl(), 0, tl, b * d, d);
            System.arraycopy(ps[b].tu(), 0, tu, b * d, d);
        }
        return DualProblem.builder(new Tensor(Shape.of(bN, k, d), a), new Tensor(Shape.of(bN, k), r))
                .box(new Tensor(Shape.of(bN, d), tl), new Tensor(Shape.of(bN, d), tu)).objective(obj).build();
    }

    public static double[] gaussian(Rng rng, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = rng.gaussian();
        }
        return x;
    }

    /**
     * A random box: mostly finite boxes around 0 of random width, some one-sided or free
     * coordinates, some zero-width, some excluding 0.
     */
    public static double[][] randomBox(Rng rng, int d, boolean allowInfinite) {
        double[] tl = new double[d];
        double[] tu = new double[d];
        for (int i = 0; i < d; i++) {
            int kind = rng.nextInt(10);
            double lo = -rng.uniform(0.05, 1.5);
            double hi = rng.uniform(0.05, 1.5);
            if (kind == 0 && allowInfinite) {
                lo = Double.NEGATIVE_INFINITY;
            } else if (kind == 1 && allowInfinite) {
                hi = Double.POSITIVE_INFINITY;
            } else if (kind == 2 && allowInfinite) {
                lo = Double.NEGATIVE_INFINITY;
                hi = Double.POSITIVE_INFINITY;
            } else if (kind == 3) {
                lo = hi = rng.uniform(-0.5, 0.5); // zero width
            } else if (kind == 4) {
                lo = rng.uniform(0.01, 0.4); // excludes 0 from above
                hi = lo + rng.uniform(0.1, 1);
            } else if (kind == 5) {
                hi = -rng.uniform(0.01, 0.4); // excludes 0 from below
                lo = hi - rng.uniform(0.1, 1);
            }
            tl[i] = lo;
            tu[i] = hi;
        }
        return new double[][] {tl, tu};
    }

    /** A random point of the box (finite). */
    public static double[] pointInBox(Rng rng, double[] tl, double[] tu) {
        double[] t = new double[tl.length];
        for (int i = 0; i < t.length; i++) {
            double lo = Double.isFinite(tl[i]) ? tl[i] : (Double.isFinite(tu[i]) ? tu[i] - 2 : -1);
            double hi = Double.isFinite(tu[i]) ? tu[i] : lo + 2;
            t[i] = rng.uniform(lo, hi);
            t[i] = Math.min(Math.max(t[i], tl[i]), tu[i]);
        }
        return t;
    }

    /**
     * A feasible random problem: {@code r = A t_f - slack} for a random box point {@code t_f} and a
     * slack that is 0 (binding at {@code t_f}) or in {@code [0, 0.3]}, so {@code t_f} stays feasible.
     * About one entry of {@code A} in eight is an exact zero.
     */
    public static Data feasible(Rng rng, int k, int d, boolean allowInfinite) {
        double[] a = gaussian(rng, k * d);
        for (int i = 0; i < k * d; i++) {
            if (rng.nextInt(8) == 0) {
                a[i] = 0;
            }
        }
        double[][] box = randomBox(rng, d, allowInfinite);
        double[] tf = pointInBox(rng, box[0], box[1]);
        double[] r = new double[k];
        for (int j = 0; j < k; j++) {
            double s = 0;
            for (int i = 0; i < d; i++) {
                s += a[j * d + i] * tf[i];
            }
            r[j] = s - (rng.nextInt(3) == 0 ? rng.uniform(0, 0.3) : 0);
        }
        return new Data(k, d, a, r, box[0], box[1]);
    }

    /** {@code A t} row-major. */
    public static double[] mult(double[] a, int k, int d, double[] t) {
        double[] out = new double[k];
        for (int j = 0; j < k; j++) {
            for (int i = 0; i < d; i++) {
                out[j] += a[j * d + i] * t[i];
            }
        }
        return out;
    }

    public static double clip(double x, double lo, double hi) {
        return Math.max(lo, Math.min(hi, x));
    }

    /** Independent K = 1 L2 solve: bisection on {@code phi(lambda) = a^T clip(lambda a) - r} to machine precision. */
    public static double bisectionLambda(double[] a, double r, double[] tl, double[] tu) {
        java.util.function.DoubleUnaryOperator phi = lam -> {
            double s = -r;
            for (int i = 0; i < a.length; i++) {
                s += a[i] * clip(lam * a[i], tl[i], tu[i]);
            }
            return s;
        };
        if (phi.applyAsDouble(0) >= 0) {
            return 0;
        }
        double hi = 1;
        while (phi.applyAsDouble(hi) < 0) {
            hi *= 2;
            if (hi > 1e300) {
                throw new IllegalStateException("infeasible");
            }
        }
        double lo = 0;
        for (int it = 0; it < 2000 && hi - lo > 0; it++) {
            double mid = 0.5 * (lo + hi);
            if (mid <= lo || mid >= hi) {
                break;
            }
            if (phi.applyAsDouble(mid) >= 0) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }

    /** Gaussian elimination with partial pivoting; null if singular (pivot below 1e-12 relative). */
    public static double[] gauss(double[][] m, double[] b) {
        int n = b.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = m[i].clone();
        }
        double[] x = b.clone();
        double scale = 0;
        for (double[] row : a) {
            for (double v : row) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int rr = c + 1; rr < n; rr++) {
                if (Math.abs(a[rr][c]) > Math.abs(a[p][c])) {
                    p = rr;
                }
            }
            if (Math.abs(a[p][c]) <= 1e-12 * scale) {
                return null;
            }
            double[] tmp = a[c];
            a[c] = a[p];
            a[p] = tmp;
            double tx = x[c];
            x[c] = x[p];
            x[p] = tx;
            for (int rr = c + 1; rr < n; rr++) {
                double f = a[rr][c] / a[c][c];
                for (int j = c; j < n; j++) {
                    a[rr][j] -= f * a[c][j];
                }
                x[rr] -= f * x[c];
            }
        }
        for (int c = n - 1; c >= 0; c--) {
            double s = x[c];
            for (int j = c + 1; j < n; j++) {
                s -= a[c][j] * x[j];
            }
            x[c] = s / a[c][c];
        }
        return x;
    }

    /**
     * Independent L2 solve for small d by enumeration (no duality): every coordinate is at its
     * lower bound, its upper bound or free, every subset S of constraints holds with equality;
     * the least-norm point of that affine set (free part {@code t_F = A_SF^T y}) is a candidate;
     * the best primal-feasible candidate is the optimum (the optimum is the least-norm point of
     * its own active face). Returns {@code null} if no candidate is feasible.
     */
    public static double[] enumerateL2(Data p) {
        int k = p.k();
        int d = p.d();
        int states = 1;
        for (int i = 0; i < d; i++) {
            states *= 3;
        }
        double best = Double.POSITIVE_INFINITY;
        double[] bestT = null;
        for (int code = 0; code < states; code++) {
            int c = code;
            int[] st = new int[d];
            boolean ok = true;
            for (int i = 0; i < d; i++) {
                st[i] = c % 3;
                c /= 3;
                if (st[i] == 0 && !Double.isFinite(p.tl()[i]) || st[i] == 1 && !Double.isFinite(p.tu()[i])) {
                    ok = false;
                }
            }
            if (!ok) {
                continue;
            }
            for (int mask = 0; mask < (1 << k); mask++) {
                int ns = Integer.bitCount(mask);
                int[] s = new int[ns];
                int q = 0;
                for (int j = 0; j < k; j++) {
                    if ((mask >> j & 1) == 1) {
                        s[q++] = j;
                    }
                }
                double[] t = new double[d];
                for (int i = 0; i < d; i++) {
                    t[i] = st[i] == 0 ? p.tl()[i] : (st[i] == 1 ? p.tu()[i] : 0);
                }
                if (ns > 0) {
                    double[][] m = new double[ns][ns];
                    double[] rhs = new double[ns];
                    for (int x = 0; x < ns; x++) {
                        rhs[x] = p.r()[s[x]];
                        for (int i = 0; i < d; i++) {
                            if (st[i] != 2) {
                                rhs[x] -= p.a()[s[x] * d + i] * t[i];
                            }
                        }
                        for (int y = 0; y < ns; y++) {
                            for (int i = 0; i < d; i++) {
                                if (st[i] == 2) {
                                    m[x][y] += p.a()[s[x] * d + i] * p.a()[s[y] * d + i];
                                }
                            }
                        }
                    }
                    double[] yv = gauss(m, rhs);
                    if (yv == null) {
                        continue;
                    }
                    for (int i = 0; i < d; i++) {
                        if (st[i] == 2) {
                            for (int x = 0; x < ns; x++) {
                                t[i] += p.a()[s[x] * d + i] * yv[x];
                            }
                        }
                    }
                }
                if (!feasibleWithin(p, t, 1e-9)) {
                    continue;
                }
                double f = 0;
                for (double v : t) {
                    f += 0.5 * v * v;
                }
                if (f < best) {
                    best = f;
                    bestT = t;
                }
            }
        }
        return bestT;
    }

    public static boolean feasibleWithin(Data p, double[] t, double tol) {
        for (int i = 0; i < p.d(); i++) {
            if (t[i] < p.tl()[i] - tol * (1 + Math.abs(p.tl()[i])) || t[i] > p.tu()[i] + tol * (1 + Math.abs(p.tu()[i]))) {
                return false;
            }
        }
        double[] at = mult(p.a(), p.k(), p.d(), t);
        for (int j = 0; j < p.k(); j++) {
            if (at[j] < p.r()[j] - tol * (1 + Math.abs(p.r()[j]))) {
                return false;
            }
        }
        return true;
    }

    public static double norm2(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    public static double diffNorm(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += (x[i] - y[i]) * (x[i] - y[i]);
        }
        return Math.sqrt(s);
    }
}
