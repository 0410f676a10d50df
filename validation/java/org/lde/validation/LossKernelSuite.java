package org.lde.validation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.KernelLibrary;
import org.lde.engine.cpu.KernelReference;
import org.lde.engine.gpu.GpuKernels;
import org.lde.tensor.Rng;

/**
 * kernels/loss.cu ({@code cross_entropy_forward_backward}, {@code mse_forward_backward}) against
 * {@link KernelReference} on every device: every output poisoned, batch sizes beyond one block and
 * not multiples of it, logits up to |z| = 60 (the stable log-sum-exp must not overflow), ties in the
 * logits (the FIRST maximum counts for {@code correct}).
 */
class LossKernelSuite extends AbstractKernelSuite {

    private static final int[][] SHAPES = {{1, 2}, {3, 10}, {9, 3}, {130, 7}, {257, 1}};

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void crossEntropyMatchesReference(String device) {
        KernelLibrary lib = library(device);
        Device d = lib.device();
        GpuKernels k = new GpuKernels(lib);
        Rng rng = new Rng(501);
        for (int[] s : SHAPES) {
            int n = s[0], c = Math.max(2, s[1]);
            for (double range : new double[] {1, 60}) {
                float[] z = randomFloats(rng, n * c);
                int[] y = new int[n];
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < c; j++) {
                        z[i * c + j] *= (float) range;
                    }
                    if (i % 3 == 0) {
                        z[i * c + c - 1] = z[i * c];   // a tie: the first maximum counts
                    }
                    y[i] = rng.nextInt(c);
                }
                float scale = 1f / n;
                double[] loss = new double[n];
                double[] grad = new double[n * c];
                int[] correct = new int[n];
                KernelReference.crossEntropy(toDouble(z), y, n, c, scale, loss, grad, correct);
                try (DeviceBuffer bz = upload(d, z, z.length); DeviceBuffer by = d.allocate(4L * n);
                     DeviceBuffer bl = upload(d, null, n); DeviceBuffer bg = upload(d, null, n * c); DeviceBuffer bc = upload(d, null, n)) {
                    by.write(y);
                    k.crossEntropy(bz, by, bl, bg, bc, n, c, scale);
                    d.synchronize();
                    String what = "cross_entropy_forward_backward N=" + n + " C=" + c + " |z|<=" + range + " on " + device;
                    assertMatches(what + " loss", download(bl, n), loss, TOLERANCE);
                    assertMatches(what + " grad", download(bg, n * c), grad, TOLERANCE);
                    int[] got = new int[n];
                    bc.read(got);
                    assertArrayEquals(correct, got, what + " correct");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void mseMatchesReference(String device) {
        KernelLibrary lib = library(device);
        Device d = lib.device();
        GpuKernels k = new GpuKernels(lib);
        Rng rng = new Rng(502);
        for (int[] s : SHAPES) {
            int n = s[0], c = s[1];
            float[] z = randomFloats(rng, n * c);
            float[] t = randomFloats(rng, n * c);
            float scale = 1f / (n * c);
            double[] loss = new double[n];
            double[] grad = new double[n * c];
            KernelReference.mse(toDouble(z), toDouble(t), n, c, scale, loss, grad);
            try (DeviceBuffer bz = upload(d, z, z.length); DeviceBuffer bt = upload(d, t, t.length);
                 DeviceBuffer bl = upload(d, null, n); DeviceBuffer bg = upload(d, null, n * c)) {
                k.mse(bz, bt, bl, bg, n, c, scale);
                d.synchronize();
                String what = "mse_forward_backward N=" + n + " C=" + c + " on " + device;
                assertMatches(what + " loss", download(bl, n), loss, TOLERANCE);
                assertMatches(what + " grad", download(bg, n * c), grad, TOLERANCE);
            }
        }
    }
}
