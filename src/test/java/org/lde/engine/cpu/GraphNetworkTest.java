package org.lde.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lde.engine.ParameterGradients;
import org.lde.engine.Recorded;
import org.lde.model.Add;
import org.lde.model.Conv2d;
import org.lde.model.Dense;
import org.lde.model.Dropout;
import org.lde.model.Flatten;
import org.lde.model.Layer;
import org.lde.model.Network;
import org.lde.model.ReLU;
import org.lde.model.Reshape;
import org.lde.model.Task;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Graph networks on the float64 reference: forward against {@link NaiveGraph} (every node from its
 * definition, BatchNorm unfolded), input, inner-node and parameter gradients against central finite
 * differences on random graphs with forks (a residual block, a depthwise branch) and joins (add,
 * concat), and grouped/dilated convolution against the independent im2col path of an equivalent plain
 * convolution.
 */
class GraphNetworkTest {

    /**
     * A random smooth graph (no ReLU, no max pooling: finite differences never cross a kink except at a
     * leaky ReLU, whose inputs are checked): stem conv, a residual block whose main branch is a grouped,
     * dilated conv with a folded BatchNorm and whose skip is the identity or a 1x1 conv, a depthwise branch
     * concatenated to it, an unfoldable BatchNorm (an affine node), pooling, and a dense head with a folded
     * BatchNorm1d, dropout and a reshape.
     */
    static Network randomGraph(long seed) {
        Rng rng = new Rng(seed);
        int c = 1 + rng.nextInt(2);
        int h = 6 + rng.nextInt(4);
        int w = 6 + rng.nextInt(4);
        Network.Builder b = Network.builder(c, h, w).seed(seed);
        int width = 2 * (1 + rng.nextInt(2)); // 2 or 4 channels
        b.conv2d("stem", width, 3, 3, 1, 1, 1, 1).tanh();
        String t0 = b.last();
        int groups = rng.nextInt(2) == 0 ? 1 : 2;
        int dil = 1 + rng.nextInt(2);
        b.conv2d("main", width, 3, 3, 1, 1, dil, dil, groups, dil, dil).batchNorm("bn_main").leakyRelu(0.1);
        String main = b.last();
        if (rng.nextInt(2) == 0) {
            b.from(t0).identity();
        } else {
            b.from(t0).conv2d("skip", width, 1, 1, 1, 1, 0, 0);
        }
        String skip = b.last();
        b.residual(main, skip).sigmoid();
        String r = b.last();
        b.conv2d("dw", width, 3, 3, 1, 1, 1, 1, width, 1, 1);
        String dw = b.last();
        b.concat(r, dw).batchNorm("bn_cat").avgPool(2, 2);
        if (rng.nextInt(2) == 0) {
            b.globalAvgPool();
        }
        b.dense("fc1", 6).batchNorm("bn_fc").tanh();
        b.add(new Dropout("drop", 0.25)).add(new Reshape("rs", Shape.of(2, 3)));
        b.dense("out", 3);
        return b.build();
    }

    private static Tensor randomInputs(Network net, int n, Rng rng) {
        return rng.uniform(net.inputShape().withBatch(n), 0, 1);
    }

    @Test
    void forwardMatchesTheNaiveDefinitionNodeByNode() {
        for (long seed = 1; seed <= 12; seed++) {
            Network net = randomGraph(seed);
            assertTrue(!net.sequential(), "a graph");
            Tensor x = randomInputs(net, 3, new Rng(seed + 100));
            try (EjmlBackend be = new EjmlBackend(net); Recorded rec = be.forwardRecorded(x)) {
                Tensor logits = be.forward(x);
                int d = net.inputSize();
                for (int s = 0; s < 3; s++) {
                    double[] xs = java.util.Arrays.copyOfRange(x.data(), s * d, (s + 1) * d);
                    double[][] nodes = NaiveGraph.nodes(net, xs);
                    double[] want = nodes[nodes.length - 1];
                    for (int k = 0; k < want.length; k++) {
                        assertEquals(want[k], logits.data()[s * want.length + k], 1e-12 * (1 + Math.abs(want[k])),
                                "seed " + seed + " sample " + s + " logit " + k);
                        assertEquals(logits.data()[s * want.length + k], rec.logits().data()[s * want.length + k], 0.0);
                    }
                    // an inner node, by name: the residual join
                    int add = indexOfKind(net, "add");
                    Tensor out = be.layerOutput(rec, net.layers().get(add).name());
                    int size = net.outputShape(add).sizeInt();
                    for (int k = 0; k < size; k++) {
                        assertEquals(nodes[add][k], out.data()[s * size + k], 1e-12, "add node, seed " + seed);
                    }
                }
            }
        }
    }

