package org.lde.engine.gpu;

import java.util.ArrayList;
import java.util.List;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.tensor.Tensor;

/**
 * {@link GpuBackend}'s device buffers: allocation, float32 uploads and downloads, and the retirement of
 * buffers that a kernel launched (asynchronously) before may still read: they are freed at the next
 * {@link #settle()}, after the device has finished that work.
 */
final class GpuBuffers {
    private final Device device;
    private final List<DeviceBuffer> retired = new ArrayList<>(); // freed at the next settle()

    GpuBuffers(Device device) {
        this.device = device;
    }

    DeviceBuffer alloc(long floats) {
        return device.allocate(4L * Math.max(1, floats));
    }

    DeviceBuffer upload(Tensor t) {
        return upload(t.data());
    }

    DeviceBuffer upload(double[] data) {
        return upload(data, "uploaded values");
    }

    /** Uploads as float32; a finite value that overflows float32 is an error naming {@code what} and the element. */
    DeviceBuffer upload(double[] data, String what) {
        float[] f = GpuDualSolver.toFloat32(data, what);
        DeviceBuffer b = alloc(f.length);
        try {
            if (f.length > 0) {
                b.write(f);
            }
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        return b;
    }

    DeviceBuffer uploadInts(int[] data) {
        DeviceBuffer b = alloc(data.length);
        try {
            if (data.length > 0) {
                b.write(data);
            }
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        return b;
    }

    static double[] download(DeviceBuffer b, int count) {
        float[] f = new float[count];
        if (count > 0) {
            b.read(f, 0, 0, count);
        }
        double[] d = new double[count];
        for (int i = 0; i < count; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /**
     * Frees {@code b} at the next {@link #settle()}: a kernel launched (asynchronously) before may still
     * read it, and cuMemFree is not guaranteed to wait for it.
     */
    void retire(DeviceBuffer b) {
        retired.add(b);
    }

    /** Waits for the launched work, then frees the retired buffers. */
    void settle() {
        settle(null);
    }

    /**
     * Waits for the launched work, then frees the retired buffers. When {@code failure} is not null (the
     * caller's {@code finally} runs because of it) every error here is added to it as suppressed and
     * nothing is thrown: a kernel fault makes the synchronization and every later free fail too, and
     * those must not replace the error that caused them. Otherwise the first error is thrown after all
     * buffers were released, with the others suppressed.
     */
    void settle(Throwable failure) {
        if (retired.isEmpty()) {
            return;
        }
        Throwable first = failure;
        try {
            device.synchronize();
        } catch (RuntimeException e) {
            first = suppressInto(first, e);
        }
        for (DeviceBuffer b : retired) {
            try {
                b.close();
            } catch (RuntimeException e) {
                first = suppressInto(first, e);
            }
        }
        retired.clear();
        if (failure == null && first instanceof RuntimeException e) {
            throw e;
        }
    }

    private static Throwable suppressInto(Throwable first, RuntimeException e) {
        if (first == null) {
            return e;
        }
        first.addSuppressed(e);
        return first;
    }

    static void closeQuietly(DeviceBuffer b, RuntimeException pending) {
        if (b == null) {
            return;
        }
        try {
            b.close();
        } catch (RuntimeException e) {
            if (pending != null) {
                pending.addSuppressed(e);
            }
        }
    }
}
