package org.lde.engine.gpu;

import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.Dim3;
import org.lde.device.Kernel;
import org.lde.device.KernelArgs;
import org.lde.device.Module;
import org.lde.device.emu.EmulatedDevice;

/** An emulator behind a {@link Device} that tests subclass to change what a launch or a synchronization does. */
class EmulatorWrapper implements Device {
    final EmulatedDevice inner = new EmulatedDevice();

    @Override
    public String name() {
        return "wrapped " + inner.name();
    }

    @Override
    public DeviceBuffer allocate(long bytes) {
        return inner.allocate(bytes);
    }

    @Override
    public Module loadModule(String name, String ptx) {
        return inner.loadModule(name, ptx);
    }

    @Override
    public void launch(Kernel kernel, Dim3 grid, Dim3 block, int dynamicSharedBytes, KernelArgs args) {
        inner.launch(kernel, grid, block, dynamicSharedBytes, args);
    }

    @Override
    public int maxDynamicSharedBytes(Kernel kernel) {
        return inner.maxDynamicSharedBytes(kernel);
    }

    @Override
    public void setMaxDynamicSharedBytes(Kernel kernel, int bytes) {
        inner.setMaxDynamicSharedBytes(kernel, bytes);
    }

    @Override
    public void synchronize() {
        inner.synchronize();
    }

    @Override
    public void close() {
        inner.close();
    }
}
