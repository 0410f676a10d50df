package org.lde.validation;

import static org.lde.validation.AbstractKernelSuite.TOLERANCE;
import static org.lde.validation.AbstractKernelSuite.assertMatches;

import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.lde.device.Device;
import org.lde.device.Devices;
import org.lde.device.KernelLibrary;
import org.lde.engine.gpu.ConvKernels.ConvGeometry;
import org.lde.engine.gpu.ConvKernels.PoolGeometry;
import org.lde.model.AvgPool2d;
import org.lde.model.Conv2d;
import org.lde.model.MaxPool2d;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Property-based sweep of the convolution and pooling kernels (kernels/conv.cu, kernels/pool.cu) on the
 * PTX emulator over the geometry the model loader accepts: kernel size 1 to 5 per axis, stride 1 to 3,
 * padding from 0 to well above the kernel size for convolutions ({@link Conv2d} accepts any padding with
 * a padded image at least as large as the kernel) and up to half the window for pooling (what
 * {@link MaxPool2d} and {@link AvgPool2d} accept), 1 to 4 input and 1 to 9 output channels (blocks of 1, 4
 * and 8 output channels, partial groups), and odd spatial sizes 1 to 15 per axis. Every geometry is
 * built through the layer records, so a case the loader would refuse is never generated, and every
 * case the loader accepts may be.
 *
 * <p>Each case runs all three convolution kernels (forward, data gradient, weight and bias gradient), or
 * all four pooling kernels, against the float64 references of {@link ConvKernelSuite} and
 * {@link PoolKernelSuite} (EJML-backed {@code ReferenceOps}) with outputs poisoned before the launch and
 * a poisoned guard after them; the emulator's sanitizer stops any out-of-bounds access. The regression
 * cases of the padding bug (a whole 256-position tile inside the bottom padding made the staging copy
 * read up to 7 floats before a span that began past the end of the input) are kept as examples.
 *
 * <p>Bounded for CI: small shapes, 40 tries per property (about ten seconds on the emulator).
 */
class ConvPoolGeometryProperties {

    private static Device device;
    private static KernelLibrary lib;

    @BeforeContainer
    static void open() {
        device = Devices.open("emulator");
        lib = new KernelLibrary(device);
    }

    @AfterContainer
    static void close() {
        lib.close();
        device.close();
    }

    /** The geometry of a {@link Conv2d} layer the loader accepts, or a failed assumption. */
    static ConvGeometry convGeometry(int n, int c, int h, int w, int k, int kh, int kw, int sh, int sw, int ph, int pw) {
        Assume.that(h + 2 * ph >= kh && w + 2 * pw >= kw);
        Conv2d layer = new Conv2d("conv", c, k, kh, kw, sh, sw, ph, pw, Tensor.zeros(k, c, kh, kw), Tensor.zeros(k));
        Shape out = layer.outputShape(Shape.of(c, h, w));   // the loader's own shape rule
        ConvGeometry g = ConvGeometry.of(layer, n, h, w);
        if (out.dim(1) != g.oh() || out.dim(2) != g.ow()) {
            throw new AssertionError("layer and kernel geometry disagree on the output shape: " + out + " vs " + g);
        }
        return g;
    }

    static void checkConv(ConvGeometry g, long seed) {
        Rng rng = new Rng(seed);
        ConvKernelSuite.Outcome f = ConvKernelSuite.forward(lib, g, rng, null);
        assertMatches("conv2d_forward " + g, f.out(), f.ref(), TOLERANCE);
        ConvKernelSuite.Outcome d = ConvKernelSuite.backwardData(lib, g, rng);
        assertMatches("conv2d_backward_data " + g, d.out(), d.ref(), TOLERANCE);
        ConvKernelSuite.Outcome w = ConvKernelSuite.backwardWeights(lib, g, rng);
        assertMatches("conv2d_backward_weights " + g, w.out(), w.ref(), TOLERANCE);
    }

    @Property(tries = 40, seed = "7301")
    void convolutionKernelsMatchTheReference(@ForAll @IntRange(min = 1, max = 2) int n,
                                             @ForAll @IntRange(min = 1, max = 4) int c,
                                             @ForAll @IntRange(min = 1, max = 15) int h,
                                             @ForAll @IntRange(min = 1, max = 15) int w,
                                             @ForAll @IntRange(min = 1, max = 9) int k,
                                             @ForAll @IntRange(min = 1, max = 5) int kh,
                                             @ForAll @IntRange(min = 1, max = 5) int kw,
                                             @ForAll @IntRange(min = 1, max = 3) int sh,
                                             @ForAll @IntRange(min = 1, max = 3) int sw,
                                             @ForAll @IntRange(min = 0, max = 9) int ph,
                                             @ForAll @IntRange(min = 0, max = 9) int pw,
                                             @ForAll long seed) {
        checkConv(convGeometry(n, c, h, w, k, kh, kw, sh, sw, ph, pw), seed);
    }

