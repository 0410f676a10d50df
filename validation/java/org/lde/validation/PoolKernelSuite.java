package org.lde.validation;

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
import org.lde.engine.cpu.ReferenceOps;
import org.lde.engine.gpu.ConvKernels;
import org.lde.engine.gpu.ConvKernels.PoolGeometry;
import org.lde.tensor.Rng;
import org.lde.device.emu.EmulatedDevice;
import org.opentest4j.AssertionFailedError;

/**
 * kernels/pool.cu ({@code maxpool2d_forward}, {@code maxpool2d_backward}, {@code avgpool2d_forward},
 * {@code avgpool2d_backward}) launched through {@link ConvKernels} against {@link ReferenceOps}'s float64
 * pooling: outputs (and the int32 argmax) poisoned before each launch with a poisoned guard after them,
 * shapes that are multiples of nothing (odd sizes, floor-mode leftovers, overlapping windows, strides
 * larger than the window, padding), inputs with many ties (values on a coarse grid) so that the
 * first-maximum rule is exercised, argmax compared exactly, and reverse passes with several gradient
 * rows per sample.
 *
 * <p>It also keeps {@code kernels/emulated-profile-pool.txt} (the sample CNN's two max-pooling layers,
 * and average pooling at the same sizes) honest. Regenerate it with
 * {@code mvn -B -o -q test -Dtest=PoolKernelSuite -Dlde.writeProfile=true}.
 */
class PoolKernelSuite extends AbstractKernelSuite {

    static final int GUARD = 23;
    static final Path PROFILE_REPORT = Path.of("kernels", "emulated-profile-pool.txt");

    static Window2d window(PoolGeometry g) {
        return new Window2d(g.c(), g.h(), g.w(), g.kh(), g.kw(), g.sh(), g.sw(), g.ph(), g.pw());
    }

