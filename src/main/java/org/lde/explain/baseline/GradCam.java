package org.lde.explain.baseline;

import java.util.Optional;
import org.lde.engine.Backend;
import org.lde.engine.Recorded;
import org.lde.explain.Attributor;
import org.lde.model.Network;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Grad-CAM (Selvaraju et al. 2017). With {@code A: [K, h, w]} the feature maps of the chosen
 * layer and {@code G = d f_y / d A} (one batched layer-gradient pass):
 *
 * <pre>
 *   alpha_k = 1/(h w) sum_{ij} G[k, i, j]                 (spatial mean of the gradient)
 *   cam     = ReLU( sum_k alpha_k A[k] )                   ([h, w]; ReLU can be switched off)
 *   phi     = upsampling of cam to the input's H x W (bilinear, or nearest), the same map in every input channel
 * </pre>
 * {@link #rawMaps} returns {@code cam} itself ({@code [N, h, w]}, before any upsampling).
 *
 * <p><b>Default layer:</b> the last convolution ({@link Network#lastConvLayer()}), taken after its
 * activation: when a ReLU directly follows that convolution, its (rectified) output is used, as
 * the paper's "feature map activations" and common implementations (pytorch-grad-cam's
 * {@code layer4[-1]}, whose block ends in a ReLU) do; otherwise the convolution's own output.
 * The two differ: on the pre-activation output, {@code G} is masked by the ReLU derivative and
 * {@code A} has negative entries. On a graph network (a ResNet) the default is instead the last node
 * whose output still has a spatial map ({@code h w > 1}), e.g. the final block's ReLU before global
 * pooling, as pytorch-grad-cam's {@code layer4[-1]}. {@link #atLayer} picks any layer with a
 * {@code [K, h, w]} output.
 *
 * <p>Upsampling (METHOD.md section 9): {@link Upsampling#BILINEAR} (the engine's default, named
 * {@code gradcam}) uses the {@code align_corners=False} half-pixel convention ({@link Bilinear}), as
 * PyTorch's {@code interpolate} and OpenCV's {@code resize} (used by pytorch-grad-cam) do;
 * {@link Upsampling#NEAREST} (named {@code gradcam-nearest}) is Captum's default
 * ({@code LayerAttribution.interpolate}, {@link Nearest}). The two rank patches differently, so AOPC
 * figures name the variant. The input must be an image {@code [C, H, W]} and the network must have
 * a Conv2d layer.
 */
public final class GradCam implements Attributor {

    /** How the {@code h x w} map reaches the input's {@code H x W}. */
    public enum Upsampling {
        /** Half-pixel bilinear ({@link Bilinear}; the engine's default). */
        BILINEAR,
        /** Nearest neighbour as PyTorch's {@code interpolate} (Captum's default; {@link Nearest}). */
        NEAREST
    }

    private final Optional<String> layer;
    private final boolean relu;
    private final Upsampling upsampling;

    private GradCam(Optional<String> layer, boolean relu, Upsampling upsampling) {
        this.layer = layer;
        this.relu = relu;
        this.upsampling = java.util.Objects.requireNonNull(upsampling, "upsampling");
    }

    /** The last convolution layer, ReLU on, bilinear upsampling. */
    public GradCam() {
        this(Optional.empty(), true, Upsampling.BILINEAR);
    }

    /** A named layer instead of the last convolution. */
    public GradCam atLayer(String name) {
        return new GradCam(Optional.of(name), relu, upsampling);
    }

    /** With or without the final ReLU. */
    public GradCam withRelu(boolean on) {
        return new GradCam(layer, on, upsampling);
    }

    /** Bilinear (default) or nearest-neighbour upsampling. */
    public GradCam withUpsampling(Upsampling u) {
        return new GradCam(layer, relu, u);
    }

    public Upsampling upsampling() {
        return upsampling;
    }

    /** {@code gradcam} (bilinear) or {@code gradcam-nearest}. */
    @Override
    public String name() {
        return upsampling == Upsampling.BILINEAR ? "gradcam" : "gradcam-nearest";
    }

    /** The default layer of {@code net} (see the class comment). */
    public static String defaultLayer(Network net) {
        if (!net.sequential()) {
            // a graph: the last node that still has a spatial map (e.g. a residual stage's final ReLU, before
            // global pooling), which is what Grad-CAM implementations take for ResNets
            for (int i = net.layers().size() - 1; i >= 0; i--) {
                org.lde.tensor.Shape s = net.outputShape(i);
                if (s.rank() == 3 && (long) s.dim(1) * s.dim(2) > 1) {
                    return net.layers().get(i).name();
                }
            }
            throw new IllegalArgumentException("Grad-CAM needs a node with a spatial [C, H, W] output (H W > 1), but the network has none");
        }
        String conv = net.lastConvLayer().orElseThrow(() ->
                new IllegalArgumentException("Grad-CAM needs a conv2d layer, but the network has none"));
        int i = net.indexOf(conv);
        if (i + 1 < net.layers().size() && net.layers().get(i + 1) instanceof org.lde.model.ReLU) {
            return net.layers().get(i + 1).name();
        }
        return conv;
    }

    @Override
    public Tensor attribute(Backend backend, Tensor x, int[] classes) {
        Shape in = backend.network().inputShape();
        Tensor raw = rawMaps(backend, x, classes);
        int n = x.shape().dim(0);
        int h = raw.shape().dim(1);
        int w = raw.shape().dim(2);
        int ch = in.dim(0);
        int hh = in.dim(1);
        int ww = in.dim(2);
        double[] out = new double[n * ch * hh * ww];
        for (int i = 0; i < n; i++) {
            double[] cam = java.util.Arrays.copyOfRange(raw.data(), i * h * w, (i + 1) * h * w);
            double[] up = upsampling == Upsampling.BILINEAR ? Bilinear.resize(cam, h, w, hh, ww) : Nearest.resize(cam, h, w, hh, ww);
            for (int cc = 0; cc < ch; cc++) {
                System.arraycopy(up, 0, out, (i * ch + cc) * hh * ww, hh * ww);
            }
        }
        return new Tensor(x.shape(), out);
    }

    /**
     * The raw class activation maps {@code cam} ({@code [N, h, w]}, the chosen layer's spatial size),
     * after the ReLU when it is on and before any upsampling.
     */
    public Tensor rawMaps(Backend backend, Tensor x, int[] classes) {
        Batched.checkAttributionInput(backend, x, classes);
        Network net = backend.network();
        Shape in = net.inputShape();
        if (in.rank() != 3) {
            throw new IllegalArgumentException("Grad-CAM needs image inputs [C, H, W], this network takes " + in);
        }
        String name = layer.isPresent() ? layer.get() : defaultLayer(net);
        Shape ls = net.outputShape(net.indexOf(name));
        if (ls.rank() != 3) {
            throw new IllegalArgumentException("Grad-CAM layer '" + name + "' must output [K, h, w], got " + ls);
        }
        int n = x.shape().dim(0);
        int c = net.outputSize();
        int k = ls.dim(0);
        int h = ls.dim(1);
        int w = ls.dim(2);
        Tensor seeds = Tensor.zeros(n, 1, c);
        for (int i = 0; i < n; i++) {
            seeds.data()[i * c + classes[i]] = 1;
        }
        int hw = h * w;
        double[] out = new double[n * hw];
        try (Recorded rec = backend.forwardRecorded(x)) {
            double[] a = backend.layerOutput(rec, name).data();
            double[] g = backend.layerGradient(rec, name, seeds).data();
            for (int i = 0; i < n; i++) {
                for (int kk = 0; kk < k; kk++) {
                    int off = (i * k + kk) * hw;
                    double alpha = 0;
                    for (int p = 0; p < hw; p++) {
                        alpha += g[off + p];
                    }
                    alpha /= hw;
                    for (int p = 0; p < hw; p++) {
                        out[i * hw + p] += alpha * a[off + p];
                    }
                }
                if (relu) {
                    for (int p = 0; p < hw; p++) {
                        out[i * hw + p] = Math.max(0, out[i * hw + p]);
                    }
                }
            }
        }
        return new Tensor(org.lde.tensor.Shape.of(n, h, w), out);
    }
}
