package org.lde.validation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.Dim3;
import org.lde.device.KernelArgs;
import org.lde.device.KernelLibrary;
import org.lde.device.LaunchProfile;
import org.lde.engine.Window2d;
import org.lde.engine.cpu.BlasReference;
import org.lde.engine.cpu.ReferenceOps;
import org.lde.engine.gpu.ConvKernels;
import org.lde.engine.gpu.ConvKernels.ConvGeometry;
import org.lde.tensor.Rng;
import org.lde.device.emu.EmulatedDevice;
import org.opentest4j.AssertionFailedError;

/**
 * kernels/conv.cu ({@code conv2d_forward}, {@code conv2d_backward_data}, {@code conv2d_backward_weights})
 * launched through {@link ConvKernels} against the float64 references built from
 * {@link ReferenceOps#im2col}, {@link ReferenceOps#col2imAdd} and {@link BlasReference}: outputs poisoned
 * before each launch plus a poisoned guard past their end that must stay untouched, fresh random
 * inputs, and shapes that are multiples of no tile (odd sizes, strides 1 to 3, asymmetric kernels and
 * padding, 1, 3, 5 and 6 output channels for the 1-, 4- and 8-channel blocks), including shapes that
 * take the kernels' unstaged (global-memory) paths: rows wider than the shared buffer and kernels
 * whose weights do not fit it.
 *
 * <p>It also measures the emulated memory profile at the sample CNN's sizes and keeps
 * {@code kernels/emulated-profile-conv.txt} honest (the suite fails when the committed file differs
 * from a fresh measurement). Regenerate it with
 * {@code mvn -B -o -q test -Dtest=ConvKernelSuite -Dlde.writeProfile=true}.
 */
class ConvKernelSuite extends AbstractKernelSuite {

    static final int GUARD = 19;
    static final Path PROFILE_REPORT = Path.of("kernels", "emulated-profile-conv.txt");

    // --------------------------------------------------------------------------------- references

    static Window2d window(ConvGeometry g) {
        return new Window2d(g.c(), g.h(), g.w(), g.kh(), g.kw(), g.sh(), g.sw(), g.ph(), g.pw());
    }

    /** The im2col matrix {@code [c kh kw, oh ow]} of image {@code n}. */
    static double[] cols(ConvGeometry g, double[] x, int n) {
        Window2d win = window(g);
        int p = win.outPlane();
        double[] cols = new double[win.patchSize() * p];
        ReferenceOps.im2col(win, x, n * win.inSize(), 0, p, cols);
        return cols;
    }

    /** {@code y[n] = W cols(x[n]) + bias} in float64. */
    static double[] forwardReference(ConvGeometry g, double[] x, double[] w, double[] bias) {
        int p = g.oh() * g.ow();
        int ps = g.c() * g.kh() * g.kw();
        double[] y = new double[(int) g.outputSize()];
        double[] yn = new double[g.k() * p];
        for (int n = 0; n < g.n(); n++) {
            BlasReference.gemmNN(g.k(), p, ps, 1, w, cols(g, x, n), 0, yn);
            for (int k = 0; k < g.k(); k++) {
                for (int q = 0; q < p; q++) {
                    y[(n * g.k() + k) * p + q] = yn[k * p + q] + bias[k];
                }
            }
        }
        return y;
    }

    /** {@code dx[n] = col2im(W^T dy[n])} in float64. */
    static double[] backwardDataReference(ConvGeometry g, double[] dy, double[] w) {
        Window2d win = window(g);
        int p = g.oh() * g.ow();
        int ps = win.patchSize();
        double[] dx = new double[(int) g.inputSize()];
        double[] dyn = new double[g.k() * p];
        double[] dcols = new double[ps * p];
        for (int n = 0; n < g.n(); n++) {
            System.arraycopy(dy, n * g.k() * p, dyn, 0, dyn.length);
            BlasReference.gemmTN(ps, p, g.k(), 1, w, dyn, 0, dcols);
            ReferenceOps.col2imAdd(win, dcols, 0, p, dx, n * win.inSize());
        }
        return dx;
    }

