package org.lde.engine.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lde.certify.BoundResult;
import org.lde.certify.Certifier;
import org.lde.certify.Method;
import org.lde.certify.Specification;
import org.lde.device.KernelLibrary;
import org.lde.device.emu.EmulatedDevice;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.bound.BoundReference;
import org.lde.engine.bound.LinearRows;
import org.lde.engine.bound.NodeBounds;
import org.lde.engine.bound.Norm;
import org.lde.engine.bound.Slopes;
import org.lde.model.Network;
import org.lde.model.ReLU;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The bound kernels of kernels/bound.cu on the PTX emulator against their float64 references
 * ({@link BoundReference#intervals}, {@link BoundReference#backward}, {@link BoundReference#concretize}):
 * odd sizes that are multiples of no tile or block, outputs poisoned with NaN before every launch (an
 * unwritten element fails), adaptive and given ReLU slopes, rows of several instances stacked with
 * different row counts; then {@link GpuBackend} end to end (the certifier's CROWN bounds equal EJML's),
 * for an MLP and a CNN, and its fallback to the host reference, with the reason, for a graph.
 */
class GpuBoundsTest {
    private static final double TOL = 1e-12;

    static Network mlp(long seed) {
        // a [1, 3, 5] input (flattened by the first dense), odd widths
        return Network.builder(1, 3, 5).seed(seed).dense(37).relu().dense(29).relu().dense(7).build();
    }

    static double[][] boxes(Network net, int m, double eps, long seed) {
        Rng rng = new Rng(seed);
        int d = net.inputSize();
        double[] lo = new double[m * d];
        double[] hi = new double[m * d];
        for (int i = 0; i < m * d; i++) {
            double x = rng.uniform(0.1, 0.9);
            lo[i] = x - eps * (i % 3 == 0 ? 0 : 1);
            hi[i] = x + eps;
        }
        return new double[][] {lo, hi};
    }

    static void assertClose(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertTrue(Double.isFinite(got[i]), what + "[" + i + "] = " + got[i]);
            assertEquals(want[i], got[i], TOL * (1 + Math.abs(want[i])), what + "[" + i + "]");
        }
    }

    @Test
    void kernelsMatchTheFloat64Reference() {
        Network net = mlp(3).folded();
        int layers = net.layers().size();
        try (EmulatedDevice dev = new EmulatedDevice(); KernelLibrary lib = new KernelLibrary(dev)) {
            GpuBounds gb = new GpuBounds(dev, lib, net);
            int m = 3;
            double[][] box = boxes(net, m, 0.05, 5);
            int d = net.inputSize();
            List<NodeBounds> got = gb.intervals(box[0], box[1], m);
            List<NodeBounds> ref = new ArrayList<>();
            for (int i = 0; i < m; i++) {
                ref.add(BoundReference.intervals(net, java.util.Arrays.copyOfRange(box[0], i * d, (i + 1) * d),
                        java.util.Arrays.copyOfRange(box[1], i * d, (i + 1) * d)));
                for (int k = 0; k <= layers; k++) {
                    assertClose(ref.get(i).lower(k), got.get(i).lower(k), "IBP lower node " + k);
                    assertClose(ref.get(i).upper(k), got.get(i).upper(k), "IBP upper node " + k);
                }
            }
            // backward from the output (specification rows) and from an intermediate node (+-identity rows),
            // instances with different row counts, adaptive and given slopes
            Rng rng = new Rng(9);
            int c = net.outputSize();
            for (int start : new int[] {layers, 3}) {
                Shape node = net.outputShape(start - 1);
                int n = node.sizeInt();
                List<LinearRows> rows = new ArrayList<>();
                List<Slopes> slopes = new ArrayList<>();
                for (int i = 0; i < m; i++) {
                    int r = start == layers ? c - 1 + i : 2 * (i + 1);
                    LinearRows lr;
                    if (start == layers) {
                        double[] a = new double[r * n];
                        for (int j = 0; j < a.length; j++) {
                            a[j] = rng.uniform(-1, 1);
                        }
                        lr = LinearRows.full(node, r, a);
                    } else {
                        int[] neurons = new int[r / 2];
                        for (int j = 0; j < neurons.length; j++) {
                            neurons[j] = (j * 7 + i) % n;
                        }
                        // plusMinusIdentity makes 1x1 windows; on a vector node they are full rows
                        lr = LinearRows.plusMinusIdentity(node, neurons);
                    }
                    rows.add(lr);
                    slopes.add(i == 1 ? randomSlopes(net, lr.rows(), rng) : Slopes.ADAPTIVE);
                }
                List<LinearRows> dev1 = gb.backward(got, start, rows, slopes);
                for (int i = 0; i < m; i++) {
                    LinearRows want = BoundReference.backward(net, ref.get(i), start, rows.get(i), slopes.get(i), null);
                    assertClose(want.coefficients(), dev1.get(i).coefficients(), "rows from node " + start + ", instance " + i);
                    assertClose(want.bias(), dev1.get(i).bias(), "bias from node " + start + ", instance " + i);
                    // concretization kernel against the reference
                    double[] x = new double[d];
                    for (int j = 0; j < d; j++) {
                        x[j] = 0.5 * (box[0][i * d + j] + box[1][i * d + j]);
                    }
                    double eps = 0.07;
                    double[] wantB = new double[want.rows()];
                    BoundReference.concretize(want, net.inputShape(), x, eps, Norm.LINF, 0, 1, wantB, 0);
                    double[] mid = new double[d];
                    double[] rad = new double[d];
                    for (int j = 0; j < d; j++) {
                        double l = Math.max(x[j] - eps, 0);
                        double u = Math.min(x[j] + eps, 1);
                        mid[j] = 0.5 * (l + u);
                        rad[j] = 0.5 * (u - l);
                    }
                    double[] gotB = gb.concretizeLinf(want.coefficients(), want.bias(), mid, rad, new int[want.rows()], d);
                    assertClose(wantB, gotB, "concretized bounds, instance " + i);
                }
            }
            // the checks above went through each bound kernel (launch counts of the emulator)
            for (String k : new String[] {"bound_ibp_dense", "bound_ibp_relu", "bound_back_dense", "bound_back_bias",
                    "bound_back_relu", "bound_concretize_linf"}) {
                assertTrue(dev.launchesByKernel().getOrDefault(k, 0L) > 0, "kernel " + k + " was never launched: "
                        + dev.launchesByKernel().keySet());
            }
        }
    }

    static Slopes randomSlopes(Network net, int rows, Rng rng) {
        int layers = net.layers().size();
        double[][][] a = new double[rows][layers][];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < layers; k++) {
                if (net.layers().get(k) instanceof ReLU && r % 3 != 2) {
                    a[r][k] = new double[net.inputShape(k).sizeInt()];
                    for (int j = 0; j < a[r][k].length; j++) {
                        a[r][k][j] = rng.uniform();
                    }
                }
            }
        }
        return new Slopes(a);
    }

    @Test
    void gpuBackendCertifiesLikeEjmlAndFallsBackWithAReason() {
        Network mlp = mlp(4);
        Network cnn = Network.builder(1, 5, 4).seed(2).conv2d(2, 3, 1, 1).relu().flatten().dense(3).build();
        assertTrue(GpuBounds.unsupported(mlp.folded()).isEmpty());
        assertTrue(GpuBounds.unsupported(cnn.folded()).isEmpty(), GpuBounds.unsupported(cnn.folded()).orElse(""));
        Network graph = Network.builder(4).seed(1).dense("a", 3).relu().from("a").relu().residual("relu1", "relu2")
                .dense(2).build();
        assertTrue(GpuBounds.unsupported(graph.folded()).orElseThrow().contains("graph networks"));
        for (Network net : List.of(mlp, cnn)) {
            Tensor x = new Rng(6).uniform(net.inputShape().withBatch(2), 0.2, 0.8);
            for (Method method : List.of(Method.IBP, Method.CROWN, Method.CROWN_IBP)) {
                Certifier cert = Certifier.builder().method(method).build();
                BoundResult want;
                BoundResult got;
                try (Backend gpu = GpuBackend.open(net, "emulator")) {
                    got = cert.bounds(gpu, x, Specification.predictedMargins(), 0.01, 0.04);
                    // the device runs the network with float32 parameters: the reference bounds that network
                    try (Backend ejml = Backends.cpu(gpu.network())) {
                        want = cert.bounds(ejml, x, Specification.predictedMargins(), 0.01, 0.04);
                    }
                }
                assertClose(want.lower().data(), got.lower().data(), method + " lower");
                assertClose(want.upper().data(), got.upper().data(), method + " upper");
            }
        }
    }
}
