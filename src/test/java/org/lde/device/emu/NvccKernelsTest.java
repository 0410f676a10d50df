package org.lde.device.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.lde.device.DeviceBuffer;
import org.lde.device.Dim3;
import org.lde.device.Kernel;
import org.lde.device.KernelArgs;
import org.lde.device.LaunchProfile;
import org.lde.device.Module;

/** Kernels compiled by nvcc (src/test/cuda) against plain Java loops. */
class NvccKernelsTest {

    private static float[] randoms(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian());
        }
        return x;
    }

    @Test
    void reluMatchesJavaAndCountsInstructions() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            Module m = dev.loadModule("elementwise.ptx", TestPtx.resource("elementwise.ptx"));
            Kernel k = m.kernel("relu_fwd");
            int n = 1000;
            float[] x = randoms(new Random(1), n);
            x[3] = Float.NaN;
            x[4] = -0.0f;
            try (DeviceBuffer bx = dev.allocate(4L * n); DeviceBuffer by = dev.allocate(4L * n)) {
                bx.write(x);
                by.fill32(DeviceBuffer.POISON);
                dev.launch(k, Dim3.of((n + 127) / 128), Dim3.of(128), 0, KernelArgs.of().ptr(bx).ptr(by).i32(n));
                float[] y = new float[n];
                by.read(y);
                for (int i = 0; i < n; i++) {
                    float want = Float.isNaN(x[i]) ? 0f : Math.max(x[i], 0f); // fmaxf ignores NaN
                    assertEquals(want, y[i], 0f, "i=" + i);
                }
                LaunchProfile p = dev.lastProfile().orElseThrow();
                assertEquals(n, p.instructionsByOpcode().get("max.f32"));
                assertEquals(n * 4L, p.globalLoadBytes());
                assertEquals(n * 4L, p.globalStoreBytes());
                // fully coalesced: 1000 floats = 4000 bytes -> 125 sectors
                assertEquals(125, p.globalLoadSectors());
            }
        }
    }

    @Test
    void axpyGridStrideLoop() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            Kernel k = dev.loadModule("elementwise.ptx", TestPtx.resource("elementwise.ptx")).kernel("axpy");
            int n = 3001;
            Random r = new Random(2);
            float[] x = randoms(r, n);
            float[] y = randoms(r, n);
            float a = 1.75f;
            try (DeviceBuffer bx = dev.allocate(4L * n); DeviceBuffer by = dev.allocate(4L * n)) {
                bx.write(x);
                by.write(y);
                dev.launch(k, Dim3.of(3), Dim3.of(96), 0, KernelArgs.of().f32(a).ptr(bx).ptr(by).i32(n));
                float[] out = new float[n];
                by.read(out);
                for (int i = 0; i < n; i++) {
                    float want = Math.fma(a, x[i], y[i]);
                    assertEquals(want, out[i], 0f, "i=" + i);
                }
            }
        }
    }

    @Test
    void tiledSgemmMatchesJava() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            Kernel k = dev.loadModule("sgemm_tiled.ptx", TestPtx.resource("sgemm_tiled.ptx")).kernel("sgemm_tiled");
            int mm = 37;
            int nn = 29;
            int kk = 45;
            Random r = new Random(3);
            float[] a = randoms(r, mm * kk);
            float[] b = randoms(r, kk * nn);
            try (DeviceBuffer ba = dev.allocate(4L * a.length); DeviceBuffer bb = dev.allocate(4L * b.length);
                 DeviceBuffer bc = dev.allocate(4L * mm * nn)) {
                ba.write(a);
                bb.write(b);
                bc.fill32(DeviceBuffer.POISON);
                dev.launch(k, Dim3.of((nn + 15) / 16, (mm + 15) / 16), Dim3.of(16, 16), 0,
                        KernelArgs.of().ptr(ba).ptr(bb).ptr(bc).i32(mm).i32(nn).i32(kk));
                float[] c = new float[mm * nn];
                bc.read(c);
                for (int i = 0; i < mm; i++) {
                    for (int j = 0; j < nn; j++) {
                        double ref = 0;
                        for (int t = 0; t < kk; t++) {
                            ref += (double) a[i * kk + t] * b[t * nn + j];
                        }
                        assertEquals(ref, c[i * nn + j], 1e-4 + 1e-5 * Math.abs(ref), "C[" + i + "," + j + "]");
                    }
                }
                LaunchProfile p = dev.lastProfile().orElseThrow();
                assertTrue(p.sharedAccesses() > 0);
                assertTrue(p.flops() >= 2L * mm * nn * kk, "flops " + p.flops());
            }
        }
    }
}
