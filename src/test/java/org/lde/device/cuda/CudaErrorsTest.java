package org.lde.device.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.lde.device.DeviceException;
import org.lde.device.Dim3;

/** The error messages of CudaDevice and its cleanup rule, which run without a GPU. */
class CudaErrorsTest {

    @Test
    void aLaunchIsNamedByKernelModuleAndShape() {
        assertEquals("kernel conv2d_forward of module conv, grid (3,1,2), block (256,1,1), 0 bytes dynamic shared memory",
                CudaErrors.launchShape("conv2d_forward", "conv", new Dim3(3, 1, 2), Dim3.of(256), 0));
    }

    @Test
    void anAsynchronousErrorNamesTheLaunchesItMayBelongTo() {
        CudaErrors.Pending p = new CudaErrors.Pending();
        assertEquals("", p.suspects(), "nothing launched: nothing to blame");
        p.launched("kernel a of module m, grid (1,1,1), block (32,1,1), 0 bytes dynamic shared memory");
        String one = p.suspects();
        assertTrue(one.startsWith("; an asynchronous error of the launch since the last synchronization: kernel a of module m"), one);
        assertTrue(one.contains("-Dlde.device.debug=true"), one);
        for (int i = 0; i < 10; i++) {
            p.launched("kernel k" + i);
        }
        String many = p.suspects();
        assertTrue(many.contains("one of the 11 launches") && many.contains("the last 8 shown, most recent last"), many);
        assertFalse(many.contains("kernel a ") || many.contains("kernel k1;"), "the oldest are dropped: " + many);
        assertTrue(many.contains("kernel k2; kernel k3") && many.contains("kernel k9."), many);
        p.clear();
        assertTrue(p.isEmpty());
        assertEquals("", p.suspects());
    }

    @Test
    void aModuleLoadFailureCarriesTheJitLogs() {
        byte[] buffer = new byte[64];
        byte[] text = "ptxas fatal   : Unresolved extern function 'f'\n".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(text, 0, buffer, 0, text.length);
        buffer[text.length + 3] = 'x';   // after the NUL: not part of the log
        String log = CudaErrors.logText(buffer);
        assertEquals("ptxas fatal   : Unresolved extern function 'f'", log);
        String m = CudaErrors.moduleLoadFailure("cuModuleLoadDataEx(module gemm) on GPU", "CUDA_ERROR_INVALID_PTX", log,
                "ptxas info    : 0 bytes gmem");
        assertTrue(m.startsWith("cuModuleLoadDataEx(module gemm) on GPU failed: CUDA_ERROR_INVALID_PTX (the PTX declares ISA 8.0"), m);
        assertTrue(m.contains("\nJIT error log:\nptxas fatal   : Unresolved extern function 'f'\nJIT info log:\nptxas info    : 0 bytes gmem"), m);
        String none = CudaErrors.moduleLoadFailure("cuModuleLoadDataEx(module x) on GPU", "CUDA_ERROR_OUT_OF_MEMORY", "", "");
        assertEquals("cuModuleLoadDataEx(module x) on GPU failed: CUDA_ERROR_OUT_OF_MEMORY (the JIT compiler wrote no log)", none);
        assertEquals("", CudaErrors.logText(null));
        assertEquals("", CudaErrors.logText(new byte[8]));
    }

    @Test
    void aFaultGetsAHint() {
        assertTrue(CudaErrors.hint("CUDA_ERROR_ILLEGAL_ADDRESS").contains("the CUDA context is unusable"));
        assertTrue(CudaErrors.hint("CUDA_ERROR_NO_BINARY_FOR_GPU").contains("older than Turing"));
        assertEquals("", CudaErrors.hint("CUDA_ERROR_OUT_OF_MEMORY"));
        assertEquals("", CudaErrors.hint(null));
    }

    @Test
    void cleanupNeverMasksTheErrorThatMadeItNecessary() {
        DeviceException fault = new DeviceException("cuCtxSynchronize failed: CUDA_ERROR_ILLEGAL_ADDRESS");
        List<String> ran = new ArrayList<>();
        RuntimeException thrown = CudaErrors.failAfter(fault, List.of(
                () -> {
                    ran.add("free 1");
                    throw new DeviceException("cuMemFree failed: CUDA_ERROR_ILLEGAL_ADDRESS");
                },
                () -> ran.add("free 2"),
                () -> {
                    ran.add("release");
                    throw new IllegalStateException("release failed");
                }));
        assertSame(fault, thrown, "the first error stays the one reported");
        assertEquals(List.of("free 1", "free 2", "release"), ran, "every cleanup ran although one failed");
        assertEquals(2, fault.getSuppressed().length);
        assertTrue(fault.getSuppressed()[0].getMessage().startsWith("cuMemFree failed"));
        assertTrue(fault.getSuppressed()[1].getMessage().equals("release failed"));
    }
}