    /** {@code dw = sum_n dy[n] cols(x[n])^T} followed by {@code db = sum_{n, q} dy[n, k, q]}, in one array. */
    static double[] backwardWeightsReference(ConvGeometry g, double[] x, double[] dy) {
        int p = g.oh() * g.ow();
        int ps = g.c() * g.kh() * g.kw();
        double[] dw = new double[g.k() * ps + g.k()];
        double[] acc = new double[g.k() * ps];
        double[] dyn = new double[g.k() * p];
        for (int n = 0; n < g.n(); n++) {
            System.arraycopy(dy, n * g.k() * p, dyn, 0, dyn.length);
            BlasReference.gemmNT(g.k(), ps, p, 1, dyn, cols(g, x, n), 1, acc);
            for (int k = 0; k < g.k(); k++) {
                for (int q = 0; q < p; q++) {
                    dw[g.k() * ps + k] += dyn[k * p + q];
                }
            }
        }
        System.arraycopy(acc, 0, dw, 0, acc.length);
        return dw;
    }

    // ------------------------------------------------------------------------------------- running

    /** Outputs of one launch, the float64 reference in the same layout, and the emulator's profile. */
    record Outcome(float[] out, double[] ref, LaunchProfile profile) {
    }

    static void assertGuard(String what, DeviceBuffer b, int n) {
        float[] guard = new float[GUARD];
        b.read(guard, 0, n, GUARD);
        for (int i = 0; i < GUARD; i++) {
            assertEquals(DeviceBuffer.POISON, Float.floatToRawIntBits(guard[i]),
                    what + ": element " + (n + i) + " past the end (" + n + " elements) was written");
        }
    }

    static Outcome forward(KernelLibrary lib, ConvGeometry g, Rng rng, Dim3 gridOverride) {
        Device d = lib.device();
        float[] x = randomFloats(rng, (int) g.inputSize());
        float[] w = randomFloats(rng, (int) g.weightSize());
        float[] b = randomFloats(rng, g.k());
        int ny = (int) g.outputSize();
        double[] ref = forwardReference(g, toDouble(x), toDouble(w), toDouble(b));
        try (DeviceBuffer bx = upload(d, x, x.length); DeviceBuffer bw = upload(d, w, w.length);
             DeviceBuffer bb = upload(d, b, b.length); DeviceBuffer by = upload(d, null, ny + GUARD)) {
            if (gridOverride == null) {
                ConvKernels.conv2dForward(lib, bx, bw, bb, by, g);
            } else {
                d.launch(lib.kernel("conv", "conv2d_forward"), gridOverride, ConvKernels.BLOCK, 0, args(KernelArgs.of()
                        .ptr(bx).ptr(bw).ptr(bb).ptr(by), g));
            }
            d.synchronize();
            LaunchProfile profile = d.lastProfile().orElse(null);
            assertGuard("conv2d_forward " + g, by, ny);
            return new Outcome(download(by, ny), ref, profile);
        }
    }

    static Outcome backwardData(KernelLibrary lib, ConvGeometry g, Rng rng) {
        Device d = lib.device();
        float[] dy = randomFloats(rng, (int) g.outputSize());
        float[] w = randomFloats(rng, (int) g.weightSize());
        int nx = (int) g.inputSize();
        double[] ref = backwardDataReference(g, toDouble(dy), toDouble(w));
        try (DeviceBuffer bdy = upload(d, dy, dy.length); DeviceBuffer bw = upload(d, w, w.length);
             DeviceBuffer bdx = upload(d, null, nx + GUARD)) {
            ConvKernels.conv2dBackwardData(lib, bdy, bw, bdx, g);
            d.synchronize();
            LaunchProfile profile = d.lastProfile().orElse(null);
            assertGuard("conv2d_backward_data " + g, bdx, nx);
            return new Outcome(download(bdx, nx), ref, profile);
        }
    }

