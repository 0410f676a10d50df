package org.lde.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class KernelLibraryTest {

    /** A device that only records module loads and unloads. */
    private static final class RecordingDevice implements Device {
        final List<String> loads = new ArrayList<>();
        final List<String> unloads = new ArrayList<>();

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public DeviceBuffer allocate(long bytes) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Module loadModule(String name, String ptx) {
            loads.add(name + ":" + ptx.length());
            return new Module() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public Kernel kernel(String kernelName) {
                    Module self = this;
                    return new Kernel() {
                        @Override
                        public String name() {
                            return kernelName;
                        }

                        @Override
                        public Module module() {
                            return self;
                        }
                    };
                }

                @Override
                public void close() {
                    unloads.add(name);
                }
            };
        }

        @Override
        public void launch(Kernel kernel, Dim3 grid, Dim3 block, int dynamicSharedBytes, KernelArgs args) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int maxDynamicSharedBytes(Kernel kernel) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setMaxDynamicSharedBytes(Kernel kernel, int bytes) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void synchronize() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void ptxResourcesAreTheGeneratedModules() {
        for (String name : List.of("elementwise", "gemm")) {
            String ptx = KernelLibrary.ptx(name);
            assertTrue(ptx.contains("\n.version 8.0\n"), name + ": PTX ISA header must be 8.0 (CUDA 12.0 drivers)");
            assertTrue(ptx.contains("\n.target sm_75\n"), name + ": target must be sm_75 (compute_75)");
            assertTrue(!ptx.contains("/work/") && !ptx.contains("/home/") && !ptx.contains("/tmp/"), name + ": no machine paths");
        }
        String ew = KernelLibrary.ptx("elementwise");
        for (String k : List.of("relu_forward", "relu_backward", "axpy")) {
            assertTrue(ew.contains(".entry " + k + "("), k);
        }
    }

    @Test
    void badOrMissingNamesAreClearErrors() {
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> KernelLibrary.ptx("../gemm"));
        assertTrue(bad.getMessage().contains("'../gemm'"), bad.getMessage());
        DeviceException missing = assertThrows(DeviceException.class, () -> KernelLibrary.ptx("no_such_module"));
        assertTrue(missing.getMessage().contains("/org/lde/kernels/no_such_module.ptx")
                && missing.getMessage().contains("build-kernels.sh"), missing.getMessage());
    }

    @Test
    void modulesAreLoadedOncePerLibraryAndUnloadedOnClose() {
        RecordingDevice d = new RecordingDevice();
        KernelLibrary lib = new KernelLibrary(d);
        Module g1 = lib.module("gemm");
        Module g2 = lib.module("gemm");
        assertSame(g1, g2);
        assertEquals("sgemm_nt", lib.kernel("gemm", "sgemm_nt").name());
        lib.module("elementwise");
        assertEquals(2, d.loads.size(), d.loads.toString());
        assertTrue(d.loads.get(0).startsWith("gemm.ptx:"), d.loads.toString());
        lib.close();
        assertEquals(List.of("gemm.ptx", "elementwise.ptx"), d.unloads);
        lib.close();   // idempotent
        assertEquals(2, d.unloads.size());
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> lib.module("gemm"));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
    }

    @Test
    void aFailedLoadCachesNothing() {
        RecordingDevice d = new RecordingDevice();
        try (KernelLibrary lib = new KernelLibrary(d)) {
            assertThrows(DeviceException.class, () -> lib.module("missing_module"));
            assertEquals(List.of(), d.loads);
        }
    }
}
