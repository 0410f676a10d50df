package org.lde.device;

/**
 * The dynamic shared memory rules of a CUDA launch, in one place for both devices
 * ({@code CudaDevice} and the emulator), so that a launch the emulator accepts is one a GPU accepts:
 * <ul>
 *   <li>a kernel's {@code CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES} starts at
 *       {@code 48 KiB - static} ({@link #defaultLimit});</li>
 *   <li>a launch asking for more dynamic shared memory than that attribute fails
 *       ({@link #launchRefusal});</li>
 *   <li>the attribute may be raised up to the device's opt-in limit less the kernel's static shared
 *       memory ({@link #attributeRefusal}; {@code CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN}).</li>
 * </ul>
 */
public final class SharedMemoryLimits {

    private SharedMemoryLimits() {
    }

    /** The attribute's value before anyone sets it: {@code max(0, 48 KiB - staticBytes)}. */
    public static int defaultLimit(int staticBytes) {
        return Math.max(0, Device.DEFAULT_SHARED_BYTES - staticBytes);
    }

    /**
     * Why a launch asking for {@code dynamicBytes} is refused under the kernel's current {@code limit}, or
     * the empty string when it is allowed.
     */
    public static String launchRefusal(int dynamicBytes, int limit, int staticBytes) {
        if (dynamicBytes < 0) {
            return "negative dynamic shared memory " + dynamicBytes;
        }
        if (dynamicBytes <= limit) {
            return "";
        }
        return dynamicBytes + " bytes of dynamic shared memory exceed the kernel's limit of " + limit
                + " bytes (CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES: " + Device.DEFAULT_SHARED_BYTES + " less its "
                + staticBytes + " bytes of static shared memory unless raised with Device.setMaxDynamicSharedBytes,"
                + " as a GPU requires)";
    }

    /**
     * Why the attribute cannot be set to {@code bytes} for a kernel with {@code staticBytes} of static
     * shared memory on a device whose opt-in limit per block is {@code optInLimit}, or the empty string.
     */
    public static String attributeRefusal(int bytes, int staticBytes, int optInLimit) {
        if (bytes < 0) {
            return "a negative limit " + bytes;
        }
        if ((long) staticBytes + bytes > optInLimit) {
            return "with its " + staticBytes + " bytes of static shared memory a block may use at most " + optInLimit
                    + " bytes in all (the device's CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN), so at most "
                    + Math.max(0, optInLimit - staticBytes) + " bytes of dynamic shared memory, not " + bytes;
        }
        return "";
    }
}