    /** dw and db concatenated (dw first), as {@link #backwardWeightsReference}. */
    static Outcome backwardWeights(KernelLibrary lib, ConvGeometry g, float[] x, float[] dy) {
        Device d = lib.device();
        int nw = (int) g.weightSize();
        double[] ref = backwardWeightsReference(g, toDouble(x), toDouble(dy));
        try (DeviceBuffer bx = upload(d, x, x.length); DeviceBuffer bdy = upload(d, dy, dy.length);
             DeviceBuffer bdw = upload(d, null, nw + GUARD); DeviceBuffer bdb = upload(d, null, g.k() + GUARD)) {
            ConvKernels.conv2dBackwardWeights(lib, bx, bdy, bdw, bdb, g);
            d.synchronize();
            LaunchProfile profile = d.lastProfile().orElse(null);
            assertGuard("conv2d_backward_weights dw " + g, bdw, nw);
            assertGuard("conv2d_backward_weights db " + g, bdb, g.k());
            float[] out = new float[nw + g.k()];
            System.arraycopy(download(bdw, nw), 0, out, 0, nw);
            System.arraycopy(download(bdb, g.k()), 0, out, nw, g.k());
            return new Outcome(out, ref, profile);
        }
    }

    static Outcome backwardWeights(KernelLibrary lib, ConvGeometry g, Rng rng) {
        return backwardWeights(lib, g, randomFloats(rng, (int) g.inputSize()), randomFloats(rng, (int) g.outputSize()));
    }

    private static KernelArgs args(KernelArgs a, ConvGeometry g) {
        return a.i32(g.n()).i32(g.c()).i32(g.h()).i32(g.w()).i32(g.k()).i32(g.kh()).i32(g.kw())
                .i32(g.sh()).i32(g.sw()).i32(g.ph()).i32(g.pw()).i32(g.oh()).i32(g.ow());
    }

    // ------------------------------------------------------------------------------------ shapes

    /**
     * Geometries (n, c, h, w, k, kh, kw, sh, sw, ph, pw): the sample CNN's two layers at small batch
     * and odd sizes, strides 1 to 3, asymmetric kernels and padding, 1x1 kernels, padding larger than
     * the kernel's half (and as tall as the kernel), output channels 1, 3, 5, 6 (blocks of 1, 4 and 8
     * channels, partial groups), and two random ones.
     */
    static List<ConvGeometry> shapes(Rng rng) {
        List<ConvGeometry> s = new ArrayList<>(List.of(
                new ConvGeometry(2, 1, 13, 11, 6, 3, 3, 1, 1, 1, 1),    // conv1-like, odd plane
                new ConvGeometry(3, 5, 7, 9, 6, 3, 3, 1, 1, 1, 1),      // conv2-like
                new ConvGeometry(1, 3, 12, 13, 5, 3, 3, 2, 2, 1, 1),    // stride 2
                new ConvGeometry(2, 2, 11, 10, 3, 2, 3, 1, 2, 0, 1),    // asymmetric kernel, stride, padding
                new ConvGeometry(1, 4, 9, 7, 1, 5, 3, 3, 1, 2, 0),      // one output channel, stride 3
                new ConvGeometry(2, 3, 5, 6, 4, 1, 1, 1, 1, 0, 0),      // 1x1
                new ConvGeometry(1, 2, 6, 5, 3, 3, 2, 2, 3, 2, 1),      // padding >= half kernel, sw 3
                new ConvGeometry(3, 1, 1, 13, 2, 1, 4, 1, 1, 0, 2),     // one input row
                new ConvGeometry(1, 2, 17, 16, 6, 4, 4, 1, 1, 3, 3),    // more than one 256-position tile
                // one output channel and 4+ columns of padded kernel: nvcc unrolls the column loop of the
                // 1-channel block into [base + 4 j] shared addresses (a regression shape: padding columns
                // used to form an address before shared offset 0, which the emulator does not wrap)
                new ConvGeometry(2, 3, 7, 17, 1, 1, 4, 1, 1, 0, 1),
                new ConvGeometry(2, 1, 5, 25, 1, 5, 5, 2, 2, 2, 2),
                // padding as tall as the kernel: whole 256-position tiles whose windows are all padding
                new ConvGeometry(1, 2, 2, 300, 2, 1, 1, 1, 1, 1, 0)));
        for (int i = 0; i < 2; i++) {
            int kh = 1 + rng.nextInt(4);
            int kw = 1 + rng.nextInt(4);
            int h = kh + rng.nextInt(10);
            int w = kw + rng.nextInt(10);
            s.add(new ConvGeometry(1 + rng.nextInt(3), 1 + rng.nextInt(5), h, w, 1 + rng.nextInt(6), kh, kw,
                    1 + rng.nextInt(3), 1 + rng.nextInt(3), rng.nextInt(kh), rng.nextInt(kw)));
        }
        return s;
    }

