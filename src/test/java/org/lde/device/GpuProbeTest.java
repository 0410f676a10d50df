package org.lde.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpuProbeTest {

    @TempDir
    Path tmp;

    private static GpuProbe.DriverQuery mustNotBeCalled(AtomicInteger calls) {
        return () -> {
            calls.incrementAndGet();
            throw new AssertionError("the driver must not be queried when libcuda.so.1 is absent");
        };
    }

    private Path fakeLibrary(String dir) throws IOException {
        Path d = Files.createDirectories(tmp.resolve(dir));
        return Files.writeString(d.resolve(GpuProbe.DRIVER_LIBRARY), "not really a library");
    }

    @Test
    void noLibraryMeansNoGpuWithoutTouchingTheDriver() {
        AtomicInteger calls = new AtomicInteger();
        GpuProbe probe = new GpuProbe(Optional::empty, Map.of("LD_LIBRARY_PATH", tmp.toString()),
                List.of(tmp.resolve("lib64")), mustNotBeCalled(calls));
        GpuProbe.Result r = probe.probe();
        assertFalse(r.usable());
        assertEquals(0, r.deviceCount());
        assertTrue(r.reason().contains("libcuda.so.1 was not found"), r.reason());
        assertTrue(r.reason().contains(tmp.resolve("lib64").toString()), "the reason lists the searched directories: " + r.reason());
        assertEquals(0, calls.get());
    }

    @Test
    void stubsDirectoryIsNeverAccepted() throws IOException {
        Path stub = fakeLibrary("cuda/lib64/stubs");
        AtomicInteger calls = new AtomicInteger();
        String ldconfig = "\t" + GpuProbe.DRIVER_LIBRARY + " (libc6,x86-64) => " + stub + "\n";
        GpuProbe probe = new GpuProbe(() -> Optional.of(ldconfig), Map.of("LD_LIBRARY_PATH", stub.getParent().toString()),
                List.of(stub.getParent()), mustNotBeCalled(calls));
        assertEquals(Optional.empty(), probe.findDriverLibrary());
        assertFalse(probe.probe().usable());
        assertEquals(0, calls.get());
    }

    @Test
    void libraryOnLdLibraryPathIsFoundAndTheDriverIsAsked() throws IOException {
        Path lib = fakeLibrary("drv");
        GpuProbe probe = new GpuProbe(Optional::empty, Map.of("LD_LIBRARY_PATH", "/nonexistent:" + lib.getParent()),
                List.of(), () -> 2);
        GpuProbe.Result r = probe.probe();
        assertTrue(r.usable(), r.reason());
        assertEquals(2, r.deviceCount());
        assertTrue(r.reason().contains(lib.toString()), r.reason());
    }

    @Test
    void driverFailureIsAReasonNotAnException() throws IOException {
        Path lib = fakeLibrary("drv");
        GpuProbe probe = new GpuProbe(Optional::empty, Map.of(), List.of(lib.getParent()), () -> {
            throw new UnsatisfiedLinkError("libJCudaDriver: cannot open shared object");
        });
        GpuProbe.Result r = probe.probe();
        assertFalse(r.usable());
        assertTrue(r.reason().contains("could not be initialised") && r.reason().contains("UnsatisfiedLinkError"), r.reason());
    }

    @Test
    void zeroDevicesIsNotUsable() throws IOException {
        Path lib = fakeLibrary("drv");
        GpuProbe.Result r = new GpuProbe(Optional::empty, Map.of(), List.of(lib.getParent()), () -> 0).probe();
        assertFalse(r.usable());
        assertTrue(r.reason().contains("no CUDA device"), r.reason());
    }

    @Test
    void ldconfigCacheIsReadForThisArchitectureOnly() throws IOException {
        Path lib64 = fakeLibrary("x64");
        Path lib32 = fakeLibrary("x32");
        String text = "1234 libs found in cache `/etc/ld.so.cache'\n"
                + "\tlibcudart.so.13 (libc6,x86-64) => /usr/local/cuda/lib/libcudart.so.13\n"
                + "\tlibcuda.so.1 (libc6) => " + lib32 + "\n"
                + "\tlibcuda.so.1 (libc6,x86-64) => " + lib64 + "\n"
                + "\tlibcuda.so (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so\n";
        assertEquals(List.of(lib64), GpuProbe.parseLdconfig(text, "amd64"));
        assertEquals(List.of(lib32, lib64), GpuProbe.parseLdconfig(text, "riscv64"));
    }

    @Test
    void stubDetectionLooksAtWholePathComponents() {
        assertTrue(GpuProbe.isStub(Path.of("/usr/local/cuda/lib64/stubs/libcuda.so.1")));
        assertFalse(GpuProbe.isStub(Path.of("/opt/mystubsdir/libcuda.so.1")));
    }

    @Test
    void thisMachineHasNoGpuAndSaysWhy() {
        // The build machine has no NVIDIA driver; the probe must say so, without throwing.
        GpuProbe.Result r = Devices.probe();
        if (r.usable()) {
            return;   // running on a GPU machine: nothing to check here
        }
        assertEquals(0, r.deviceCount());
        assertFalse(r.reason().isBlank());
        assertTrue(r.reason().contains("libcuda.so.1"), r.reason());
    }
}
