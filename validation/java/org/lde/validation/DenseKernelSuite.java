package org.lde.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.KernelLibrary;
import org.lde.engine.cpu.KernelReference;
import org.lde.engine.gpu.GpuKernels;
import org.lde.tensor.Rng;

/**
 * kernels/dense.cu ({@code dense_forward}, {@code dense_forward_relu}, {@code dense_backward_bias})
 * against {@link KernelReference} on every device, launched as GpuBackend launches them
 * ({@link GpuKernels}): outputs poisoned before each launch with a poisoned guard past the end that
 * must stay untouched, shapes (N, IN, OUT) that are not multiples of the 32-wide tiles (1, 7, 33, 45,
 * ...), IN = 0 (Y = b), and fresh random inputs.
 */
class DenseKernelSuite extends AbstractKernelSuite {
    private static final int GUARD = 19;

    private static List<int[]> shapes(Rng rng) {
        List<int[]> s = new ArrayList<>(List.of(new int[] {1, 1, 1}, new int[] {3, 7, 5}, new int[] {33, 17, 45},
                new int[] {9, 0, 4}, new int[] {45, 63, 2}, new int[] {2, 40, 33}));
        s.add(new int[] {1 + rng.nextInt(70), 1 + rng.nextInt(70), 1 + rng.nextInt(70)});
        return s;
    }

    static void assertGuard(String what, DeviceBuffer b, int n) {
        float[] g = new float[GUARD];
        b.read(g, 0, n, GUARD);
        for (int i = 0; i < GUARD; i++) {
            assertEquals(DeviceBuffer.POISON, Float.floatToRawIntBits(g[i]), what + ": element " + (n + i) + " past the end was written");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void forwardWithFusedBiasAndReluMatchesReference(String device) {
        KernelLibrary lib = library(device);
        Device d = lib.device();
        GpuKernels k = new GpuKernels(lib);
        Rng rng = new Rng(201);
        for (int[] sh : shapes(rng)) {
            int n = sh[0], in = sh[1], out = sh[2];
            float[] x = randomFloats(rng, n * in);
            float[] w = randomFloats(rng, out * in);
            float[] b = randomFloats(rng, out);
            for (boolean relu : new boolean[] {false, true}) {
                double[] ref = new double[n * out];
                KernelReference.denseForward(toDouble(x), toDouble(w), toDouble(b), n, in, out, relu, ref);
                try (DeviceBuffer bx = upload(d, x, n * in); DeviceBuffer bw = upload(d, w, out * in);
                     DeviceBuffer bb = upload(d, b, out); DeviceBuffer by = upload(d, null, n * out + GUARD)) {
                    k.denseForward(bx, bw, bb, by, n, in, out, relu);
                    d.synchronize();
                    String what = (relu ? "dense_forward_relu" : "dense_forward") + " N=" + n + " IN=" + in + " OUT=" + out
                            + " on " + device;
                    assertGuard(what, by, n * out);
                    assertMatches(what, download(by, n * out), ref, TOLERANCE);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void backwardBiasIsTheColumnSum(String device) {
        KernelLibrary lib = library(device);
        Device d = lib.device();
        GpuKernels k = new GpuKernels(lib);
        Rng rng = new Rng(202);
        for (int[] sh : shapes(rng)) {
            int rows = sh[0] + sh[1], out = sh[2] + 250;   // OUT beyond one 256-thread block too
            for (int o : new int[] {sh[2], out}) {
                float[] dy = randomFloats(rng, rows * o);
                double[] ref = new double[o];
                KernelReference.columnSums(toDouble(dy), rows, o, ref);
                try (DeviceBuffer bdy = upload(d, dy, rows * o); DeviceBuffer db = upload(d, null, o + GUARD)) {
                    k.denseBackwardBias(bdy, db, rows, o);
                    d.synchronize();
                    String what = "dense_backward_bias rows=" + rows + " OUT=" + o + " on " + device;
                    assertGuard(what, db, o);
                    assertMatches(what, download(db, o), ref, TOLERANCE);
                }
            }
        }
    }
}
