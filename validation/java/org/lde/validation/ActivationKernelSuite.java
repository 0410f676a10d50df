package org.lde.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.Dim3;
import org.lde.device.KernelArgs;
import org.lde.device.KernelLibrary;
import org.lde.engine.cpu.KernelReference;
import org.lde.engine.gpu.GpuKernels;
import org.lde.tensor.Rng;

/**
 * kernels/activation.cu ({@code relu_backward_seeded}: S gradient rows per sample, row r masked by
 * the recorded input of sample r / S) against {@link KernelReference} on every device: output
 * poisoned with a guard past the end, exact zeros and both signs in the recorded input, sizes and
 * seed counts that are not multiples of anything, the engine's grid and a one-block grid
 * (grid-stride loop), and in place ({@code dx == dy}).
 */
class ActivationKernelSuite extends AbstractKernelSuite {

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void seededReluBackwardMatchesReference(String device) {
        KernelLibrary lib = library(device);
        Device d = lib.device();
        Rng rng = new Rng(301);
        int[][] cases = {{1, 1, 1}, {3, 5, 7}, {2, 10, 129}, {9, 3, 17}, {4, 1, 300}, {1 + rng.nextInt(9), 1 + rng.nextInt(10), 1 + rng.nextInt(400)}};
        for (int[] c : cases) {
            int n = c[0], s = c[1], size = c[2], rows = n * s;
            float[] x = randomFloats(rng, n * size);
            for (int i = 0; i < x.length; i += 5) {
                x[i] = 0f;
            }
            float[] dy = randomFloats(rng, rows * size);
            double[] ref = new double[rows * size];
            KernelReference.reluBackwardSeeded(toDouble(x), toDouble(dy), rows, s, size, ref);
            for (Dim3 grid : new Dim3[] {GpuKernels.grid1d((long) rows * size), Dim3.of(1)}) {
                try (DeviceBuffer bx = upload(d, x, x.length); DeviceBuffer bdy = upload(d, dy, dy.length);
                     DeviceBuffer bdx = upload(d, null, dy.length + 11)) {
                    d.launch(lib.kernel("activation", "relu_backward_seeded"), grid, Dim3.of(256), 0,
                            KernelArgs.of().ptr(bx).ptr(bdy).ptr(bdx).i32(rows).i32(s).i32(size));
                    d.synchronize();
                    String what = "relu_backward_seeded N=" + n + " S=" + s + " size=" + size + " grid=" + grid + " on " + device;
                    float[] tail = new float[11];
                    bdx.read(tail, 0, dy.length, 11);
                    for (float t : tail) {
                        assertEquals(DeviceBuffer.POISON, Float.floatToRawIntBits(t), what + ": wrote past the end");
                    }
                    assertMatches(what, download(bdx, dy.length), ref, TOLERANCE);
                }
            }
            try (DeviceBuffer bx = upload(d, x, x.length); DeviceBuffer b = upload(d, dy, dy.length)) {
                new GpuKernels(lib).reluBackwardSeeded(bx, b, b, rows, s, size);   // in place
                d.synchronize();
                assertMatches("relu_backward_seeded in place on " + device, download(b, dy.length), ref, TOLERANCE);
            }
        }
    }
}
