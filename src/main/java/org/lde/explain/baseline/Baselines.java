package org.lde.explain.baseline;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.lde.explain.Attributor;

/**
 * The baselines of METHOD.md section 9 by name, each with its default settings. {@link #all()}
 * returns a fresh ordered map (name to factory), so a caller can add its own methods (the
 * Lagrange dual explainer is one more entry) without touching this class.
 */
public final class Baselines {
    private Baselines() {
    }

    /** Every baseline, in table order: a new modifiable map each call. */
    public static Map<String, Supplier<Attributor>> all() {
        Map<String, Supplier<Attributor>> m = new LinkedHashMap<>();
        m.put("saliency", Saliency::signed);
        m.put("saliency-abs", Saliency::absolute);
        m.put("grad-x-input", GradientTimesInput::new);
        m.put("ig-gl50", IntegratedGradients::new);
        m.put("ig-trap50", () -> new IntegratedGradients().withRule(IntegratedGradients.Rule.TRAPEZOID));
        m.put("smoothgrad", SmoothGrad::new);
        m.put("gradcam", GradCam::new);
        m.put("rise", Rise::new);
        m.put("occlusion", Occlusion::new);
        m.put("l0-sensitivity", SparseSensitivity::new);
        m.put("deepfool", DeepFool::new);
        m.put("bsm", BoundaryAttributions::bsm);
        m.put("big", BoundaryAttributions::big);
        return m;
    }

    /**
     * Named protocol variants (METHOD.md section 9, "comparable with the literature"), accepted by
     * name but not part of the default table: Grad-CAM with Captum's nearest-neighbour upsampling,
     * and integrated gradients with Captum's {@code riemann_trapezoid} weights. A new modifiable map each call.
     */
    public static Map<String, Supplier<Attributor>> variants() {
        Map<String, Supplier<Attributor>> m = new LinkedHashMap<>();
        m.put("gradcam-nearest", () -> new GradCam().withUpsampling(GradCam.Upsampling.NEAREST));
        m.put("ig-captum-trap50", () -> new IntegratedGradients().withRule(IntegratedGradients.Rule.CAPTUM_TRAPEZOID));
        return m;
    }

    /** The names of {@link #all()}, in order. */
    public static List<String> names() {
        return List.copyOf(all().keySet());
    }

    /**
     * The baseline (or {@link #variants() variant}) with the given name and default settings.
     *
     * @throws IllegalArgumentException naming the unknown method and the known names
     */
    public static Attributor create(String name) {
        Supplier<Attributor> s = all().get(name);
        if (s == null) {
            s = variants().get(name);
        }
        if (s == null) {
            throw new IllegalArgumentException("unknown attribution method '" + name + "'; known: " + names()
                    + " and the variants " + variants().keySet());
        }
        return s.get();
    }
}