    private static int indexOfKind(Network net, String kind) {
        for (int i = 0; i < net.layers().size(); i++) {
            if (net.layers().get(i).kind().equals(kind)) {
                return i;
            }
        }
        throw new AssertionError("no " + kind);
    }

    /** Whether a leaky ReLU input lies within {@code margin} of its kink for this sample. */
    private static boolean nearKink(Network net, double[] x, double margin) {
        double[][] nodes = NaiveGraph.nodes(net, x);
        for (int i = 0; i < net.layers().size(); i++) {
            if (net.layers().get(i).kind().equals("leaky_relu")) {
                int j = net.inputsOf(i)[0];
                for (double v : j < 0 ? x : nodes[j]) {
                    if (Math.abs(v) < margin) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    @Test
    void inputAndInnerNodeGradientsMatchFiniteDifferences() {
        double h = 1e-6;
        int checked = 0;
        for (long seed = 1; seed <= 10; seed++) {
            Network net = randomGraph(seed);
            Rng rng = new Rng(seed + 7);
            Tensor x = randomInputs(net, 2, rng);
            int d = net.inputSize();
            int classes = net.outputSize();
            Tensor seeds = rng.uniform(Shape.of(2, 3, classes), -1, 1);
            try (EjmlBackend be = new EjmlBackend(net); Recorded rec = be.forwardRecorded(x)) {
                Tensor gx = be.reverse(rec, seeds);
                int add = indexOfKind(net, "add");
                int concat = indexOfKind(net, "concat");
                Tensor gAdd = be.layerGradient(rec, net.layers().get(add).name(), seeds);
                Tensor gCat = be.layerGradient(rec, net.layers().get(concat).name(), seeds);
                for (int s = 0; s < 2; s++) {
                    double[] xs = java.util.Arrays.copyOfRange(x.data(), s * d, (s + 1) * d);
                    if (nearKink(net, xs, 1e-4)) {
                        continue;
                    }
                    for (int q = 0; q < 3; q++) {
                        double[] row = java.util.Arrays.copyOfRange(seeds.data(), (s * 3 + q) * classes, (s * 3 + q + 1) * classes);
                        checkNode(net, xs, -1, d, row, gx.data(), (s * 3 + q) * d, h, "input, seed " + seed);
                        int sa = net.outputShape(add).sizeInt();
                        checkNode(net, xs, add, sa, row, gAdd.data(), (s * 3 + q) * sa, h, "add, seed " + seed);
                        int sc = net.outputShape(concat).sizeInt();
                        checkNode(net, xs, concat, sc, row, gCat.data(), (s * 3 + q) * sc, h, "concat, seed " + seed);
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked >= 30, "enough samples away from kinks: " + checked);
    }

    /** Directional central differences of {@code seed . logits} when node {@code at}'s output moves, against the gradient. */
    private static void checkNode(Network net, double[] x, int at, int size, double[] seed, double[] grad, int off, double h,
                                  String what) {
        Rng rng = new Rng(size * 31L + at);
        for (int trial = 0; trial < 3; trial++) {
            double[] dir = new double[size];
            double dot = 0;
            for (int k = 0; k < size; k++) {
                dir[k] = rng.uniform(-1, 1);
                dot += dir[k] * grad[off + k];
            }
            double[] plus = new double[size];
            double[] minus = new double[size];
            for (int k = 0; k < size; k++) {
                plus[k] = h * dir[k];
                minus[k] = -h * dir[k];
            }
            double fp = dotLast(NaiveGraph.nodes(net, x, at, plus), seed);
            double fm = dotLast(NaiveGraph.nodes(net, x, at, minus), seed);
            double fd = (fp - fm) / (2 * h);
            assertEquals(fd, dot, 1e-6 * (1 + Math.abs(fd)), what + " node " + at);
        }
    }

    private static double dotLast(double[][] nodes, double[] seed) {
        double[] z = nodes[nodes.length - 1];
        double s = 0;
        for (int k = 0; k < z.length; k++) {
            s += z[k] * seed[k];
        }
        return s;
    }

    @Test
    void parameterGradientsMatchFiniteDifferences() {
        double h = 1e-6;
        for (long seed = 1; seed <= 4; seed++) {
            Network net = randomGraph(seed);
            Rng rng = new Rng(seed + 11);
            Tensor x = randomInputs(net, 3, rng);
            int d = net.inputSize();
            boolean kink = false;
            for (int s = 0; s < 3; s++) {
                kink |= nearKink(net, java.util.Arrays.copyOfRange(x.data(), s * d, (s + 1) * d), 1e-4);
            }
            if (kink) {
                continue;
            }
            Tensor og = rng.uniform(Shape.of(3, net.outputSize()), -1, 1);
            ParameterGradients grads;
            Network folded;
            try (EjmlBackend be = new EjmlBackend(net); Recorded rec = be.forwardRecorded(x)) {
                grads = be.parameterGradients(rec, og);
                folded = be.snapshot();
            }
            List<Layer.Parameter> params = folded.trainableParameters();
            assertEquals(params.size(), grads.gradients().size());
            for (int p = 0; p < params.size(); p++) {
                double[] v = params.get(p).value().data();
                for (int t = 0; t < 3; t++) {
                    int k = rng.nextInt(v.length);
                    double old = v[k];
                    v[k] = old + h;
                    double fp = objective(folded, x, og);
                    v[k] = old - h;
                    double fm = objective(folded, x, og);
                    v[k] = old;
                    double fd = (fp - fm) / (2 * h);
                    assertEquals(fd, grads.gradients().get(p).data()[k], 1e-6 * (1 + Math.abs(fd)),
                            "parameter " + params.get(p).name() + "[" + k + "], seed " + seed);
                }
            }
        }
    }

    /** {@code sum_n og[n] . logits_n}, by the naive evaluator on the (folded) network. */
    private static double objective(Network net, Tensor x, Tensor og) {
        int d = net.inputSize();
        int c = net.outputSize();
        double s = 0;
        for (int n = 0; n < x.shape().dim(0); n++) {
            double[] z = NaiveGraph.logits(net, java.util.Arrays.copyOfRange(x.data(), n * d, (n + 1) * d));
            for (int k = 0; k < c; k++) {
                s += og.data()[n * c + k] * z[k];
            }
        }
        return s;
    }

    @Test
    void groupedAndDilatedConvolutionsEqualTheirPlainEquivalents() {
        Rng rng = new Rng(5);
        for (int trial = 0; trial < 6; trial++) {
            int groups = 1 + rng.nextInt(3);
            int ipg = 1 + rng.nextInt(2);
            int opg = 1 + rng.nextInt(2);
            int cin = groups * ipg, cout = groups * opg;
            int k = 2 + rng.nextInt(2);
            int dil = 1 + rng.nextInt(3);
            int stride = 1 + rng.nextInt(2);
            int pad = rng.nextInt(3);
            int hw = 7 + rng.nextInt(4);
            Tensor w = rng.uniform(Shape.of(cout, ipg, k, k), -1, 1);
            Tensor bias = rng.uniform(Shape.of(cout), -1, 1);
            Conv2d grouped = new Conv2d("g", cin, cout, k, k, stride, stride, pad, pad, groups, dil, dil, w, bias);
            // the plain equivalent: block-diagonal over groups, the kernel spread out with zeros between taps
            int span = dil * (k - 1) + 1;
            Tensor wp = Tensor.zeros(Shape.of(cout, cin, span, span));
            for (int o = 0; o < cout; o++) {
                for (int c = 0; c < ipg; c++) {
                    for (int u = 0; u < k; u++) {
                        for (int v = 0; v < k; v++) {
                            wp.data()[((o * cin + (o / opg) * ipg + c) * span + u * dil) * span + v * dil] = w.get(o, c, u, v);
                        }
                    }
                }
            }
            Conv2d plain = new Conv2d("p", cin, cout, span, span, stride, stride, pad, pad, wp, bias);
            Shape out = grouped.outputShape(Shape.of(cin, hw, hw));
            Dense head = new Dense("d", out.sizeInt(), 1, rng.uniform(Shape.of(1, out.sizeInt()), -1, 1), Tensor.zeros(Shape.of(1)));
            Network ga = new Network(Shape.of(cin, hw, hw), List.of(grouped, new Flatten("f"), head), Task.REGRESSION, List.of(), 0, 1);
            Network pa = new Network(Shape.of(cin, hw, hw), List.of(plain, new Flatten("f"), head), Task.REGRESSION, List.of(), 0, 1);
            assertEquals(out, plain.outputShape(Shape.of(cin, hw, hw)));
            Tensor x = rng.uniform(Shape.of(2, cin, hw, hw), -1, 1);
            Tensor seeds = new Tensor(Shape.of(2, 1, 1), new double[] {1, 1});
            try (EjmlBackend bg = new EjmlBackend(ga); EjmlBackend bp = new EjmlBackend(pa);
                 Recorded rg = bg.forwardRecorded(x); Recorded rp = bp.forwardRecorded(x)) {
                assertClose(bp.layerOutput(rp, "p").data(), bg.layerOutput(rg, "g").data(), "forward, trial " + trial);
                assertClose(bp.reverse(rp, seeds).data(), bg.reverse(rg, seeds).data(), "data gradient, trial " + trial);
                Tensor og = new Tensor(Shape.of(2, 1), new double[] {1, 1});
                Tensor dwp = bp.parameterGradients(rp, og).gradients().get(0);
                Tensor dwg = bg.parameterGradients(rg, og).gradients().get(0);
                for (int o = 0; o < cout; o++) {
                    for (int c = 0; c < ipg; c++) {
                        for (int u = 0; u < k; u++) {
                            for (int v = 0; v < k; v++) {
                                double want = dwp.data()[((o * cin + (o / opg) * ipg + c) * span + u * dil) * span + v * dil];
                                assertEquals(want, dwg.get(o, c, u, v), 1e-10 * (1 + Math.abs(want)), "weight gradient");
                            }
                        }
                    }
                }
            }
        }
    }

    private static void assertClose(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int k = 0; k < want.length; k++) {
            assertEquals(want[k], got[k], 1e-10 * (1 + Math.abs(want[k])), what + " at " + k);
        }
    }

    @Test
    void aSequentialNetworkWrittenAsAGraphComputesTheSame() {
        Network seq = Network.builder(1, 8, 8).seed(3).conv2d(3, 3, 1, 1).relu().maxPool(2, 2).dense(4).relu().dense(3).build();
        List<List<String>> explicit = new ArrayList<>();
        for (int i = 0; i < seq.layers().size(); i++) {
            explicit.add(List.of(i == 0 ? Network.INPUT : seq.layers().get(i - 1).name()));
        }
        Network graph = new Network(seq.inputShape(), seq.layers(), explicit, seq.task(), seq.classNames(), 0, 1);
        assertTrue(graph.sequential(), "explicit inputs that name the previous layer are still sequential");
        Tensor x = new Rng(4).uniform(Shape.of(2, 1, 8, 8), 0, 1);
        try (EjmlBackend a = new EjmlBackend(seq); EjmlBackend b = new EjmlBackend(graph)) {
            assertClose(a.forward(x).data(), b.forward(x).data(), "logits");
        }
    }

    @Test
    void badGraphsAreRefusedWithMessagesNamingTheNodes() {
        Rng r = new Rng(9);
        Dense d1 = new Dense("d1", 4, 4, r.uniform(Shape.of(4, 4), -1, 1), Tensor.zeros(Shape.of(4)));
        Dense d2 = new Dense("d2", 4, 3, r.uniform(Shape.of(3, 4), -1, 1), Tensor.zeros(Shape.of(3)));
        Dense d3 = new Dense("d3", 3, 2, r.uniform(Shape.of(2, 3), -1, 1), Tensor.zeros(Shape.of(2)));
        String cycle = message(() -> new Network(Shape.of(4), List.of(d1, new ReLU("r"), d2),
                List.of(List.of("r"), List.of("d1"), List.of("r")), Task.REGRESSION, List.of(), 0, 1));
        assertTrue(cycle.contains("'d1'") && cycle.contains("reads 'r'") && cycle.contains("cycle"), cycle);
        String unread = message(() -> new Network(Shape.of(4), List.of(d1, new ReLU("r"), d2, d3),
                List.of(List.of("input"), List.of("d1"), List.of("d1"), List.of("d2")), Task.CLASSIFICATION, List.of(), 0, 1));
        assertTrue(unread.contains("layer 'r' (relu) is read by no later layer"), unread);
        String mismatch = message(() -> new Network(Shape.of(4), List.of(d1, d2, new Add("sum"), d3),
                List.of(List.of("input"), List.of("d1"), List.of("d1", "d2"), List.of("sum")), Task.CLASSIFICATION, List.of(), 0, 1));
        assertTrue(mismatch.contains("'sum' (add)") && mismatch.contains("'d1' [4]") && mismatch.contains("'d2' [3]"), mismatch);
        String one = message(() -> new Network(Shape.of(4), List.of(d1, new Add("sum"), d2, d3),
                List.of(List.of("input"), List.of("d1"), List.of("sum"), List.of("d2")), Task.CLASSIFICATION, List.of(), 0, 1));
        assertTrue(one.contains("'sum' (add) reads 1 input(s)") && one.contains("two or more"), one);
        String unknown = message(() -> new Network(Shape.of(4), List.of(d1, d2, d3),
                List.of(List.of("input"), List.of("nope"), List.of("d2")), Task.CLASSIFICATION, List.of(), 0, 1));
        assertTrue(unknown.contains("reads 'nope', which is no layer"), unknown);
        String reserved = message(() -> new Network(Shape.of(4), List.of(new ReLU("input"), d2, d3), Task.CLASSIFICATION,
                List.of(), 0, 1));
        assertTrue(reserved.contains("named 'input'"), reserved);
    }

    private static String message(org.junit.jupiter.api.function.Executable e) {
        return assertThrows(IllegalArgumentException.class, e).getMessage();
    }
}
