package org.lde.engine.gpu;

import org.lde.device.Device;
import org.lde.device.DeviceBuffer;

/**
 * The outputs of {@code dual_ascent_box} in device memory: {@code lambda [B, K]}, {@code t [B, d]},
 * {@code dualValue [B]} (float32), {@code iterations [B]} and {@code status [B]} (int32: 0 SOLVED,
 * 1 INFEASIBLE_IN_BOX, 2 MAX_ITER). Owns its buffers: close it.
 */
public record DualDeviceOutputs(int batch, int constraints, int dim, DeviceBuffer lambda, DeviceBuffer t,
                                DeviceBuffer dualValue, DeviceBuffer iterations, DeviceBuffer status)
        implements AutoCloseable {

    /** Allocates the five buffers for {@code B} problems of {@code K} constraints and {@code d} variables. */
    public static DualDeviceOutputs allocate(Device device, int batch, int constraints, int dim) {
        DeviceBuffer l = null;
        DeviceBuffer t = null;
        DeviceBuffer g = null;
        DeviceBuffer it = null;
        try {
            l = device.allocate(4L * batch * constraints);
            t = device.allocate(4L * batch * dim);
            g = device.allocate(4L * batch);
            it = device.allocate(4L * batch);
            DeviceBuffer st = device.allocate(4L * batch);
            return new DualDeviceOutputs(batch, constraints, dim, l, t, g, it, st);
        } catch (RuntimeException e) {
            for (DeviceBuffer b : new DeviceBuffer[] {l, t, g, it}) {
                if (b != null) {
                    b.close();
                }
            }
            throw e;
        }
    }

    /** Fills every output word with {@link DeviceBuffer#POISON}, so that an unwritten element shows. */
    public void poison() {
        lambda.fill32(DeviceBuffer.POISON);
        t.fill32(DeviceBuffer.POISON);
        dualValue.fill32(DeviceBuffer.POISON);
        iterations.fill32(DeviceBuffer.POISON);
        status.fill32(DeviceBuffer.POISON);
    }

    /** Copies the outputs to the host. */
    public DualKernelResult download() {
        float[] l = new float[batch * constraints];
        float[] tt = new float[batch * dim];
        float[] g = new float[batch];
        int[] it = new int[batch];
        int[] st = new int[batch];
        lambda.read(l);
        t.read(tt);
        dualValue.read(g);
        iterations.read(it);
        status.read(st);
        return new DualKernelResult(batch, constraints, dim, l, tt, g, it, st);
    }

    @Override
    public void close() {
        lambda.close();
        t.close();
        dualValue.close();
        iterations.close();
        status.close();
    }
}
