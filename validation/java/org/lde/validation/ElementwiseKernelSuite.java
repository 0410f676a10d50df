package org.lde.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.Dim3;
import org.lde.device.Kernel;
import org.lde.device.KernelArgs;
import org.lde.device.KernelLibrary;
import org.lde.engine.cpu.BlasReference;
import org.lde.tensor.Rng;
import org.opentest4j.AssertionFailedError;

/**
 * kernels/elementwise.cu ({@code relu_forward}, {@code relu_backward}, {@code axpy}) against
 * {@link BlasReference} on every device: outputs poisoned before each launch, a poisoned guard
 * region past the end that must stay untouched, sizes that are not multiples of the block, fresh
 * random inputs, and grids both smaller than the data (grid-stride loop) and larger.
 */
class ElementwiseKernelSuite extends AbstractKernelSuite {

    private static final int GUARD = 37;   // poisoned elements after the n that must never be written

    /** Sizes: 1, 17, 63, 129 (none a multiple of a block), a bigger one and a fresh random one. */
    private static List<Integer> sizes(Rng rng) {
        List<Integer> s = new ArrayList<>(List.of(1, 17, 63, 129, 1000));
        s.add(1 + rng.nextInt(3000));
        return s;
    }

    /** The launch shape used by the engine: 256-thread blocks, enough blocks to cover n once (at most 1024). */
    static Dim3 grid(int n) {
        return Dim3.of(Math.max(1, Math.min((n + 255) / 256, 1024)));
    }

    static final Dim3 BLOCK = Dim3.of(256);

    /** Inputs with exact zeros, negative zeros and both signs mixed in. */
    private static float[] signedInputs(Rng rng, int n) {
        float[] x = randomFloats(rng, n);
        for (int i = 0; i < n; i += 7) {
            x[i] = (i / 7) % 2 == 0 ? 0.0f : -0.0f;
        }
        return x;
    }

    private static void assertGuardUntouched(String what, DeviceBuffer b, int n) {
        float[] guard = new float[GUARD];
        b.read(guard, 0, n, GUARD);
        for (int i = 0; i < GUARD; i++) {
            assertEquals(DeviceBuffer.POISON, Float.floatToRawIntBits(guard[i]),
                    what + ": element " + (n + i) + " past the end (n = " + n + ") was written");
        }
    }

    // ---------------------------------------------------------------------------------- relu_forward