    /** Values on the grid {-1, -0.5, 0, 0.5, 1} (ties in most windows), exactly representable. */
    static float[] tiedFloats(Rng rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (rng.nextInt(5) - 2) * 0.5f;
        }
        return x;
    }

    /**
     * Geometries (n, c, h, w, kh, kw, sh, sw, ph, pw): 2x2 stride 2 on odd planes (floor mode drops a
     * row and a column), 3x3 stride 2 pad 1, overlapping asymmetric windows, stride larger than the
     * window, a window as large as the padded image, 1x1, and two random ones.
     */
    static List<PoolGeometry> shapes(Rng rng) {
        List<PoolGeometry> s = new ArrayList<>(List.of(
                new PoolGeometry(2, 3, 13, 11, 2, 2, 2, 2, 0, 0),
                new PoolGeometry(3, 2, 9, 12, 3, 3, 2, 2, 1, 1),
                new PoolGeometry(1, 5, 7, 10, 3, 2, 1, 1, 1, 0),
                new PoolGeometry(2, 1, 11, 13, 2, 3, 3, 4, 1, 1),
                new PoolGeometry(1, 2, 5, 6, 7, 8, 1, 1, 1, 1),
                new PoolGeometry(2, 3, 4, 5, 1, 1, 1, 1, 0, 0),
                new PoolGeometry(1, 1, 1, 13, 1, 3, 1, 2, 0, 1)));
        for (int i = 0; i < 2; i++) {
            int kh = 1 + rng.nextInt(3);
            int kw = 1 + rng.nextInt(3);
            s.add(new PoolGeometry(1 + rng.nextInt(3), 1 + rng.nextInt(5), kh + rng.nextInt(11), kw + rng.nextInt(11), kh, kw,
                    1 + rng.nextInt(3), 1 + rng.nextInt(3), rng.nextInt((kh + 1) / 2), rng.nextInt((kw + 1) / 2)));
        }
        return s;
    }

    static void assertGuard(String what, DeviceBuffer b, int n) {
        int[] guard = new int[GUARD];
        b.read(guard, 0, n, GUARD);
        for (int i = 0; i < GUARD; i++) {
            assertEquals(DeviceBuffer.POISON, guard[i], what + ": element " + (n + i) + " past the end (" + n + " elements) was written");
        }
    }

    /** The reference argmax (flat index within the image, c*h*w + r*w + col) as the kernel's plane index r*w + col. */
    static int[] planeArgmax(PoolGeometry g, int[] ref) {
        int[] out = new int[ref.length];
        int plane = g.oh() * g.ow();
        for (int o = 0; o < ref.length; o++) {
            int c = (o / plane) % g.c();
            out[o] = ref[o] - c * g.h() * g.w();
        }
        return out;
    }

    record MaxOutcome(float[] y, int[] argmax, double[] yRef, int[] argRef, LaunchProfile profile) {
    }

    static MaxOutcome maxForward(KernelLibrary lib, PoolGeometry g, float[] x, int launchRows) {
        Device d = lib.device();
        Window2d win = window(g);
        int ny = (int) g.outputSize();
        double[] yRef = new double[ny];
        int[] argRef = new int[ny];
        double[] xd = toDouble(x);
        for (int n = 0; n < g.n(); n++) {
            ReferenceOps.maxPoolForward(win, xd, n * win.inSize(), yRef, n * g.c() * win.outPlane(), argRef, n * g.c() * win.outPlane());
        }
        try (DeviceBuffer bx = upload(d, x, x.length); DeviceBuffer by = upload(d, null, ny + GUARD);
             DeviceBuffer ba = upload(d, null, ny + GUARD)) {
            if (launchRows == g.n()) {
                ConvKernels.maxPool2dForward(lib, bx, by, ba, g);
            } else {
                d.launch(lib.kernel("pool", "maxpool2d_forward"), ConvKernels.poolGrid(ny), ConvKernels.BLOCK, 0,
                        windowArgs(KernelArgs.of().ptr(bx).ptr(by).ptr(ba).i32(launchRows).i32(g.c()), g));
            }
            d.synchronize();
            LaunchProfile profile = d.lastProfile().orElse(null);
            assertGuard("maxpool2d_forward y " + g, by, ny);
            assertGuard("maxpool2d_forward argmax " + g, ba, ny);
            int[] arg = new int[ny];
            ba.read(arg, 0, 0, ny);
            return new MaxOutcome(download(by, ny), arg, yRef, planeArgmax(g, argRef), profile);
        }
    }

    private static KernelArgs windowArgs(KernelArgs a, PoolGeometry g) {
        return a.i32(g.h()).i32(g.w()).i32(g.kh()).i32(g.kw()).i32(g.sh()).i32(g.sw()).i32(g.ph()).i32(g.pw())
                .i32(g.oh()).i32(g.ow());
    }

    static void assertArgmax(String what, int[] out, int[] ref) {
        for (int i = 0; i < ref.length; i++) {
            if (out[i] != ref[i]) {
                fail(what + ": argmax[" + i + "] = " + out[i] + (out[i] == DeviceBuffer.POISON ? " (poison: never written)" : "")
                        + ", reference " + ref[i] + " (the first maximal cell in row-major window order)");
            }
        }
    }

    record Outcome(float[] out, double[] ref, LaunchProfile profile) {
    }

    /** maxpool2d_backward over {@code rowsPerSample * g.n()} rows, routed by the reference argmax of fresh inputs. */
    static Outcome maxBackward(KernelLibrary lib, PoolGeometry g, int rowsPerSample, Rng rng) {
        Device d = lib.device();
        Window2d win = window(g);
        int plane = win.outPlane() * g.c();
        int[] argRef = new int[(int) g.outputSize()];
        double[] xd = toDouble(tiedFloats(rng, (int) g.inputSize()));
        double[] scratch = new double[argRef.length];
        for (int n = 0; n < g.n(); n++) {
            ReferenceOps.maxPoolForward(win, xd, n * win.inSize(), scratch, n * plane, argRef, n * plane);
        }
        int rows = g.n() * rowsPerSample;
        PoolGeometry r = g.withRows(rows);
        float[] dy = randomFloats(rng, (int) r.outputSize());
        int nx = (int) r.inputSize();
        double[] ref = new double[nx];
        double[] dyd = toDouble(dy);
        for (int row = 0; row < rows; row++) {
            ReferenceOps.maxPoolBackwardAdd(win, dyd, row * plane, argRef, (row / rowsPerSample) * plane, ref, row * win.inSize());
        }
        try (DeviceBuffer bdy = upload(d, dy, dy.length); DeviceBuffer ba = d.allocate(4L * argRef.length);
             DeviceBuffer bdx = upload(d, null, nx + GUARD)) {
            ba.write(planeArgmax(g, argRef));
            ConvKernels.maxPool2dBackward(lib, bdy, ba, bdx, rows, rowsPerSample, g);
            d.synchronize();
            LaunchProfile profile = d.lastProfile().orElse(null);
            assertGuard("maxpool2d_backward " + r, bdx, nx);
            return new Outcome(download(bdx, nx), ref, profile);
        }
    }

    static Outcome avgForward(KernelLibrary lib, PoolGeometry g, Rng rng) {
        Device d = lib.device();
        Window2d win = window(g);
        float[] x = randomFloats(rng, (int) g.inputSize());
        int ny = (int) g.outputSize();
        double[] ref = new double[ny];
        double[] xd = toDouble(x);
        for (int n = 0; n < g.n(); n++) {
            ReferenceOps.avgPoolForward(win, xd, n * win.inSize(), ref, n * g.c() * win.outPlane());
        }
        try (DeviceBuffer bx = upload(d, x, x.length); DeviceBuffer by = upload(d, null, ny + GUARD)) {
            ConvKernels.avgPool2dForward(lib, bx, by, g);
            d.synchronize();
            LaunchProfile profile = d.lastProfile().orElse(null);
            assertGuard("avgpool2d_forward " + g, by, ny);
            return new Outcome(download(by, ny), ref, profile);
        }
    }

    static Outcome avgBackward(KernelLibrary lib, PoolGeometry g, Rng rng) {
        Device d = lib.device();
        Window2d win = window(g);
        float[] dy = randomFloats(rng, (int) g.outputSize());
        int nx = (int) g.inputSize();
        double[] ref = new double[nx];
        double[] dyd = toDouble(dy);
        for (int n = 0; n < g.n(); n++) {
            ReferenceOps.avgPoolBackwardAdd(win, dyd, n * g.c() * win.outPlane(), ref, n * win.inSize());
        }
        try (DeviceBuffer bdy = upload(d, dy, dy.length); DeviceBuffer bdx = upload(d, null, nx + GUARD)) {
            ConvKernels.avgPool2dBackward(lib, bdy, bdx, g);
            d.synchronize();
            LaunchProfile profile = d.lastProfile().orElse(null);
            assertGuard("avgpool2d_backward " + g, bdx, nx);
            return new Outcome(download(bdx, nx), ref, profile);
        }
    }

    // ------------------------------------------------------------------------------------- tests

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void maxForwardMatchesReferenceWithFirstMaximumTies(String device) {
        KernelLibrary lib = library(device);
        Rng rng = new Rng(401);
        for (PoolGeometry g : shapes(rng)) {
            for (boolean ties : new boolean[] {true, false}) {
                float[] x = ties ? tiedFloats(rng, (int) g.inputSize()) : randomFloats(rng, (int) g.inputSize());
                MaxOutcome o = maxForward(lib, g, x, g.n());
                assertMatches("maxpool2d_forward " + g + " on " + device, o.y(), o.yRef(), TOLERANCE);
                assertArgmax("maxpool2d_forward " + g + " on " + device, o.argmax(), o.argRef());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void maxForwardHandlesAllEqualAndNegativeWindows(String device) {
        // all equal: the argmax is the window's first real cell; all negative: padding (-inf) never wins
        KernelLibrary lib = library(device);
        PoolGeometry g = new PoolGeometry(1, 2, 5, 7, 3, 3, 2, 2, 1, 1);
        float[] x = new float[(int) g.inputSize()];
        java.util.Arrays.fill(x, 0, x.length / 2, 0.25f);
        java.util.Arrays.fill(x, x.length / 2, x.length, -3f);
        MaxOutcome o = maxForward(lib, g, x, g.n());
        assertMatches("maxpool2d_forward constant planes on " + device, o.y(), o.yRef(), TOLERANCE);
        assertArgmax("maxpool2d_forward constant planes on " + device, o.argmax(), o.argRef());
        assertEquals(0, o.argmax()[0], "window (0,0) starts at padding; its first real cell is (0,0)");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void maxBackwardMatchesReference(String device) {
        KernelLibrary lib = library(device);
        Rng rng = new Rng(402);
        int s = 1;
        for (PoolGeometry g : shapes(rng)) {
            Outcome o = maxBackward(lib, g, s, rng);
            assertMatches("maxpool2d_backward " + g + " rowsPerSample " + s + " on " + device, o.out(), o.ref(), TOLERANCE);
            s = s % 3 + 1;   // 1, 2, 3 gradient rows per sample in turn
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void avgForwardMatchesReference(String device) {
        KernelLibrary lib = library(device);
        Rng rng = new Rng(403);
        for (PoolGeometry g : shapes(rng)) {
            Outcome o = avgForward(lib, g, rng);
            assertMatches("avgpool2d_forward " + g + " on " + device, o.out(), o.ref(), TOLERANCE);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void avgBackwardMatchesReference(String device) {
        KernelLibrary lib = library(device);
        Rng rng = new Rng(404);
        for (PoolGeometry g : shapes(rng)) {
            Outcome o = avgBackward(lib, g, rng);
            assertMatches("avgpool2d_backward " + g + " on " + device, o.out(), o.ref(), TOLERANCE);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void wideRowsTakeTheUnstagedForwardPath(String device) {
        // 3 rows of 1500 floats per 256-output tile exceed the 4096-float shared buffer
        KernelLibrary lib = library(device);
        Rng rng = new Rng(408);
        PoolGeometry g = new PoolGeometry(1, 2, 3, 1500, 3, 3, 1, 1, 0, 1);
        MaxOutcome o = maxForward(lib, g, tiedFloats(rng, (int) g.inputSize()), g.n());
        assertMatches("maxpool2d_forward (unstaged) " + g + " on " + device, o.y(), o.yRef(), TOLERANCE);
        assertArgmax("maxpool2d_forward (unstaged) " + g + " on " + device, o.argmax(), o.argRef());
        Outcome a = avgForward(lib, g, rng);
        assertMatches("avgpool2d_forward (unstaged) " + g + " on " + device, a.out(), a.ref(), TOLERANCE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void gridStrideCoversMoreOutputsThanThreads(String device) {
        // one 256-thread block for 2 * 3 * 13 * 13 = 1014 outputs: four passes of the grid-stride loop
        KernelLibrary lib = library(device);
        Device d = lib.device();
        PoolGeometry g = new PoolGeometry(2, 3, 13, 13, 1, 1, 1, 1, 0, 0);
        Rng rng = new Rng(405);
        float[] x = randomFloats(rng, (int) g.inputSize());
        int ny = (int) g.outputSize();
        try (DeviceBuffer bx = upload(d, x, x.length); DeviceBuffer by = upload(d, null, ny + GUARD)) {
            d.launch(lib.kernel("pool", "avgpool2d_forward"), Dim3.of(1), ConvKernels.BLOCK, 0,
                    windowArgs(KernelArgs.of().ptr(bx).ptr(by).i32(g.n()).i32(g.c()), g));
            d.synchronize();
            assertGuard("avgpool2d_forward, one block", by, ny);
            assertMatches("avgpool2d_forward 1x1 window, one block", download(by, ny), toDouble(x), TOLERANCE);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void checkerFailsWhenARowStaysUnwritten(String device) {
        // the kernel is told one row fewer: the last row's outputs stay poisoned and the check must fail
        KernelLibrary lib = library(device);
        PoolGeometry g = new PoolGeometry(2, 2, 6, 5, 2, 2, 2, 2, 0, 0);
        MaxOutcome o = maxForward(lib, g, randomFloats(new Rng(406), (int) g.inputSize()), g.n() - 1);
        int firstOfLastRow = g.c() * g.oh() * g.ow();
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> assertMatches("maxpool2d_forward, last row unwritten", o.y(), o.yRef(), TOLERANCE));
        assertTrue(e.getMessage().contains("[" + firstOfLastRow + "]") && e.getMessage().contains("poison"), e.getMessage());
        AssertionFailedError a = assertThrows(AssertionFailedError.class,
                () -> assertArgmax("maxpool2d_forward, last row unwritten", o.argmax(), o.argRef()));
        assertTrue(a.getMessage().contains("poison"), a.getMessage());
    }

    @Test
    void launcherRejectsTooFewSamplesForTheRows() {
        KernelLibrary lib = library("emulator");
        Device d = lib.device();
        PoolGeometry g = new PoolGeometry(2, 1, 4, 4, 2, 2, 2, 2, 0, 0);
        try (DeviceBuffer dy = d.allocate(4L * 64); DeviceBuffer arg = d.allocate(4L * 8); DeviceBuffer dx = d.allocate(4L * 256)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ConvKernels.maxPool2dBackward(lib, dy, arg, dx, 7, 3, g));   // rows 6 and 7 would need sample 2
            assertTrue(e.getMessage().contains("7 rows at 3 per sample"), e.getMessage());
        }
    }

    // -------------------------------------------------------------------------- emulated profile

    /** Batch of the profile runs (see ConvKernelSuite: the per-block figures do not depend on it). */
    static final int PROFILE_BATCH = 4;

    /** The sample CNN's pooling layers: 2x2 stride 2 after conv1 on [8, 28, 28] and after conv2 on [16, 14, 14]. */
    static final PoolGeometry[] PROFILE_LAYERS = {
            new PoolGeometry(PROFILE_BATCH, 8, 28, 28, 2, 2, 2, 2, 0, 0),
            new PoolGeometry(PROFILE_BATCH, 16, 14, 14, 2, 2, 2, 2, 0, 0)};
    static final String[] PROFILE_NAMES = {"pool1", "pool2"};

    static String profileReport(KernelLibrary lib, List<LaunchProfile> profiles) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Emulated launch profile of the pooling kernels (kernels/pool.cu), PTX emulator counters.\n");
        sb.append("# Written by: mvn -B -o -q test -Dtest=PoolKernelSuite -Dlde.writeProfile=true\n");
        sb.append("# (PoolKernelSuite fails when this file differs from a fresh measurement.)\n");
        sb.append("# The sample CNN's pooling layers, 2x2 stride 2: pool1 on [8,28,28], pool2 on [16,14,14], at batch ")
                .append(PROFILE_BATCH).append(";\n");
        sb.append("# average pooling at the same sizes for comparison; backward passes with one gradient row per sample.\n");
        sb.append("# Sector efficiency = bytes requested / (32 * sectors), sectors counted per warp access (a value above 1\n");
        sb.append("# means lanes of a warp read the same cell: broadcasts). Shared memory: the forward kernels' staged rows;\n");
        sb.append("# bank conflicts = extra shared-memory wavefronts (stride-2 window reads: 2-way).\n");
        sb.append(String.format(Locale.ROOT, "%-20s %-6s %13s %10s %10s %10s %7s %10s %10s %7s %10s %9s%n",
                "# kernel", "layer", "thread_instr", "flops", "ld_sectors", "ld_bytes", "ld_eff", "st_sectors", "st_bytes", "st_eff",
                "shared_acc", "conflicts"));
        Rng rng = new Rng(407);
        for (int i = 0; i < PROFILE_LAYERS.length; i++) {
            PoolGeometry g = PROFILE_LAYERS[i];
            MaxOutcome mf = maxForward(lib, g, randomFloats(rng, (int) g.inputSize()), g.n());
            assertMatches("maxpool2d_forward " + g + " (profile run)", mf.y(), mf.yRef(), TOLERANCE);
            assertArgmax("maxpool2d_forward " + g + " (profile run)", mf.argmax(), mf.argRef());
            Outcome mb = maxBackward(lib, g, 1, rng);
            assertMatches("maxpool2d_backward " + g + " (profile run)", mb.out(), mb.ref(), TOLERANCE);
            Outcome af = avgForward(lib, g, rng);
            assertMatches("avgpool2d_forward " + g + " (profile run)", af.out(), af.ref(), TOLERANCE);
            Outcome ab = avgBackward(lib, g, rng);
            assertMatches("avgpool2d_backward " + g + " (profile run)", ab.out(), ab.ref(), TOLERANCE);
            for (LaunchProfile f : new LaunchProfile[] {mf.profile(), mb.profile(), af.profile(), ab.profile()}) {
                if (f == null) {
                    fail("the emulator kept no profile of " + g);
                }
                profiles.add(f);
                sb.append(String.format(Locale.ROOT, "%-20s %-6s %13d %10d %10d %10d %7.4f %10d %10d %7.4f %10d %9d%n",
                        f.kernel(), PROFILE_NAMES[i], f.threadInstructions(), f.flops(), f.globalLoadSectors(),
                        f.globalLoadBytes(), f.loadSectorEfficiency(), f.globalStoreSectors(), f.globalStoreBytes(),
                        f.storeSectorEfficiency(), f.sharedAccesses(), f.sharedBankConflicts()));
            }
        }
        return sb.toString();
    }

    @Test
    void emulatedProfileMatchesTheCommittedReport() throws IOException {
        // the committed profile is a measurement of the deterministic order (a random schedule groups lanes differently)
        Assumptions.assumeTrue(EmulatedDevice.deterministicByDefault(), "profiles are measured in the deterministic order");
        KernelLibrary lib = library("emulator");
        List<LaunchProfile> profiles = new ArrayList<>();
        String report = profileReport(lib, profiles);
        for (LaunchProfile f : profiles) {
            // every warp stores 32 consecutive outputs of a row-major array
            assertTrue(f.storeSectorEfficiency() >= 0.8, f.kernel() + ": store sector efficiency " + f.storeSectorEfficiency());
            if (f.kernel().endsWith("_forward")) {
                // the staged copy: aligned runs of 32 consecutive floats
                assertTrue(f.loadSectorEfficiency() >= 0.8, f.kernel() + ": load sector efficiency " + f.loadSectorEfficiency());
            } else {
                assertEquals(0, f.sharedAccesses(), f.kernel() + " uses no shared memory");
            }
        }
        assumeTrue(Files.isRegularFile(Path.of("build-kernels.sh")),
                "not run from the repository root; the committed report cannot be compared");
        if (Boolean.getBoolean("lde.writeProfile")) {
            Files.writeString(PROFILE_REPORT, report, StandardCharsets.UTF_8);
            return;
        }
        if (!Files.isRegularFile(PROFILE_REPORT)) {
            fail(PROFILE_REPORT + " is missing; write it with: mvn -B -o -q test -Dtest=PoolKernelSuite -Dlde.writeProfile=true");
        }
        assertEquals(Files.readString(PROFILE_REPORT, StandardCharsets.UTF_8), report, PROFILE_REPORT
                + " is stale; rewrite it with: mvn -B -o -q test -Dtest=PoolKernelSuite -Dlde.writeProfile=true");
    }
}
