package org.lde.device;

/**
 * A place where kernels run: a CUDA GPU ({@code device.cuda.CudaDevice}) or the PTX emulator
 * ({@code device.emu.EmulatedDevice}). Both run the same PTX text. All memory a device hands
 * out is freed by closing the buffer (or the device). Errors are {@link DeviceException}s that
 * name the module, kernel and launch shape where there is one.
 */
public interface Device extends AutoCloseable {

    /** A one-line description, e.g. {@code "NVIDIA H100 (sm_90, 80 GiB)"} or {@code "PTX emulator"}. */
    String name();

    /** Allocates {@code bytes} of global memory (contents undefined until written). */
    DeviceBuffer allocate(long bytes);

    /** Loads a PTX module; {@code name} is used in error messages (e.g. {@code gemm.ptx}). */
    Module loadModule(String name, String ptx);

    /**
     * Launches {@code kernel} on a {@code grid} of blocks of {@code block} threads with
     * {@code dynamicSharedBytes} of dynamic shared memory. The launch may be asynchronous;
     * errors surface here or at the next {@link #synchronize()}.
     */
    void launch(Kernel kernel, Dim3 grid, Dim3 block, int dynamicSharedBytes, KernelArgs args);

    /** Waits for all launched work and reports any asynchronous error. */
    void synchronize();

    /** Counters of the last launch where the device keeps them (the emulator); empty otherwise. */
    default java.util.Optional<LaunchProfile> lastProfile() {
        return java.util.Optional.empty();
    }

    @Override
    void close();
}
