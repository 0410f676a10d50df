import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.lde.certify.BoundResult;
import org.lde.certify.Certifier;
import org.lde.certify.Method;
import org.lde.certify.RadiusOptions;
import org.lde.certify.Specification;
import org.lde.data.SampleData;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.bound.Norm;
import org.lde.engine.dual.Objective;
import org.lde.explain.Explanation;
import org.lde.explain.LagrangeDualExplainer;
import org.lde.model.ModelFile;
import org.lde.model.Network;
import org.lde.tensor.Tensor;

/**
 * The README's "Certified radius" figures (run by certify-samples.sh): for one embedded Fashion-MNIST model and the
 * first N embedded test images, CROWN certified counts at eps 0.001, 0.003, 0.01, 0.03 (L_inf, intersected with
 * [0, 1]) and 0.03, 0.1, 0.3, 1 (L2), the certified radius r_lo (L_inf and L2, bisection to 1e-4), the explainer's
 * verified r_hi (LagrangeDualExplainer, additive, L_inf / L2 objective, defaults otherwise) and the distribution of
 * r_lo / r_hi. Writes OUT/MODEL-radii.csv (one row per image) and prints a summary.
 * Usage: java -cp CLASSPATH CertifySamples.java MODEL N OUT [METHOD]
 */
public class CertifySamples {
    public static void main(String[] args) throws IOException {
        String model = args[0];
        int n = Integer.parseInt(args[1]);
        Path out = Path.of(args[2]);
        Method method = Method.parse(args.length > 3 ? args[3] : "crown");
        Files.createDirectories(out);
        Network net = ModelFile.openResource("/org/lde/models/" + model + ".safetensors");
        Tensor x = SampleData.fashionMnist().inputs().slice(0, n);
        int batch = 50;
        StringBuilder csv = new StringBuilder("index,predicted,r_lo_linf,r_hi_linf,r_lo_l2,r_hi_l2\n");
        double[][] rlo = new double[2][n];
        double[][] rhi = new double[2][n];
        int[] y = new int[n];
        double[][] epsLists = {{0.001, 0.003, 0.01, 0.03}, {0.03, 0.1, 0.3, 1.0}};
        int[][] counts = new int[2][4];
        long t0 = System.nanoTime();
        try (Backend backend = Backends.cpu(net)) {
            for (Norm norm : Norm.values()) {
                int k = norm.ordinal();
                Certifier c = Certifier.builder().method(method).norm(norm).build();
                LagrangeDualExplainer ex = LagrangeDualExplainer.builder().additive()
                        .objective(norm == Norm.LINF ? Objective.LINF : Objective.L2).build();
                RadiusOptions ro = RadiusOptions.defaults().withMaxEps(norm == Norm.LINF ? 0.25 : 5);
                for (int from = 0; from < n; from += batch) {
                    int to = Math.min(n, from + batch);
                    Tensor xb = x.slice(from, to);
                    BoundResult b = c.bounds(backend, xb, Specification.predictedMargins(), epsLists[k]);
                    for (int i = 0; i < to - from; i++) {
                        y[from + i] = b.anchors()[i];
                        for (int e = 0; e < 4; e++) {
                            counts[k][e] += b.certified(i, e) ? 1 : 0;
                        }
                    }
                    double[] r = c.certifiedRadius(backend, xb, b.anchors(), ro);
                    System.arraycopy(r, 0, rlo[k], from, r.length);
                    List<Explanation> es = ex.explain(backend, xb);
                    for (int i = 0; i < es.size(); i++) {
                        rhi[k][from + i] = es.get(i).certificate().rHi();
                    }
                    System.err.printf(Locale.ROOT, "%s %s: %d/%d images (%.0f s)%n", model, norm.label(), to, n,
                            (System.nanoTime() - t0) / 1e9);
                }
            }
        }
        for (int i = 0; i < n; i++) {
            csv.append(String.format(Locale.ROOT, "%d,%d,%s,%s,%s,%s%n", i, y[i], rlo[0][i], rhi[0][i], rlo[1][i], rhi[1][i]));
        }
        Files.writeString(out.resolve(model + "-radii.csv"), csv.toString());
        System.out.printf(Locale.ROOT, "## %s, first %d embedded test images, %s (%.0f s)%n", model, n, method.label(),
                (System.nanoTime() - t0) / 1e9);
        for (Norm norm : Norm.values()) {
            int k = norm.ordinal();
            StringBuilder sb = new StringBuilder("certified (" + norm.label() + "):");
            for (int e = 0; e < 4; e++) {
                sb.append(String.format(Locale.ROOT, " eps %s: %d/%d (%.1f%%);", epsLists[k][e], counts[k][e], n,
                        100.0 * counts[k][e] / n));
            }
            System.out.println(sb);
            System.out.println("r_lo " + norm.label() + ": " + quantiles(rlo[k]));
            double[] ratio = new double[n];
            int verified = 0;
            int bad = 0;
            List<Double> rs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (!Double.isNaN(rhi[k][i])) {
                    verified++;
                    rs.add(rlo[k][i] / rhi[k][i]);
                    if (rlo[k][i] > rhi[k][i]) {
                        bad++;
                    }
                }
            }
            double[] rv = rs.stream().mapToDouble(Double::doubleValue).toArray();
            System.out.println("r_hi " + norm.label() + ": verified " + verified + "/" + n + ", " + quantiles(
                    Arrays.stream(rhi[k]).filter(v -> !Double.isNaN(v)).toArray()));
            System.out.println("r_lo / r_hi " + norm.label() + " (verified images): " + quantiles(rv) + "; r_lo > r_hi: " + bad);
        }
    }

    static String quantiles(double[] v) {
        if (v.length == 0) {
            return "none";
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "min %.4g, 10%% %.4g, 25%% %.4g, median %.4g, 75%% %.4g, 90%% %.4g, max %.4g",
                s[0], q(s, 0.1), q(s, 0.25), q(s, 0.5), q(s, 0.75), q(s, 0.9), s[s.length - 1]);
    }

    static double q(double[] s, double p) {
        return s[(int) Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))];
    }
}
