package org.lde.engine.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.DeviceException;
import org.lde.device.Dim3;
import org.lde.device.Kernel;
import org.lde.device.KernelArgs;
import org.lde.model.Architectures;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * A kernel fault on a GPU poisons the context: the launch (or the next call) fails, and then so does
 * every synchronization and free that cleanup runs. The backend's cleanup must add those later errors
 * to the first one as suppressed, never throw them in its place. A device that plays that GPU (the
 * emulator, with a launch that fails and a context that stays broken) checks it.
 */
class CleanupMaskingTest {

    /** The emulator, except that once armed the next launch faults and every later synchronize fails. */
    static final class FaultingDevice extends EmulatorWrapper {
        boolean armed;
        boolean faulted;

        @Override
        public void launch(Kernel kernel, Dim3 grid, Dim3 block, int dynamicSharedBytes, KernelArgs args) {
            if (armed) {
                faulted = true;
                throw new DeviceException("kernel " + kernel.name() + " failed: CUDA_ERROR_ILLEGAL_ADDRESS (the first error)");
            }
            inner.launch(kernel, grid, block, dynamicSharedBytes, args);
        }

        @Override
        public void synchronize() {
            if (faulted) {
                throw new DeviceException("cuCtxSynchronize failed: CUDA_ERROR_ILLEGAL_ADDRESS (the same fault, reported again)");
            }
            inner.synchronize();
        }
    }

    @Test
    void aFaultingForwardPassReportsTheFaultNotTheCleanup() {
        Network net = Architectures.fashionMlp(3);
        Tensor x = new Rng(4).uniform(net.inputShape().withBatch(2), -1, 1);
        try (FaultingDevice dev = new FaultingDevice(); GpuBackend b = new GpuBackend(net, dev)) {
            double[] healthy = b.forward(x).data();
            assertTrue(Arrays.stream(healthy).allMatch(Double::isFinite));
            dev.armed = true;
            DeviceException e = assertThrows(DeviceException.class, () -> b.forward(x));
            assertTrue(e.getMessage().endsWith("(the first error)"), "the cleanup's error replaced the fault: " + e.getMessage());
            assertEquals(1, e.getSuppressed().length, "the failed synchronization of the cleanup is kept as suppressed");
            assertTrue(e.getSuppressed()[0].getMessage().contains("reported again"), e.getSuppressed()[0].getMessage());
        }
    }

    @Test
    void aFaultingTrainingStepReportsTheFaultNotTheCleanup() {
        Network net = Architectures.fashionMlp(5);
        Tensor x = new Rng(6).uniform(net.inputShape().withBatch(2), -1, 1);
        try (FaultingDevice dev = new FaultingDevice(); GpuBackend b = new GpuBackend(net, dev)) {
            Tensor g = new Rng(7).uniform(Shape.of(2, net.outputSize()), -1, 1);
            var rec = b.forwardRecorded(x);
            dev.armed = true;
            DeviceException e = assertThrows(DeviceException.class, () -> b.parameterGradients(rec, g));
            assertTrue(e.getMessage().endsWith("(the first error)"), "the cleanup's error replaced the fault: " + e.getMessage());
        }
    }
}