    private static float[] runReluForward(KernelLibrary lib, float[] x, int launchN, Dim3 grid) {
        Device d = lib.device();
        int n = x.length;
        Kernel k = lib.kernel("elementwise", "relu_forward");
        try (DeviceBuffer bx = upload(d, x, n + GUARD); DeviceBuffer by = upload(d, null, n + GUARD)) {
            d.launch(k, grid, BLOCK, 0, KernelArgs.of().ptr(bx).ptr(by).i32(launchN));
            d.synchronize();
            assertGuardUntouched("relu_forward", by, n);
            return download(by, n);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void reluForwardMatchesReference(String device) {
        KernelLibrary lib = library(device);
        Rng rng = new Rng(101);
        for (int n : sizes(rng)) {
            float[] x = signedInputs(rng, n);
            double[] ref = new double[n];
            BlasReference.reluForward(toDouble(x), ref);
            assertMatches("relu_forward n=" + n + " on " + device, runReluForward(lib, x, n, grid(n)), ref, TOLERANCE);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void reluForwardPropagatesNaNAndWorksInPlace(String device) {
        KernelLibrary lib = library(device);
        Device d = lib.device();
        float[] x = {Float.NaN, -1.5f, 2.5f, -0.0f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY};
        try (DeviceBuffer b = upload(d, x, x.length)) {
            d.launch(lib.kernel("elementwise", "relu_forward"), Dim3.of(1), Dim3.of(32), 0,
                    KernelArgs.of().ptr(b).ptr(b).i32(x.length));   // y == x: in place
            d.synchronize();
            float[] y = download(b, x.length);
            assertTrue(Float.isNaN(y[0]), "NaN must propagate, got " + y[0]);
            assertEquals(0.0f, y[1]);
            assertEquals(2.5f, y[2]);
            assertEquals(-0.0f, y[3], "x = -0 gives -0 (x < 0 is false), as documented");
            assertEquals(0.0f, y[4]);
            assertEquals(Float.POSITIVE_INFINITY, y[5]);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void gridStrideCoversAnyGrid(String device) {
        KernelLibrary lib = library(device);
        Rng rng = new Rng(102);
        // one small block for 1000 elements (32 iterations per thread), and 4 blocks for 17 elements
        for (int[] c : new int[][] {{1000, 1}, {17, 4}}) {
            float[] x = signedInputs(rng, c[0]);
            double[] ref = new double[c[0]];
            BlasReference.reluForward(toDouble(x), ref);
            assertMatches("relu_forward n=" + c[0] + " grid=" + c[1] + " on " + device,
                    runReluForward(lib, x, c[0], Dim3.of(c[1])), ref, TOLERANCE);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void zeroOrNegativeNWritesNothing(String device) {
        KernelLibrary lib = library(device);
        for (int n : new int[] {0, -5}) {
            float[] y = runReluForward(lib, new float[0], n, Dim3.of(1));
            assertEquals(0, y.length);   // the guard check inside covers every element
        }
    }

    // --------------------------------------------------------------------------------- relu_backward

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void reluBackwardMatchesReference(String device) {
        KernelLibrary lib = library(device);
        Device d = lib.device();
        Kernel k = lib.kernel("elementwise", "relu_backward");
        Rng rng = new Rng(103);
        for (int n : sizes(rng)) {
            float[] x = signedInputs(rng, n);
            float[] dy = randomFloats(rng, n);
            double[] ref = new double[n];
            BlasReference.reluBackward(toDouble(x), toDouble(dy), ref);
            try (DeviceBuffer bx = upload(d, x, n); DeviceBuffer bdy = upload(d, dy, n);
                 DeviceBuffer bdx = upload(d, null, n + GUARD)) {
                d.launch(k, grid(n), BLOCK, 0, KernelArgs.of().ptr(bx).ptr(bdy).ptr(bdx).i32(n));
                d.synchronize();
                assertGuardUntouched("relu_backward", bdx, n);
                assertMatches("relu_backward n=" + n + " on " + device, download(bdx, n), ref, TOLERANCE);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void reluBackwardSelectsRatherThanMultiplies(String device) {
        KernelLibrary lib = library(device);
        Device d = lib.device();
        float[] x = {1f, -1f, 0f, Float.NaN, 2f};
        float[] dy = {3f, Float.POSITIVE_INFINITY, Float.NaN, 5f, -4f};
        try (DeviceBuffer bx = upload(d, x, 5); DeviceBuffer bdy = upload(d, dy, 5); DeviceBuffer bdx = upload(d, null, 5)) {
            d.launch(lib.kernel("elementwise", "relu_backward"), Dim3.of(1), Dim3.of(32), 0,
                    KernelArgs.of().ptr(bx).ptr(bdy).ptr(bdx).i32(5));
            d.synchronize();
            float[] dx = download(bdx, 5);
            double[] ref = new double[5];
            BlasReference.reluBackward(toDouble(x), toDouble(dy), ref);
            for (int i = 0; i < 5; i++) {
                assertEquals(ref[i], dx[i], 0.0, "element " + i);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ axpy

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void axpyMatchesReference(String device) {
        KernelLibrary lib = library(device);
        Device d = lib.device();
        Kernel k = lib.kernel("elementwise", "axpy");
        Rng rng = new Rng(104);
        for (int n : sizes(rng)) {
            float a = (float) rng.uniform(-2, 2);
            float[] x = randomFloats(rng, n);
            float[] y = randomFloats(rng, n);
            double[] ref = toDouble(y);
            BlasReference.axpy(n, a, toDouble(x), ref);
            // y is read and written; the guard past n is poisoned and must stay so
            try (DeviceBuffer bx = upload(d, x, n); DeviceBuffer by = upload(d, y, n + GUARD)) {
                d.launch(k, grid(n), BLOCK, 0, KernelArgs.of().i32(n).f32(a).ptr(bx).ptr(by));
                d.synchronize();
                assertGuardUntouched("axpy", by, n);
                assertMatches("axpy n=" + n + " a=" + a + " on " + device, download(by, n), ref, TOLERANCE);
            }
        }
    }

    // --------------------------------------------------------------------- the checker can fail

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void checkerFailsWhenOneElementStaysUnwritten(String device) {
        KernelLibrary lib = library(device);
        Rng rng = new Rng(105);
        int n = 129;
        float[] x = signedInputs(rng, n);
        double[] ref = new double[n];
        BlasReference.reluForward(toDouble(x), ref);
        float[] y = runReluForward(lib, x, n - 1, grid(n));   // the kernel is told n - 1: the last element stays poisoned
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> assertMatches("relu_forward, last element unwritten", y, ref, TOLERANCE));
        assertTrue(e.getMessage().contains("[128]") && e.getMessage().contains("poison"), e.getMessage());
    }

    @Test
    void checkerRejectsNaNAndLargeErrorsAndAcceptsSmallOnes() {
        double[] ref = {1, 2, 3};
        assertThrows(AssertionFailedError.class, () -> assertMatches("nan", new float[] {1, Float.NaN, 3}, ref, TOLERANCE));
        assertThrows(AssertionFailedError.class, () -> assertMatches("inf", new float[] {1, 2, Float.POSITIVE_INFINITY}, ref, TOLERANCE));
        assertThrows(AssertionFailedError.class, () -> assertMatches("off", new float[] {1, 2, 3.001f}, ref, TOLERANCE));
        assertMatches("ulp", new float[] {1, 2, Math.nextUp(3f)}, ref, TOLERANCE);
        double[] nanRef = {Double.NaN};
        assertThrows(AssertionFailedError.class, () -> assertMatches("nan ref", new float[] {Float.NaN}, nanRef, TOLERANCE));
    }
}
