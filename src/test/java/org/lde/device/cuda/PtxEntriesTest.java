package org.lde.device.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lde.device.KernelArgs;
import org.lde.device.KernelLibrary;

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
        assertTrue(wrongCount.contains("expects 4 arguments") && wrongCount.contains("got 1"), wrongCount);
    }

    @Test
    void parsesArraysAlignmentAndEmptyLists() {
        String ptx = "// .entry fake(.param .u32 x)\n"
                + ".visible .entry k0()\n{ ret; }\n"
                + ".visible .entry k1(\n\t.param .align 8 .b8 k1_param_0[16],\n\t.param .s64 k1_param_1\n)\n.maxntid 256, 1, 1\n{ ret; }\n";
        Map<String, List<PtxEntries.Param>> e = PtxEntries.parse(ptx);
        assertEquals(List.of("k0", "k1"), List.copyOf(e.keySet()));
        assertEquals(List.of(), e.get("k0"));
        assertEquals(List.of(new PtxEntries.Param("k1_param_0", "array"), new PtxEntries.Param("k1_param_1", "s64")), e.get("k1"));
        String m = PtxEntries.mismatch(e.get("k1"), List.of(new KernelArgs.I64(1), new KernelArgs.I64(2)));
        assertTrue(m.contains("argument 0") && m.contains(".array"), m);
    }
}
