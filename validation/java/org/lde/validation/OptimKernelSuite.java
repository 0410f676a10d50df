package org.lde.validation;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.KernelLibrary;
import org.lde.engine.cpu.KernelReference;
import org.lde.engine.gpu.GpuKernels;
import org.lde.tensor.Rng;

/**
 * kernels/optim.cu ({@code sgd_step}, {@code adam_step}) against {@link KernelReference} (torch.optim's
 * rules) on every device: several consecutive steps (the first SGD step initialises the momentum
 * buffer, Adam's bias corrections change with t), with and without momentum and weight decay, sizes
 * not multiples of the block. Parameters, buffers and moments are all compared after every step.
 */
class OptimKernelSuite extends AbstractKernelSuite {

    private static final int[] SIZES = {1, 7, 255, 257, 1000};

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void sgdStepsMatchReference(String device) {
        KernelLibrary lib = library(device);
        Device d = lib.device();
        GpuKernels k = new GpuKernels(lib);
        Rng rng = new Rng(601);
        double[][] settings = {{0.1, 0, 0}, {0.05, 0.9, 0}, {0.01, 0.5, 0.1}};
        for (int n : SIZES) {
            for (double[] st : settings) {
                float[] p = randomFloats(rng, n);
                double[] rp = toDouble(p);
                double[] rbuf = new double[n];
                try (DeviceBuffer bp = upload(d, p, n); DeviceBuffer buf = upload(d, null, n); DeviceBuffer bg = upload(d, null, n)) {
                    for (int t = 1; t <= 3; t++) {
                        float[] g = randomFloats(rng, n);
                        bg.write(g);
                        KernelReference.sgdStep(toDouble(g), n, (float) st[0], (float) st[1], (float) st[2], t == 1, rp, rbuf);
                        k.sgdStep(bp, bg, buf, n, (float) st[0], (float) st[1], (float) st[2], t == 1);
                        d.synchronize();
                        String what = "sgd_step n=" + n + " lr=" + st[0] + " momentum=" + st[1] + " wd=" + st[2] + " t=" + t + " on " + device;
                        assertMatches(what + " p", download(bp, n), rp, TOLERANCE);
                        if (st[1] != 0) {
                            assertMatches(what + " buf", download(buf, n), rbuf, TOLERANCE);
                        }
                        rp = toDouble(download(bp, n));   // continue from what the device holds
                        if (st[1] != 0) {
                            rbuf = toDouble(download(buf, n));
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void adamStepsMatchReference(String device) {
        KernelLibrary lib = library(device);
        Device d = lib.device();
        GpuKernels k = new GpuKernels(lib);
        Rng rng = new Rng(602);
        double[][] settings = {{1e-3, 0.9, 0.999, 1e-8, 0}, {1e-2, 0.8, 0.99, 1e-6, 0.05}};
        for (int n : SIZES) {
            for (double[] st : settings) {
                float[] p = randomFloats(rng, n);
                double[] rp = toDouble(p);
                double[] rm = new double[n];
                double[] rv = new double[n];
                try (DeviceBuffer bp = upload(d, p, n); DeviceBuffer bm = upload(d, null, n); DeviceBuffer bv = upload(d, null, n);
                     DeviceBuffer bg = upload(d, null, n)) {
                    bm.fill32(0);
                    bv.fill32(0);
                    for (int t = 1; t <= 3; t++) {
                        float[] g = randomFloats(rng, n);
                        bg.write(g);
                        KernelReference.adamStep(toDouble(g), n, t, st[0], st[1], st[2], st[3], st[4], rp, rm, rv);
                        k.adamStep(bp, bg, bm, bv, n, t, st[0], st[1], st[2], st[3], st[4]);
                        d.synchronize();
                        String what = "adam_step n=" + n + " lr=" + st[0] + " betas=" + st[1] + "/" + st[2] + " eps=" + st[3]
                                + " wd=" + st[4] + " t=" + t + " on " + device;
                        assertMatches(what + " p", download(bp, n), rp, TOLERANCE);
                        assertMatches(what + " m", download(bm, n), rm, TOLERANCE);
                        assertMatches(what + " v", download(bv, n), rv, TOLERANCE);
                        rp = toDouble(download(bp, n));
                        rm = toDouble(download(bm, n));
                        rv = toDouble(download(bv, n));
                    }
                }
            }
        }
    }
}