    /** Padding well above the kernel on both axes (at least the kernel size): tiles entirely inside the padding. */
    @Property(tries = 25, seed = "7302")
    void convolutionWithPaddingAboveTheKernel(@ForAll @IntRange(min = 1, max = 2) int c,
                                              @ForAll @IntRange(min = 1, max = 9) int h,
                                              @ForAll @IntRange(min = 1, max = 9) int w,
                                              @ForAll @IntRange(min = 1, max = 6) int k,
                                              @ForAll @IntRange(min = 1, max = 3) int kh,
                                              @ForAll @IntRange(min = 1, max = 3) int kw,
                                              @ForAll @IntRange(min = 1, max = 2) int s,
                                              @ForAll @IntRange(min = 0, max = 8) int extraH,
                                              @ForAll @IntRange(min = 0, max = 8) int extraW,
                                              @ForAll long seed) {
        checkConv(convGeometry(1, c, h, w, k, kh, kw, s, s, kh + extraH, kw + extraW), seed);
    }

    /** The geometry: kernel 1, padding 4 on 28x28 (a 256-position tile in the bottom padding). */
    @Example
    void kernelOnePaddingFourOn28x28() {
        checkConv(convGeometry(1, 1, 28, 28, 8, 1, 1, 1, 1, 4, 4), 1);
        checkConv(convGeometry(2, 3, 28, 28, 5, 1, 1, 1, 1, 6, 6), 2);
    }

    /** The geometry: kernel 3, padding 7 on 28x28. */
    @Example
    void kernelThreePaddingSevenOn28x28() {
        checkConv(convGeometry(1, 1, 28, 28, 8, 3, 3, 1, 1, 7, 7), 3);
        checkConv(convGeometry(1, 2, 28, 28, 1, 3, 3, 2, 2, 9, 9), 4);
    }

    // ------------------------------------------------------------------------------------ pooling

    @Property(tries = 40, seed = "7303")
    void poolingKernelsMatchTheReference(@ForAll @IntRange(min = 1, max = 2) int n,
                                         @ForAll @IntRange(min = 1, max = 4) int c,
                                         @ForAll @IntRange(min = 1, max = 15) int h,
                                         @ForAll @IntRange(min = 1, max = 15) int w,
                                         @ForAll @IntRange(min = 1, max = 5) int kh,
                                         @ForAll @IntRange(min = 1, max = 5) int kw,
                                         @ForAll @IntRange(min = 1, max = 3) int sh,
                                         @ForAll @IntRange(min = 1, max = 3) int sw,
                                         @ForAll @IntRange(min = 0, max = 2) int ph,
                                         @ForAll @IntRange(min = 0, max = 2) int pw,
                                         @ForAll @IntRange(min = 1, max = 3) int rowsPerSample,
                                         @ForAll long seed) {
        Assume.that(2 * ph <= kh && 2 * pw <= kw && h + 2 * ph >= kh && w + 2 * pw >= kw);
        MaxPool2d max = new MaxPool2d("max", kh, kw, sh, sw, ph, pw);
        AvgPool2d avg = new AvgPool2d("avg", kh, kw, sh, sw, ph, pw);
        Shape out = max.outputShape(Shape.of(c, h, w));
        if (!out.equals(avg.outputShape(Shape.of(c, h, w)))) {
            throw new AssertionError("max and average pooling disagree on the output shape");
        }
        PoolGeometry g = PoolGeometry.of(max, n, c, h, w);
        if (out.dim(1) != g.oh() || out.dim(2) != g.ow()) {
            throw new AssertionError("layer and kernel geometry disagree on the output shape: " + out + " vs " + g);
        }
        Rng rng = new Rng(seed);
        float[] x = PoolKernelSuite.tiedFloats(rng, (int) g.inputSize());
        PoolKernelSuite.MaxOutcome m = PoolKernelSuite.maxForward(lib, g, x, g.n());
        assertMatches("maxpool2d_forward " + g, m.y(), m.yRef(), TOLERANCE);
        PoolKernelSuite.assertArgmax("maxpool2d_forward " + g, m.argmax(), m.argRef());
        PoolKernelSuite.Outcome mb = PoolKernelSuite.maxBackward(lib, g, rowsPerSample, rng);
        assertMatches("maxpool2d_backward " + g + " rowsPerSample " + rowsPerSample, mb.out(), mb.ref(), TOLERANCE);
        PoolKernelSuite.Outcome af = PoolKernelSuite.avgForward(lib, g, rng);
        assertMatches("avgpool2d_forward " + g, af.out(), af.ref(), TOLERANCE);
        PoolKernelSuite.Outcome ab = PoolKernelSuite.avgBackward(lib, g, rng);
        assertMatches("avgpool2d_backward " + g, ab.out(), ab.ref(), TOLERANCE);
    }
}
