package org.lde.device.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lde.device.DeviceBuffer;
import org.lde.device.DeviceException;
import org.lde.device.Dim3;
import org.lde.device.KernelArgs;
import org.lde.device.KernelLibrary;
import org.lde.device.emu.EmulatedDevice;

/** The launch-argument check of CudaDevice, which runs without a GPU (it reads the PTX text only). */
class PtxEntriesTest {

    @Test
    void readsTheEntriesOfTheGeneratedGemmModule() {
        Map<String, List<PtxEntries.Param>> e = PtxEntries.parse(KernelLibrary.ptx("gemm"));
        assertEquals(List.of("sgemm_nn", "sgemm_nt", "sgemm_tn"), e.keySet().stream().sorted().toList());
        List<String> types = e.get("sgemm_nn").stream().map(PtxEntries.Param::type).toList();
        assertEquals(List.of("u32", "u32", "u32", "f32", "u64", "u32", "u64", "u32", "f32", "u64", "u32"), types);
    }

    @Test
    void acceptsMatchingArgumentsAndNamesTheFirstMismatch() {
        List<PtxEntries.Param> axpy = PtxEntries.parse(KernelLibrary.ptx("elementwise")).get("axpy");
        assertEquals(4, axpy.size());
        // (int n, float a, const float* x, float* y); a null-free stand-in buffer is not needed: only types are checked
        assertEquals("", PtxEntries.mismatch(axpy, List.of(new KernelArgs.I32(3), new KernelArgs.F32(2f),
                new KernelArgs.I64(0), new KernelArgs.I64(0))));
        String wrongType = PtxEntries.mismatch(axpy, List.of(new KernelArgs.I32(3), new KernelArgs.F64(2),
                new KernelArgs.I64(0), new KernelArgs.I64(0)));
        assertTrue(wrongType.contains("argument 1") && wrongType.contains(".f32") && wrongType.contains("F64"), wrongType);
        String wrongCount = PtxEntries.mismatch(axpy, List.of(new KernelArgs.I32(3)));
        assertTrue(wrongCount.contains("expects 4 parameters") && wrongCount.contains("got 1"), wrongCount);
    }

    static final String STRUCTS = ".version 8.0\n.target sm_75\n.address_size 64\n"
            + "// .entry fake(.param .u32 x)\n"
            + ".visible .entry k0()\n{ ret; }\n"
            + ".visible .entry k1(\n\t.param .align 8 .b8 k1_param_0[16],\n\t.param .s64 k1_param_1\n)\n.maxntid 256, 1, 1\n{ ret; }\n"
            + ".visible .entry k2(\n\t.param .align 4 .b8 k2_param_0[12],\n\t.param .f32 k2_param_1,\n\t.param .b32 k2_param_2\n)\n{ ret; }\n"
            + ".visible .entry k3(\n\t.param .u16 k3_param_0\n)\n{ ret; }\n"
            + ".visible .entry k4(\n\t.param .u64 k4_param_0,\n\t.param .b64 k4_param_1,\n\t.param .f64 k4_param_2\n)\n{ ret; }\n";

    @Test
    void parsesArraysAlignmentAndEmptyListsAndPacksStructs() {
        Map<String, List<PtxEntries.Param>> e = PtxEntries.parse(STRUCTS);
        assertEquals(List.of("k0", "k1", "k2", "k3", "k4"), List.copyOf(e.keySet()));
        assertEquals(List.of(), e.get("k0"));
        assertEquals(List.of(new PtxEntries.Param("k1_param_0", "array", 16), new PtxEntries.Param("k1_param_1", "s64", 8)), e.get("k1"));
        // struct {int a; double b;} by value: the double goes to its natural alignment (byte 8)
        List<Object> values = PtxEntries.layout(e.get("k1"), List.of(new KernelArgs.I32(7), new KernelArgs.F64(2.5), new KernelArgs.I64(9)));
        ByteBuffer want = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 7).putDouble(8, 2.5);
        assertArrayEquals(want.array(), (byte[]) values.get(0));
        assertEquals(new KernelArgs.I64(9), values.get(1));
        String overrun = PtxEntries.mismatch(e.get("k1"), List.of(new KernelArgs.I32(1), new KernelArgs.I32(2), new KernelArgs.I32(3),
                new KernelArgs.I64(4)));
        assertTrue(overrun.contains("argument 3 (I64) overruns the 16-byte array parameter 0 (k1_param_0) at byte 16"), overrun);
    }

    /**
     * The emulator and CudaDevice accept and refuse the same launches: each case is launched on the
     * emulator (a kernel that only returns) and checked by {@link PtxEntries#mismatch}; both must agree.
     */
    @Test
    void theEmulatorAndPtxEntriesAgreeOnEveryParameterKind() {
        try (EmulatedDevice dev = new EmulatedDevice(); DeviceBuffer buf = dev.allocate(64)) {
            var module = dev.loadModule("structs.ptx", STRUCTS);
            Map<String, List<PtxEntries.Param>> e = PtxEntries.parse(STRUCTS);
            record Case(String kernel, KernelArgs args, boolean accepted) {
            }
            List<Case> cases = List.of(
                    new Case("k0", KernelArgs.of(), true),
                    new Case("k0", KernelArgs.of().i32(1), false),
                    new Case("k1", KernelArgs.of().i32(1).i32(2).i64(3).i64(4), true),          // 4 + 4 + 8 bytes, then the s64
                    new Case("k1", KernelArgs.of().i32(1).f64(2).i64(4), true),                 // the double aligned to byte 8
                    new Case("k1", KernelArgs.of().i64(1).i64(2), false),                       // the struct takes both: no s64 left
                    new Case("k1", KernelArgs.of().ptr(buf).i64(2).i64(3), false),              // no pointer inside a struct
                    new Case("k1", KernelArgs.of().i32(1).i32(2).i32(3).f32(4).ptr(buf), true), // a pointer for the s64
                    new Case("k2", KernelArgs.of().i32(1).f32(2).i32(3).f32(4).i32(5), true),
                    new Case("k2", KernelArgs.of().i32(1).f32(2).i32(3).f32(4).f32(5), false),  // .b32 takes an i32 only
                    new Case("k2", KernelArgs.of().i32(1).i64(2).f32(4).i32(5), false),         // 8 bytes at byte 8 overrun 12
                    new Case("k3", KernelArgs.of().i32(1), false),                              // .u16: nothing expresses it
                    new Case("k4", KernelArgs.of().ptr(buf).i64(2).f64(3), true),
                    new Case("k4", KernelArgs.of().ptr(buf).f64(2).f64(3), false),              // .b64 takes a ptr or i64
                    new Case("k4", KernelArgs.of().ptr(buf).i64(2).i64(3), false),
                    new Case("k4", KernelArgs.of().ptr(buf).i64(2).f64(3).i32(0), false));      // one argument too many
            for (Case c : cases) {
                String mismatch = PtxEntries.mismatch(e.get(c.kernel()), c.args().args());
                String emulator = "";
                try {
                    dev.launch(module.kernel(c.kernel()), Dim3.of(1), Dim3.of(1), 0, c.args());
                } catch (DeviceException ex) {
                    emulator = ex.getMessage();
                }
                String what = c.kernel() + " " + c.args().args() + ": PtxEntries '" + mismatch + "', emulator '" + emulator + "'";
                assertEquals(c.accepted(), mismatch.isEmpty(), what);
                assertEquals(c.accepted(), emulator.isEmpty(), what);
            }
        }
    }
}
