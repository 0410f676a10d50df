package org.lde.validation;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.Dim3;
import org.lde.device.Kernel;
import org.lde.device.KernelArgs;
import org.lde.device.LaunchProfile;
import org.lde.device.Module;

/**
 * A {@link Device} wrapper for backend agreement tests: every buffer it hands out is POISONED
 * ({@link DeviceBuffer#POISON}) before the caller sees it, so a kernel output the backend forgets to
 * write shows up as NaN in the comparison; and it counts what crosses the host boundary (uploads,
 * downloads), launches, and the buffers still alive, so tests can check that data stays on the
 * device and that closing frees everything. It also plays a GPU's asynchrony: a buffer closed after a
 * launch that uses it and before the next synchronizing call ({@link #synchronize()}, or a download)
 * is recorded in {@link #freedInFlight} (a use-after-free on a GPU, where cuMemFree need not wait).
 * The wrapped device is not closed by {@link #close()}.
 */
final class TrackingDevice implements Device {
    private final Device inner;
    private final Set<Buffer> live = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Buffers passed to a launch since the last synchronizing call: on a GPU those launches may still run. */
    private final Set<Buffer> inFlight = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Buffers closed while a launch that uses them might still run (a use-after-free on a GPU). */
    final java.util.List<String> freedInFlight = new java.util.ArrayList<>();
    long uploads;
    long downloads;
    long launches;
    long allocations;
    /** What crossed the boundary, in order: "launch NAME", "upload N", "download N" (N elements). */
    final java.util.List<String> log = new java.util.ArrayList<>();

    TrackingDevice(Device inner) {
        this.inner = Objects.requireNonNull(inner, "inner");
    }

    /** Buffers allocated and not yet closed. */
    int liveBuffers() {
        return live.size();
    }

    void resetCounters() {
        uploads = 0;
        downloads = 0;
        launches = 0;
        allocations = 0;
        log.clear();
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public DeviceBuffer allocate(long bytes) {
        DeviceBuffer b = inner.allocate(bytes);
        b.fill32(DeviceBuffer.POISON);
        Buffer w = new Buffer(b);
        live.add(w);
        allocations++;
        return w;
    }

    @Override
    public Module loadModule(String name, String ptx) {
        return inner.loadModule(name, ptx);
    }

    @Override
    public void launch(Kernel kernel, Dim3 grid, Dim3 block, int dynamicSharedBytes, KernelArgs args) {
        KernelArgs unwrapped = KernelArgs.of();
        for (KernelArgs.Arg a : args.args()) {
            if (a instanceof KernelArgs.Ptr p) {
                DeviceBuffer b = p.buffer();
                if (b instanceof Buffer w) {
                    if (w.closed) {
                        throw new IllegalStateException("launch of " + kernel.name() + " with a closed buffer");
                    }
                    inFlight.add(w);
                    b = w.inner;
                }
                unwrapped.ptr(b);
            } else if (a instanceof KernelArgs.I32 v) {
                unwrapped.i32(v.value());
            } else if (a instanceof KernelArgs.I64 v) {
                unwrapped.i64(v.value());
            } else if (a instanceof KernelArgs.F32 v) {
                unwrapped.f32(v.value());
            } else if (a instanceof KernelArgs.F64 v) {
                unwrapped.f64(v.value());
            }
        }
        launches++;
        log.add("launch " + kernel.name());
        inner.launch(kernel, grid, block, dynamicSharedBytes, unwrapped);
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
        inFlight.clear();
    }

    @Override
    public Optional<LaunchProfile> lastProfile() {
        return inner.lastProfile();
    }

    /** Does not close the wrapped device (the suite owns it). */
    @Override
    public void close() {
    }

    private final class Buffer implements DeviceBuffer {
        final DeviceBuffer inner;
        boolean closed;

        Buffer(DeviceBuffer inner) {
            this.inner = inner;
        }

        @Override
        public long bytes() {
            return inner.bytes();
        }

        @Override
        public void write(float[] src, int srcOffset, long dstElementOffset, int count) {
            uploads++;
            log.add("upload " + count);
            inner.write(src, srcOffset, dstElementOffset, count);
        }

        @Override
        public void read(float[] dst, int dstOffset, long srcElementOffset, int count) {
            downloads++;
            log.add("download " + count);
            inner.read(dst, dstOffset, srcElementOffset, count);
            inFlight.clear();   // a device-to-host copy waits for the launched work (cuMemcpyDtoH)
        }

        @Override
        public void write(int[] src, int srcOffset, long dstElementOffset, int count) {
            uploads++;
            log.add("upload " + count);
            inner.write(src, srcOffset, dstElementOffset, count);
        }

        @Override
        public void read(int[] dst, int dstOffset, long srcElementOffset, int count) {
            downloads++;
            log.add("download " + count);
            inner.read(dst, dstOffset, srcElementOffset, count);
            inFlight.clear();
        }

        @Override
        public void fill32(int bits) {
            inner.fill32(bits);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                if (inFlight.remove(this)) {
                    freedInFlight.add(bytes() + "-byte buffer closed before the launches using it were synchronized");
                }
                live.remove(this);
                inner.close();
            }
        }
    }
}