    /** Input rows wider than the kernels' 4096-float shared buffer: the unstaged path of all three kernels. */
    static final ConvGeometry WIDE_ROWS = new ConvGeometry(1, 2, 3, 1500, 3, 3, 3, 1, 1, 0, 1);
    /** 8 output channels of 17x17 weights (2312 floats > 2048): the unstaged path of the gather kernels. */
    static final ConvGeometry BIG_KERNEL = new ConvGeometry(1, 2, 18, 17, 8, 17, 17, 1, 1, 1, 0);

    // ------------------------------------------------------------------------------------- tests

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void forwardMatchesReference(String device) {
        KernelLibrary lib = library(device);
        Rng rng = new Rng(301);
        for (ConvGeometry g : shapes(rng)) {
            Outcome o = forward(lib, g, rng, null);
            assertMatches("conv2d_forward " + g + " on " + device, o.out(), o.ref(), TOLERANCE);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void backwardDataMatchesReference(String device) {
        KernelLibrary lib = library(device);
        Rng rng = new Rng(302);
        for (ConvGeometry g : shapes(rng)) {
            Outcome o = backwardData(lib, g, rng);
            assertMatches("conv2d_backward_data " + g + " on " + device, o.out(), o.ref(), TOLERANCE);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void backwardWeightsMatchesReference(String device) {
        KernelLibrary lib = library(device);
        Rng rng = new Rng(303);
        for (ConvGeometry g : shapes(rng)) {
            Outcome o = backwardWeights(lib, g, rng);
            assertMatches("conv2d_backward_weights " + g + " on " + device, o.out(), o.ref(), TOLERANCE);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void unstagedPathsMatchReference(String device) {
        KernelLibrary lib = library(device);
        Rng rng = new Rng(304);
        for (ConvGeometry g : List.of(WIDE_ROWS, BIG_KERNEL)) {
            Outcome f = forward(lib, g, rng, null);
            assertMatches("conv2d_forward (unstaged) " + g + " on " + device, f.out(), f.ref(), TOLERANCE);
            Outcome b = backwardData(lib, g, rng);
            assertMatches("conv2d_backward_data (unstaged) " + g + " on " + device, b.out(), b.ref(), TOLERANCE);
        }
        Outcome wg = backwardWeights(lib, WIDE_ROWS, rng);
        assertMatches("conv2d_backward_weights (unstaged) " + WIDE_ROWS + " on " + device, wg.out(), wg.ref(), TOLERANCE);
        Outcome wk = backwardWeights(lib, BIG_KERNEL, rng);   // staged rows, 289 taps in 19 passes of 16
        assertMatches("conv2d_backward_weights (many taps) " + BIG_KERNEL + " on " + device, wk.out(), wk.ref(), TOLERANCE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void reversePassRowsShareTheWeights(String device) {
        // N*S gradient rows of a reverse pass: the data gradient is per row, the weights shared
        KernelLibrary lib = library(device);
        Rng rng = new Rng(305);
        ConvGeometry g = new ConvGeometry(3, 4, 7, 7, 5, 3, 3, 1, 1, 1, 1).withRows(7);
        Outcome o = backwardData(lib, g, rng);
        assertMatches("conv2d_backward_data, 7 rows " + g + " on " + device, o.out(), o.ref(), TOLERANCE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void backwardWeightsIsDeterministic(String device) {
        KernelLibrary lib = library(device);
        Rng rng = new Rng(306);
        ConvGeometry g = new ConvGeometry(3, 3, 11, 13, 4, 3, 3, 1, 1, 1, 1);
        float[] x = randomFloats(rng, (int) g.inputSize());
        float[] dy = randomFloats(rng, (int) g.outputSize());
        Outcome first = backwardWeights(lib, g, x, dy);
        Outcome second = backwardWeights(lib, g, x, dy);
        assertMatches("conv2d_backward_weights " + g, first.out(), first.ref(), TOLERANCE);
        assertArrayEquals(first.out(), second.out(), "two launches on the same inputs must agree bit for bit");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void checkerFailsWhenATileStaysUnwritten(String device) {
        // a deliberately short grid (the last 256-position tile never launched) leaves poison behind
        KernelLibrary lib = library(device);
        ConvGeometry g = new ConvGeometry(1, 2, 17, 16, 3, 3, 3, 1, 1, 1, 1);   // 272 positions: 2 tiles
        Dim3 full = ConvKernels.forwardGrid(g);
        assertEquals(2, full.x());
        Outcome o = forward(lib, g, new Rng(307), new Dim3(1, full.y(), full.z()));
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> assertMatches("conv2d_forward, short grid", o.out(), o.ref(), TOLERANCE));
        assertTrue(e.getMessage().contains("[256]") && e.getMessage().contains("poison"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void largerGridThanNeededWritesNothingElse(String device) {
        // extra position tiles, channel groups and rows: those blocks leave (the guard after y stays poisoned)
        KernelLibrary lib = library(device);
        ConvGeometry g = new ConvGeometry(2, 3, 9, 11, 5, 3, 3, 1, 1, 1, 1);
        Dim3 full = ConvKernels.forwardGrid(g);
        Outcome o = forward(lib, g, new Rng(309), new Dim3(full.x() + 1, full.y() + 1, full.z() + 2));
        assertMatches("conv2d_forward, larger grid, on " + device, o.out(), o.ref(), TOLERANCE);
    }

    @Test
    void launcherRejectsBuffersThatAreTooSmall() {
        KernelLibrary lib = library("emulator");
        Device d = lib.device();
        ConvGeometry g = new ConvGeometry(2, 3, 5, 5, 4, 3, 3, 1, 1, 1, 1);
        try (DeviceBuffer x = d.allocate(4L * g.inputSize()); DeviceBuffer w = d.allocate(4L * g.weightSize());
             DeviceBuffer b = d.allocate(4L * g.k()); DeviceBuffer y = d.allocate(4L * g.outputSize() - 4)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ConvKernels.conv2dForward(lib, x, w, b, y, g));
            assertTrue(e.getMessage().startsWith("y holds 199"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, 1, 2, 2, 1, 5, 1, 1, 1, 1, 0));
    }

    // -------------------------------------------------------------------------- emulated profile

    /**
     * The same profile at another batch, printed and written to {@code target/emulated-profile-conv-batch<N>.txt}
     * (not compared with anything; about half a minute at the training batch 64). Runs only when asked:
     * {@code mvn -B -o -q test -Dtest=ConvKernelSuite#emulatedProfileAtAnotherBatch -Dlde.profileBatch=64}.
     */
    @Test
    void emulatedProfileAtAnotherBatch() throws IOException {
        // the committed profile is a measurement of the deterministic order (a random schedule groups lanes differently)
        Assumptions.assumeTrue(EmulatedDevice.deterministicByDefault(), "profiles are measured in the deterministic order");
        Integer batch = Integer.getInteger("lde.profileBatch");
        assumeTrue(batch != null, "set -Dlde.profileBatch=N to measure the profile at batch N");
        List<LaunchProfile> profiles = new ArrayList<>();
        String report = profileReport(library("emulator"), profiles, batch);
        System.out.print(report);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "emulated-profile-conv-batch" + batch + ".txt"), report, StandardCharsets.UTF_8);
    }

    /**
     * Batch of the profile runs. The sample CNN trains at batch 64; emulating it is possible but slow
     * (minutes for the weight gradient), so the report is measured at batch 4: per-launch figures scale
     * with the batch, and the sector efficiencies and bank conflicts are those of every block.
     */
    static final int PROFILE_BATCH = 4;

    /** The sample CNN's convolutions at batch {@code n}: conv1 1 -> 8 channels 3x3 pad 1 on 28x28, conv2 8 -> 16 on 14x14. */
    static ConvGeometry[] profileLayers(int n) {
        return new ConvGeometry[] {
                new ConvGeometry(n, 1, 28, 28, 8, 3, 3, 1, 1, 1, 1),
                new ConvGeometry(n, 8, 14, 14, 16, 3, 3, 1, 1, 1, 1)};
    }
    static final String[] PROFILE_NAMES = {"conv1", "conv2"};

    static String profileReport(KernelLibrary lib, List<LaunchProfile> profiles, int batch) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Emulated launch profile of the convolution kernels (kernels/conv.cu), PTX emulator counters.\n");
        sb.append("# Written by: mvn -B -o -q test -Dtest=ConvKernelSuite -Dlde.writeProfile=true\n");
        sb.append("# (ConvKernelSuite fails when this file differs from a fresh measurement.)\n");
        sb.append("# The sample CNN's layers: conv1 1->8 channels 3x3 pad 1 on 28x28, conv2 8->16 3x3 pad 1 on 14x14,\n");
        sb.append("# at batch ").append(batch).append(batch == 64 ? " (the training batch).\n" : " (not the training batch 64: emulating it takes about a minute; the\n"
                + "# efficiencies are those of every block and do not depend on the batch; -Dlde.profileBatch=64 measures it).\n");
        sb.append("# Fixed random inputs. Sector efficiency = bytes requested / (32 * sectors),\n");
        sb.append("# sectors counted per warp access. Bank conflicts = extra shared-memory wavefronts.\n");
        sb.append(String.format(Locale.ROOT, "%-24s %-6s %13s %10s %10s %10s %7s %10s %10s %7s %10s %9s%n",
                "# kernel", "layer", "thread_instr", "flops", "ld_sectors", "ld_bytes", "ld_eff", "st_sectors", "st_bytes",
                "st_eff", "shared_acc", "conflicts"));
        Rng rng = new Rng(308);
        ConvGeometry[] layers = profileLayers(batch);
        for (int i = 0; i < layers.length; i++) {
            ConvGeometry g = layers[i];
            Outcome[] runs = {forward(lib, g, rng, null), backwardData(lib, g, rng), backwardWeights(lib, g, rng)};
            for (Outcome o : runs) {
                LaunchProfile f = o.profile();
                if (f == null) {
                    fail("the emulator kept no profile of " + g);
                }
                assertMatches(f.kernel() + " " + g + " (profile run)", o.out(), o.ref(), TOLERANCE);
                profiles.add(f);
                sb.append(String.format(Locale.ROOT, "%-24s %-6s %13d %10d %10d %10d %7.4f %10d %10d %7.4f %10d %9d%n",
                        f.kernel(), PROFILE_NAMES[i], f.threadInstructions(), f.flops(), f.globalLoadSectors(),
                        f.globalLoadBytes(), f.loadSectorEfficiency(), f.globalStoreSectors(), f.globalStoreBytes(),
                        f.storeSectorEfficiency(), f.sharedAccesses(), f.sharedBankConflicts()));
            }
        }
        return sb.toString();
    }

    @Test
    void emulatedProfileMeetsTheTargetsAndMatchesTheCommittedReport() throws IOException {
        // the committed profile is a measurement of the deterministic order (a random schedule groups lanes differently)
        Assumptions.assumeTrue(EmulatedDevice.deterministicByDefault(), "profiles are measured in the deterministic order");
        KernelLibrary lib = library("emulator");
        List<LaunchProfile> profiles = new ArrayList<>();
        String report = profileReport(lib, profiles, PROFILE_BATCH);
        for (LaunchProfile f : profiles) {
            assertTrue(f.loadSectorEfficiency() >= 0.8, f.kernel() + ": global load sector efficiency "
                    + f.loadSectorEfficiency() + " < 0.8 (the issue's target)");
        }
        assumeTrue(Files.isRegularFile(Path.of("build-kernels.sh")),
                "not run from the repository root; the committed report cannot be compared");
        if (Boolean.getBoolean("lde.writeProfile")) {
            Files.writeString(PROFILE_REPORT, report, StandardCharsets.UTF_8);
            return;
        }
        if (!Files.isRegularFile(PROFILE_REPORT)) {
            fail(PROFILE_REPORT + " is missing; write it with: mvn -B -o -q test -Dtest=ConvKernelSuite -Dlde.writeProfile=true");
        }
        assertEquals(Files.readString(PROFILE_REPORT, StandardCharsets.UTF_8), report, PROFILE_REPORT
                + " is stale; rewrite it with: mvn -B -o -q test -Dtest=ConvKernelSuite -Dlde.writeProfile=true");
    }
}
