package org.lde.engine.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.Dim3;
import org.lde.device.Kernel;
import org.lde.device.KernelArgs;
import org.lde.device.KernelLibrary;
import org.lde.device.SharedMemoryLimits;
import org.lde.engine.dual.DualSolverOptions;

/**
 * {@code dual_ascent_box} keeps 6 K + 1 floats of dynamic shared memory: above 48 KiB from K = 2048
 * constraints, where a GPU refuses the launch unless the kernel's dynamic shared memory attribute was
 * raised first. Emulating K = 2100 takes minutes, so the launch is recorded instead of run: the
 * check is that {@link GpuDualSolver} raised the attribute before it launched (the rule the emulator
 * and CudaDevice enforce, {@link SharedMemoryLimits}, is tested in {@code DynamicSharedLimitTest}).
 */
class DualSolverSharedMemoryTest {

    /** The emulator for memory and attributes; launches are recorded with the limit in force, not run. */
    static final class RecordingDevice extends EmulatorWrapper {
        final List<String> refusals = new ArrayList<>();
        final List<Integer> launched = new ArrayList<>();

        @Override
        public void launch(Kernel kernel, Dim3 grid, Dim3 block, int dynamicSharedBytes, KernelArgs args) {
            launched.add(dynamicSharedBytes);
            String r = SharedMemoryLimits.launchRefusal(dynamicSharedBytes, inner.maxDynamicSharedBytes(kernel), 0);
            if (!r.isEmpty()) {
                refusals.add(r);
            }
        }
    }

    /** Launches {@code dual_ascent_box} through {@link GpuDualSolver#launch} for one problem of {@code k x d} (never run). */
    static void launch(RecordingDevice dev, KernelLibrary lib, int k, int d) {
        GpuDualSolver solver = new GpuDualSolver(lib, DualSolverOptions.builder().maxIterations(2).checkEvery(1).build());
        try (DeviceBuffer a = dev.allocate(4L * k * d); DeviceBuffer r = dev.allocate(4L * k);
             DeviceBuffer lo = dev.allocate(4L * d); DeviceBuffer hi = dev.allocate(4L * d);
             DeviceBuffer eta = dev.allocate(4); DeviceBuffer l0 = dev.allocate(4L * k);
             DualDeviceOutputs out = DualDeviceOutputs.allocate(dev, 1, k, d)) {
            solver.launch(DualDeviceProblem.packed(1, k, d, a, r, lo, hi, eta), l0, out);
        }
    }

    @Test
    void manyConstraintsRaiseTheKernelsSharedMemoryLimitBeforeTheLaunch() {
        int k = 2100;
        try (RecordingDevice dev = new RecordingDevice(); KernelLibrary lib = new KernelLibrary(dev)) {
            Kernel kernel = lib.kernel(GpuDualSolver.MODULE, GpuDualSolver.KERNEL);
            int before = dev.maxDynamicSharedBytes(kernel);
            launch(dev, lib, k, 2);
            int needed = 4 * (6 * k + 1);
            assertTrue(needed > before, "the case needs more than the default limit " + before);
            assertEquals(List.of(needed), dev.launched);
            assertEquals(List.of(), dev.refusals, "the launch asked for more than the kernel's limit");
            assertEquals(needed, dev.maxDynamicSharedBytes(kernel));
        }
    }

    @Test
    void fewConstraintsLeaveTheDefaultLimit() {
        try (RecordingDevice dev = new RecordingDevice(); KernelLibrary lib = new KernelLibrary(dev)) {
            Kernel kernel = lib.kernel(GpuDualSolver.MODULE, GpuDualSolver.KERNEL);
            int before = dev.maxDynamicSharedBytes(kernel);
            launch(dev, lib, 9, 5);
            assertEquals(List.of(4 * (6 * 9 + 1)), dev.launched);
            assertEquals(before, dev.maxDynamicSharedBytes(kernel), "nothing to raise below 48 KiB");
            assertEquals(List.of(), dev.refusals);
        }
    }
}
