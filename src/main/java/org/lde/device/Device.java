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

    /**
     * Dynamic shared memory a kernel may ask for at launch without raising its limit: 48 KiB less the
     * kernel's static shared memory, as on every CUDA GPU since Volta (the default value of
     * {@code CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES}).
     */
    int DEFAULT_SHARED_BYTES = 48 * 1024;

    /**
     * The most dynamic shared memory a launch of {@code kernel} may ask for now: the kernel's
     * {@code CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES}, {@code 48 KiB - static} until raised by
     * {@link #setMaxDynamicSharedBytes}. A launch above it fails (on a GPU and on the emulator alike).
     */
    int maxDynamicSharedBytes(Kernel kernel);

    /**
     * Sets the kernel's {@code CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES} to {@code bytes} (a launch
     * asking for more than 48 KiB needs this first). The kernel's static shared memory plus {@code bytes}
     * must not exceed the device's opt-in limit ({@code CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN}:
     * 227 KiB on sm_90 and on the emulator, 64 KiB on sm_75).
     *
     * @throws DeviceException naming the kernel, its static shared memory and the device's limit when too large
     */
    void setMaxDynamicSharedBytes(Kernel kernel, int bytes);

    /**
     * Raises {@code kernel}'s dynamic shared memory limit to {@code bytes} when a launch will ask for more
     * than the limit allows (the CUDA idiom before a launch above 48 KiB); does nothing otherwise.
     */
    static void allowDynamicShared(Device device, Kernel kernel, int bytes) {
        if (bytes > device.maxDynamicSharedBytes(kernel)) {
            device.setMaxDynamicSharedBytes(kernel, bytes);
        }
    }

    /** Waits for all launched work and reports any asynchronous error. */
    void synchronize();

    /** Counters of the last launch where the device keeps them (the emulator); empty otherwise. */
    default java.util.Optional<LaunchProfile> lastProfile() {
        return java.util.Optional.empty();
    }

    @Override
    void close();
}
