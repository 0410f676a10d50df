package org.lde.device.emu;

import org.lde.device.Kernel;
import org.lde.device.Module;

/** An entry point of an {@link EmuModule}, already decoded. */
final class EmuKernel implements Kernel {
    final EmuModule module;
    final DecodedKernel decoded;
    /** CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES as set by {@code EmulatedDevice.setMaxDynamicSharedBytes}; -1: the default. */
    int maxDynamicShared = -1;

    EmuKernel(EmuModule module, DecodedKernel decoded) {
        this.module = module;
        this.decoded = decoded;
    }

    @Override
    public String name() {
        return decoded.name;
    }

    @Override
    public Module module() {
        return module;
    }

    /** Static shared memory of the kernel (everything before its dynamic shared window). */
    int staticSharedBytes() {
        return decoded.dynSharedOffset >= 0 ? decoded.dynSharedOffset : decoded.staticShared;
    }

    /** Number of decoded instructions (for tests and diagnostics). */
    int instructionCount() {
        return decoded.code.length;
    }

    @Override
    public String toString() {
        return "EmuKernel[" + module.name() + ":" + decoded.name + "]";
    }
}
