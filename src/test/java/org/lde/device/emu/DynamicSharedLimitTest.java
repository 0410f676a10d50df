package org.lde.device.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.DeviceException;
import org.lde.device.Dim3;
import org.lde.device.Kernel;
import org.lde.device.KernelArgs;
import org.lde.device.SharedMemoryLimits;

/**
 * The dynamic shared memory attribute on the emulator: a launch above 48 KiB (less the kernel's static
 * shared memory) fails until {@link Device#setMaxDynamicSharedBytes} raises the kernel's limit, as
 * {@code CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES} on a GPU; the rules are
 * {@link SharedMemoryLimits}', which {@code CudaDevice} applies too.
 */
class DynamicSharedLimitTest {

    /** Thread t writes t + 1 at word n - 1 - t of the dynamic window, then reads word t back: out[t] = n - t. */
    static final String PTX = Kernels.HEADER + String.join("\n",
            ".extern .shared .align 16 .b8 dyn[];",
            ".visible .entry rev(.param .u64 out, .param .u32 n, .param .u32 stride)",
            "{",
            "  .reg .b32 %r<12>;",
            "  .reg .b64 %rd<4>;",
            "  .shared .align 4 .b8 fixed[1024];",
            "  mov.u32 %r1, %tid.x;",
            "  ld.param.u32 %r2, [n];",
            "  ld.param.u32 %r9, [stride];",
            "  mov.u32 %r3, dyn;",
            "  sub.s32 %r4, %r2, %r1;",
            "  sub.s32 %r4, %r4, 1;",
            "  mul.lo.s32 %r4, %r4, %r9;",
            "  shl.b32 %r4, %r4, 2;",
            "  add.s32 %r5, %r3, %r4;",
            "  add.s32 %r6, %r1, 1;",
            "  st.shared.u32 [%r5], %r6;",
            "  shl.b32 %r10, %r1, 2;",                 // each thread its own word of the static array (no race)
            "  mov.u32 %r11, fixed;",
            "  add.s32 %r10, %r11, %r10;",
            "  st.shared.u32 [%r10], %r6;",
            "  bar.sync 0;",
            "  mul.lo.s32 %r7, %r1, %r9;",
            "  shl.b32 %r7, %r7, 2;",
            "  add.s32 %r7, %r3, %r7;",
            "  ld.shared.u32 %r8, [%r7];",
            "  ld.param.u64 %rd1, [out];",
            "  mul.wide.u32 %rd2, %r1, 4;",
            "  add.s64 %rd3, %rd1, %rd2;",
            "  st.global.u32 [%rd3], %r8;",
            "  ret;",
            "}");

    @Test
    void aLaunchAbove48KiBNeedsTheAttribute() {
        int threads = 128;
        int stride = 200;                                   // words between two threads' cells
        int dynamic = 4 * ((threads - 1) * stride + 1);     // 101604 bytes: above 48 KiB
        try (EmulatedDevice dev = new EmulatedDevice(); DeviceBuffer out = dev.allocate(4L * threads)) {
            Kernel k = dev.loadModule("rev.ptx", PTX).kernel("rev");
            assertEquals(48 * 1024 - 1024, dev.maxDynamicSharedBytes(k), "default: 48 KiB less the 1 KiB static array");
            KernelArgs args = KernelArgs.of().ptr(out).i32(threads).i32(stride);
            DeviceException refused = assertThrows(DeviceException.class,
                    () -> dev.launch(k, Dim3.of(1), Dim3.of(threads), dynamic, args));
            assertTrue(refused.getMessage().contains("101604 bytes of dynamic shared memory exceed the kernel's limit of 48128 bytes")
                    && refused.getMessage().contains("CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES")
                    && refused.getMessage().contains("kernel rev (module rev.ptx)"), refused.getMessage());

            Device.allowDynamicShared(dev, k, dynamic);          // the CUDA idiom: raise the attribute, then launch
            assertEquals(dynamic, dev.maxDynamicSharedBytes(k));
            out.fill32(DeviceBuffer.POISON);
            dev.launch(k, Dim3.of(1), Dim3.of(threads), dynamic, args);
            int[] o = new int[threads];
            out.read(o);
            for (int t = 0; t < threads; t++) {
                assertEquals(threads - t, o[t], "thread " + t + " reads what thread " + (threads - 1 - t) + " wrote");
            }
            // at or under the raised limit still works; above it is refused again
            assertThrows(DeviceException.class, () -> dev.launch(k, Dim3.of(1), Dim3.of(threads), dynamic + 4, args));
        }
    }

    @Test
    void theLimitCannotExceedTheOptInSharedMemory() {
        try (EmulatedDevice dev = new EmulatedDevice()) {
            Kernel k = dev.loadModule("rev.ptx", PTX).kernel("rev");
            int most = EmulatedDevice.MAX_SHARED_BYTES - 1024;
            dev.setMaxDynamicSharedBytes(k, most);
            DeviceException e = assertThrows(DeviceException.class, () -> dev.setMaxDynamicSharedBytes(k, most + 1));
            assertTrue(e.getMessage().contains("with its 1024 bytes of static shared memory a block may use at most 232448 bytes")
                    && e.getMessage().contains("at most " + most + " bytes of dynamic shared memory"), e.getMessage());
            assertThrows(DeviceException.class, () -> dev.setMaxDynamicSharedBytes(k, -1));
            assertEquals(most, dev.maxDynamicSharedBytes(k), "a refused setting changes nothing");
        }
    }

    @Test
    void rulesShareOneSource() {
        assertEquals(49152, SharedMemoryLimits.defaultLimit(0));
        assertEquals(0, SharedMemoryLimits.defaultLimit(60_000));
        assertEquals("", SharedMemoryLimits.launchRefusal(49152, 49152, 0));
        assertTrue(SharedMemoryLimits.launchRefusal(49153, 49152, 0).startsWith("49153 bytes of dynamic shared memory exceed"));
        assertEquals("", SharedMemoryLimits.attributeRefusal(65536 - 100, 100, 65536));   // sm_75's opt-in limit
        assertTrue(SharedMemoryLimits.attributeRefusal(65536, 100, 65536).contains("at most 65436 bytes"));
    }
}
