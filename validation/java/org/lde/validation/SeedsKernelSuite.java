package org.lde.validation;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.KernelLibrary;
import org.lde.engine.Seeds;
import org.lde.engine.cpu.KernelReference;
import org.lde.engine.gpu.GpuKernels;
import org.lde.tensor.Rng;

/**
 * kernels/seeds.cu ({@code seeds_identity}, {@code seeds_margin}) against {@link KernelReference}
 * (and the host {@link Seeds}) on every device, outputs poisoned, sizes that are not multiples of the
 * block, including a = b (the zero seed).
 */
class SeedsKernelSuite extends AbstractKernelSuite {

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void identitySeedsMatchReference(String device) {
        KernelLibrary lib = library(device);
        Device d = lib.device();
        GpuKernels k = new GpuKernels(lib);
        for (int[] c : new int[][] {{1, 1}, {1, 2}, {3, 10}, {9, 7}, {17, 13}}) {
            int n = c[0], cl = c[1];
            double[] ref = new double[n * cl * cl];
            KernelReference.seedsIdentity(n, cl, ref);
            org.junit.jupiter.api.Assertions.assertArrayEquals(Seeds.identity(n, cl).data(), ref, 0.0);
            try (DeviceBuffer out = upload(d, null, ref.length)) {
                k.seedsIdentity(out, n, cl);
                d.synchronize();
                assertMatches("seeds_identity N=" + n + " C=" + cl + " on " + device, download(out, ref.length), ref, 0.0);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void marginSeedsMatchReference(String device) {
        KernelLibrary lib = library(device);
        Device d = lib.device();
        GpuKernels k = new GpuKernels(lib);
        Rng rng = new Rng(401);
        for (int[] c : new int[][] {{1, 2}, {5, 3}, {9, 10}, {300, 7}}) {
            int n = c[0], cl = c[1];
            int[] a = new int[n];
            int[] b = new int[n];
            for (int i = 0; i < n; i++) {
                a[i] = rng.nextInt(cl);
                b[i] = i % 4 == 0 ? a[i] : rng.nextInt(cl);
            }
            double[] ref = new double[n * cl];
            KernelReference.seedsMargin(a, b, n, cl, ref);
            org.junit.jupiter.api.Assertions.assertArrayEquals(Seeds.margin(a, b, cl).data(), ref, 0.0);
            try (DeviceBuffer da = d.allocate(4L * n); DeviceBuffer db = d.allocate(4L * n); DeviceBuffer out = upload(d, null, ref.length)) {
                da.write(a);
                db.write(b);
                k.seedsMargin(da, db, out, n, cl);
                d.synchronize();
                assertMatches("seeds_margin N=" + n + " C=" + cl + " on " + device, download(out, ref.length), ref, 0.0);
            }
        }
    }
}
