package org.lde.engine.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lde.certify.BoundResult;
import org.lde.certify.Certifier;
import org.lde.certify.Method;
import org.lde.certify.Specification;
import org.lde.data.Dataset;
import org.lde.data.Datasets;
import org.lde.device.KernelLibrary;
import org.lde.device.emu.EmulatedDevice;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.bound.BoundReference;
import org.lde.engine.bound.LinearRows;
import org.lde.engine.bound.NodeBounds;
import org.lde.engine.bound.Norm;
import org.lde.engine.bound.Slopes;
import org.lde.model.Activation;
import org.lde.model.Affine;
import org.lde.model.Layer;
import org.lde.model.MaxPool2d;
import org.lde.model.ModelFile;
import org.lde.model.Network;
import org.lde.model.Reshape;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The windowed bound kernels of kernels/bound_window.cu (and bound.cu's, in the same passes) on the PTX emulator
 * against the float64 reference {@link BoundReference}: image networks of odd shapes (multiples of no block) with
 * grouped, dilated, strided, padded convolutions, padded and overlapping max pools, average pools, a per-channel affine
 * node, global average pooling, ReLU, LeakyReLU (positive and negative slopes), sigmoid and tanh; every output poisoned
 * with NaN before its kernel runs (an unwritten element fails). Compared: IBP of every node, and the backward pass from
 * the output (random specification rows) and from the input node of every activation and MaxPool (the +-identity rows
 * of CROWN's intermediate bounds, 1x1 windows), with adaptive and with given slopes: window geometry exactly, and
 * coefficients and biases within {@link #TOL} of the reference; then the same passes concretized on the device
 * ({@code bound_concretize_linf}, {@code bound_concretize_window}, L_inf and L2) against {@link BoundReference#concretize}.
 *
 * <p>Why {@link #TOL} = 1e-12 relative to {@code 1 + max |reference|} of each array: the kernels compute in float64 by
 * the same formulas, but the transposed convolution gathers ({@code o, u, v} ascending per input cell) where the
 * reference scatters, so sums are reordered; each element is a sum of at most a few thousand products, so the
 * difference is at most about {@code 1e3 * 1.1e-16} of the magnitudes summed. Every other kernel sums in the
 * reference's order (MaxPool and activation relaxations bit for bit). A wrong index or a missed term is of the
 * order of the values themselves, ten orders above.
 */
class GpuWindowBoundsTest {
    static final double TOL = 1e-12;

    /** Every image layer kind, odd shapes: input [2, 11, 9]. */
    static Network imageNet(long seed) {
        Rng rng = new Rng(seed + 100);
        double[] w = new double[5];
        double[] b = new double[5];
        for (int i = 0; i < 5; i++) {
            w[i] = rng.uniform(-1.5, 1.5);
            b[i] = rng.uniform(-0.3, 0.3);
        }
        return Network.builder(2, 11, 9).seed(seed)
                .conv2d("c1", 6, 3, 3, 1, 1, 1, 1, 2, 1, 1).relu()
                .add(new MaxPool2d("mp", 3, 2, 2, 1, 1, 0))
                .conv2d("c2", 5, 3, 2, 2, 1, 1, 0, 1, 2, 1).leakyRelu(0.1)
                .avgPool(2, 1)
                .add(new Affine("af", 5, new Tensor(Shape.of(5), w), new Tensor(Shape.of(5), b)))
                .sigmoid().flatten().dense(13).tanh().dense(7).build();
    }

    /** Global average pooling, a LeakyReLU with a negative slope, an image-to-image reshape: input [3, 7, 6]. */
    static Network gapNet(long seed) {
        return Network.builder(3, 7, 6).seed(seed).conv2d("c1", 5, 3, 2, 2, 1, 0, 1, 1, 1, 1).leakyRelu(-0.25)
                .add(new Reshape("rs", Shape.of(5, 7, 3))).conv2d("c2", 4, 3, 3, 1, 1, 1, 1, 1, 1, 2).relu().globalAvgPool().flatten().dense(6).build();
    }

    static void assertNear(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what + ": length");
        double scale = 1;
        for (double v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < want.length; i++) {
            assertTrue(Double.isFinite(got[i]), what + "[" + i + "] = " + got[i]);
            assertEquals(want[i], got[i], TOL * scale, what + "[" + i + "]");
        }
    }

    static void assertSameRows(LinearRows want, LinearRows got, String what) {
        assertEquals(want.rows(), got.rows(), what + ": rows");
        assertEquals(want.channels(), got.channels(), what + ": channels");
        assertEquals(want.windowH(), got.windowH(), what + ": window height");
        assertEquals(want.windowW(), got.windowW(), what + ": window width");
        for (int r = 0; r < want.rows(); r++) {
            assertEquals(want.originH(r), got.originH(r), what + ": origin of row " + r);
            assertEquals(want.originW(r), got.originW(r), what + ": origin of row " + r);
        }
        assertNear(want.coefficients(), got.coefficients(), what + " coefficients");
        assertNear(want.bias(), got.bias(), what + " bias");
    }

    /** Random lower slopes in [s, 1] for the optimizable activations (ReLU, LeakyReLU), every third row adaptive. */
    static Slopes randomSlopes(Network net, int rows, Rng rng) {
        int layers = net.layers().size();
        double[][][] a = new double[rows][][];
        for (int r = 0; r < rows; r++) {
            if (r % 3 == 2) {
                continue;
            }
            a[r] = new double[layers][];
            for (int k = 0; k < layers; k++) {
                if (net.layers().get(k) instanceof Activation f && BoundReference.optimizable(f)) {
                    double s = BoundReference.leakSlope(f);
                    a[r][k] = new double[net.inputShape(k).sizeInt()];
                    for (int j = 0; j < a[r][k].length; j++) {
                        a[r][k][j] = rng.uniform(s, 1);
                    }
                }
            }
        }
        return new Slopes(a);
    }

    static void checkAgainstReference(Network net, EmulatedDevice dev, KernelLibrary lib) {
        int layers = net.layers().size();
        GpuBounds gb = new GpuBounds(dev, lib, net);
        int m = 3;
        int d = net.inputSize();
        double[][] box = GpuBoundsTest.boxes(net, m, 0.08, 11);
        List<NodeBounds> got = gb.intervals(box[0], box[1], m);
        List<NodeBounds> ref = new ArrayList<>();
        for (int i = 0; i < m; i++) {
            ref.add(BoundReference.intervals(net, Arrays.copyOfRange(box[0], i * d, (i + 1) * d),
                    Arrays.copyOfRange(box[1], i * d, (i + 1) * d)));
            for (int k = 0; k <= layers; k++) {
                assertNear(ref.get(i).lower(k), got.get(i).lower(k), "IBP lower, node " + k + ", box " + i);
                assertNear(ref.get(i).upper(k), got.get(i).upper(k), "IBP upper, node " + k + ", box " + i);
            }
        }
        double[][] centers = new double[m][d];
        double[] radii = {0.05, 0.02, 0.3};
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < d; j++) {
                centers[i][j] = 0.5 * (box[0][i * d + j] + box[1][i * d + j]);
            }
        }
        Rng rng = new Rng(17);
        List<Integer> starts = new ArrayList<>();
        starts.add(layers);
        for (int k = 1; k < layers; k++) {
            Layer l = net.layers().get(k);
            if (l instanceof Activation || l instanceof MaxPool2d) {
                starts.add(net.inputsOf(k)[0] + 1);
            }
        }
        for (int start : starts) {
            Shape node = net.outputShape(start - 1);
            int n = node.sizeInt();
            for (boolean given : new boolean[] {false, true}) {
                List<LinearRows> rows = new ArrayList<>();
                List<Slopes> slopes = new ArrayList<>();
                for (int i = 0; i < m; i++) {
                    LinearRows lr;
                    if (start == layers) {
                        int r = 5 + i;
                        double[] a = new double[r * n];
                        for (int j = 0; j < a.length; j++) {
                            a[j] = rng.uniform(-1, 1);
                        }
                        lr = LinearRows.full(node, r, a);
                    } else {
                        int[] neurons = new int[Math.min(n, 3 + 2 * i)];
                        for (int j = 0; j < neurons.length; j++) {
                            neurons[j] = (int) ((j * 37L + 11 * i) % n);
                        }
                        Arrays.sort(neurons);
                        lr = LinearRows.plusMinusIdentity(node, neurons);
                    }
                    rows.add(lr);
                    slopes.add(given && i != 0 ? randomSlopes(net, lr.rows(), rng) : Slopes.ADAPTIVE);
                }
                List<LinearRows> dev1 = gb.backward(ref, start, rows, slopes);
                List<LinearRows> want = new ArrayList<>();
                for (int i = 0; i < m; i++) {
                    want.add(BoundReference.backward(net, ref.get(i), start, rows.get(i), slopes.get(i), null));
                    assertSameRows(want.get(i), dev1.get(i), "rows from node " + start + (given ? ", given slopes" : "")
                            + ", instance " + i);
                }
                // the same pass concretized on the device, over L_inf boxes (clipped to [0, 1]) and L2 balls
                for (Norm norm : Norm.values()) {
                    List<double[]> got1 = gb.lower(ref, start, rows, slopes, centers, radii, norm, 0, 1);
                    for (int i = 0; i < m; i++) {
                        double[] wantB = new double[want.get(i).rows()];
                        BoundReference.concretize(want.get(i), net.inputShape(), centers[i], radii[i], norm, 0, 1, wantB, 0);
                        assertNear(wantB, got1.get(i), norm + " bounds from node " + start + ", instance " + i);
                    }
                }
            }
        }
    }

    @Test
    void windowedKernelsMatchTheFloat64Reference() {
        try (EmulatedDevice dev = new EmulatedDevice(); KernelLibrary lib = new KernelLibrary(dev)) {
            checkAgainstReference(imageNet(5).folded(), dev, lib);
            checkAgainstReference(gapNet(8).folded(), dev, lib);
            for (String k : new String[] {"bound_ibp_conv", "bound_ibp_pool", "bound_ibp_affine", "bound_ibp_gap",
                    "bound_ibp_act", "bound_ibp_relu", "bound_ibp_dense", "bound_back_window", "bound_back_window_bias",
                    "bound_maxpool_rule", "bound_back_maxpool", "bound_lines_leaky", "bound_lines_sshaped",
                    "bound_back_lines", "bound_back_affine", "bound_back_gap", "bound_rows_full", "bound_back_dense",
                    "bound_back_bias", "bound_concretize_linf", "bound_concretize_window"}) {
                assertTrue(dev.launchesByKernel().getOrDefault(k, 0L) > 0, "kernel " + k + " was never launched: "
                        + dev.launchesByKernel().keySet());
            }
        }
    }

    /**
     * The sample CNN (fmnist-cnn: conv8 + pool, conv16 + pool, dense64, dense10), CROWN margins of one embedded test image:
     * every bound pass on the device (IBP, the intermediate back-substitutions, the specification's), equal to EJML's
     * (one image and one eps: the emulator runs about 10^9 thread-instructions for it).
     */
    @Test
    void theSampleCnnCertifiesOnTheDeviceLikeEjml() {
        Network net = ModelFile.loadResource("/org/lde/models/fmnist-cnn.safetensors");
        assertTrue(GpuBounds.unsupported(net.folded()).isEmpty(), GpuBounds.unsupported(net.folded()).orElse(""));
        Dataset ds = Datasets.load("sample:fashion-mnist");
        int d = net.inputSize();
        Tensor x = new Tensor(net.inputShape().withBatch(1), Arrays.copyOfRange(ds.inputs().data(), 0, d));
        Certifier cert = Certifier.builder().method(Method.CROWN).build();
        BoundResult want;
        BoundResult got;
        try (GpuBackend gpu = GpuBackend.open(net, "emulator")) {
            EmulatedDevice dev = (EmulatedDevice) gpu.device();
            got = cert.bounds(gpu, x, Specification.predictedMargins(), 0.004);
            try (Backend ejml = Backends.cpu(gpu.network())) {
                want = cert.bounds(ejml, x, Specification.predictedMargins(), 0.004);
            }
            for (String k : List.of("bound_ibp_conv", "bound_ibp_pool", "bound_back_window", "bound_back_window_bias",
                    "bound_maxpool_rule", "bound_back_maxpool", "bound_lines_leaky", "bound_back_lines", "bound_back_relu",
                    "bound_back_dense", "bound_concretize_linf", "bound_concretize_window")) {
                assertTrue(dev.launchesByKernel().getOrDefault(k, 0L) > 0, "kernel " + k + " was never launched");
            }
        }
        assertNear(want.lower().data(), got.lower().data(), "CROWN lower");
        assertNear(want.upper().data(), got.upper().data(), "CROWN upper");
    }
}
