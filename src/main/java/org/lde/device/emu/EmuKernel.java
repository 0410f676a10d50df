package org.lde.device.emu;

import org.lde.device.Kernel;
import org.lde.device.Module;

/** An entry point of an {@link EmuModule}, already decoded. */
final class EmuKernel implements Kernel {
    final EmuModule module;
    final DecodedKernel decoded;

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

    /** Number of decoded instructions (for tests and diagnostics). */
    int instructionCount() {
        return decoded.code.length;
    }

    @Override
    public String toString() {
        return "EmuKernel[" + module.name() + ":" + decoded.name + "]";
    }
}
