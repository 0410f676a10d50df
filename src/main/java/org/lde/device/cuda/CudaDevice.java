package org.lde.device.cuda;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.DeviceException;
import org.lde.device.Dim3;
import org.lde.device.Kernel;
import org.lde.device.KernelArgs;
import org.lde.device.Module;

/**
 * A CUDA GPU, driven through JCuda's driver API (the only class family that imports
 * {@code jcuda.*}). The launch flow is the one of jcuda-samples: exceptions enabled once
 * ({@code JCudaDriver.setExceptionsEnabled(true)}), {@code cuInit}, the device's primary context
 * (retained here, released by {@link #close()}), {@code cuModuleLoadData} with the NUL-terminated
 * PTX text, {@code cuModuleGetFunction}, and {@code cuLaunchKernel} with one pointer per argument.
 *
 * <p>The primary context is made current on the calling thread at the start of every public call,
 * so the device may be used from any thread (one call at a time: methods are synchronized). Every
 * driver error becomes a {@link DeviceException} naming the call, the module, the kernel and the
 * launch shape where there is one, and the driver's error name (e.g.
 * {@code CUDA_ERROR_INVALID_PTX}); JCuda's own message is only that name. Arguments are checked
 * against the kernel's PTX parameter list before a launch, since the driver does not check them.
 *
 * <p>Only construct this when {@link org.lde.device.Devices#probe()} reports a usable GPU: JCuda's
 * driver class fails in its static initializer when {@code libcuda.so.1} is absent and then stays
 * unusable for the JVM's life.
 */
public final class CudaDevice implements Device {

    private final int ordinal;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final String name;
    private final Set<CudaBuffer> buffers = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<CudaModule> modules = Collections.newSetFromMap(new IdentityHashMap<>());
    private String lastLaunch = "no kernel launched yet";
    private boolean closed;

    /** Opens CUDA device 0. */
    public CudaDevice() {
        this(0);
    }

    /**
     * Opens CUDA device {@code ordinal} and retains its primary context.
     *
     * @throws DeviceException when the driver cannot be initialised or the device does not exist
     */
    public CudaDevice(int ordinal) {
        if (ordinal < 0) {
            throw new IllegalArgumentException("CUDA device ordinal must be >= 0, got " + ordinal);
        }
        this.ordinal = ordinal;
        int count = deviceCountOrThrow();
        if (ordinal >= count) {
            throw new DeviceException("CUDA device " + ordinal + " does not exist: the driver reports " + count + " device(s)");
        }
        call(() -> JCudaDriver.cuDeviceGet(device, ordinal), () -> "cuDeviceGet(" + ordinal + ")");
        call(() -> JCudaDriver.cuDevicePrimaryCtxRetain(context, device), () -> "cuDevicePrimaryCtxRetain(device " + ordinal + ")");
        try {
            makeCurrent();
            this.name = describeDevice();
        } catch (RuntimeException e) {
            try {
                JCudaDriver.cuDevicePrimaryCtxRelease(device);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Initialises the driver and returns the number of CUDA devices. Touches
     * {@code JCudaDriver}: call only when {@code libcuda.so.1} is known to exist.
     */
    public static int deviceCount() {
        initDriver();
        int[] count = {0};
        call(() -> JCudaDriver.cuDeviceGetCount(count), () -> "cuDeviceGetCount");
        return count[0];
    }

    private static int deviceCountOrThrow() {
        try {
            return deviceCount();
        } catch (DeviceException e) {
            throw e;
        } catch (Throwable t) {   // UnsatisfiedLinkError / NoClassDefFoundError from JCuda's native library
            throw new DeviceException("cannot initialise the CUDA driver through JCuda (is libcuda.so.1 installed?): "
                    + t.getClass().getSimpleName() + ": " + t.getMessage(), t);
        }
    }

    private static void initDriver() {
        JCudaDriver.setExceptionsEnabled(true);
        call(() -> JCudaDriver.cuInit(0), () -> "cuInit");
    }

    @Override
    public synchronized String name() {
        return name;
    }

    @Override
    public synchronized DeviceBuffer allocate(long bytes) {
        requireOpen();
        if (bytes <= 0) {
            throw new DeviceException("allocation size must be positive, got " + bytes + " bytes");
        }
        makeCurrent();
        CUdeviceptr ptr = new CUdeviceptr();
        call(() -> JCudaDriver.cuMemAlloc(ptr, bytes), () -> "cuMemAlloc(" + bytes + " bytes) on " + name);
        CudaBuffer b = new CudaBuffer(this, ptr, bytes);
        buffers.add(b);
        return b;
    }

    @Override
    public synchronized Module loadModule(String moduleName, String ptx) {
        requireOpen();
        Objects.requireNonNull(moduleName, "moduleName");
        Objects.requireNonNull(ptx, "ptx");
        if (ptx.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("PTX text of module " + moduleName + " contains a NUL character");
        }
        Map<String, List<PtxEntries.Param>> entries = PtxEntries.parse(ptx);
        byte[] image = (ptx + '\0').getBytes(StandardCharsets.UTF_8);   // cuModuleLoadData reads up to the NUL
        makeCurrent();
        CUmodule m = new CUmodule();
        call(() -> JCudaDriver.cuModuleLoadData(m, image), () -> "cuModuleLoadData(module " + moduleName + ") on " + name);
        CudaModule module = new CudaModule(this, moduleName, m, entries);
        modules.add(module);
        return module;
    }

    @Override
    public synchronized void launch(Kernel kernel, Dim3 grid, Dim3 block, int dynamicSharedBytes, KernelArgs args) {
        requireOpen();
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(grid, "grid");
        Objects.requireNonNull(block, "block");
        Objects.requireNonNull(args, "args");
        if (!(kernel instanceof CudaKernel k) || k.module.device != this) {
            throw new DeviceException("kernel " + kernel.name() + " was not loaded on this device (" + name + ")");
        }
        String where = "kernel " + k.name + " of module " + k.module.name + ", grid " + grid + ", block " + block
                + ", " + dynamicSharedBytes + " bytes dynamic shared memory";
        k.module.requireOpen();
        if (dynamicSharedBytes < 0) {
            throw new DeviceException("cannot launch " + where + ": dynamic shared memory must be >= 0");
        }
        List<KernelArgs.Arg> list = args.args();
        String mismatch = PtxEntries.mismatch(k.params, list);
        if (!mismatch.isEmpty()) {
            throw new DeviceException("cannot launch " + where + ": " + mismatch);
        }
        Pointer[] params = new Pointer[list.size()];
        for (int i = 0; i < params.length; i++) {
            KernelArgs.Arg a = list.get(i);
            if (a instanceof KernelArgs.Ptr p) {
                params[i] = Pointer.to(ownBuffer(p.buffer(), where + ", argument " + i).ptr);
            } else if (a instanceof KernelArgs.I32 v) {
                params[i] = Pointer.to(new int[] {v.value()});
            } else if (a instanceof KernelArgs.I64 v) {
                params[i] = Pointer.to(new long[] {v.value()});
            } else if (a instanceof KernelArgs.F32 v) {
                params[i] = Pointer.to(new float[] {v.value()});
            } else if (a instanceof KernelArgs.F64 v) {
                params[i] = Pointer.to(new double[] {v.value()});
            } else {
                throw new DeviceException("cannot launch " + where + ": unsupported argument kind " + a);
            }
        }
        Pointer kernelParams = params.length == 0 ? null : Pointer.to(params);
        makeCurrent();
        call(() -> JCudaDriver.cuLaunchKernel(k.function,
                        grid.x(), grid.y(), grid.z(),
                        block.x(), block.y(), block.z(),
                        dynamicSharedBytes, null, kernelParams, null),
                () -> "cuLaunchKernel(" + where + ")");
        lastLaunch = where;
    }

    @Override
    public synchronized void synchronize() {
        requireOpen();
        makeCurrent();
        call(JCudaDriver::cuCtxSynchronize, () -> "cuCtxSynchronize on " + name + " (last launch: " + lastLaunch + ")");
    }

    /** Frees every buffer and module still open, then releases the primary context. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        List<RuntimeException> errors = new ArrayList<>();
        try {
            makeCurrent();
        } catch (RuntimeException e) {
            errors.add(e);
        }
        for (CudaModule m : new ArrayList<>(modules)) {
            try {
                m.close();
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
        for (CudaBuffer b : new ArrayList<>(buffers)) {
            try {
                b.close();
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
        closed = true;
        try {
            call(() -> JCudaDriver.cuDevicePrimaryCtxRelease(device), () -> "cuDevicePrimaryCtxRelease(device " + ordinal + ")");
        } catch (RuntimeException e) {
            errors.add(e);
        }
        if (!errors.isEmpty()) {
            DeviceException e = new DeviceException("closing " + name + " failed: " + errors.get(0).getMessage(), errors.get(0));
            for (int i = 1; i < errors.size(); i++) {
                e.addSuppressed(errors.get(i));
            }
            throw e;
        }
    }

    @Override
    public String toString() {
        return "CudaDevice[" + name + "]";
    }

    // ---------------------------------------------------------------- internals used by the parts

    synchronized void copyHtoD(CudaBuffer dst, Pointer src, long dstByteOffset, long bytes) {
        requireOpen();
        dst.requireOpen();
        makeCurrent();
        call(() -> JCudaDriver.cuMemcpyHtoD(dst.ptr.withByteOffset(dstByteOffset), src, bytes),
                () -> "cuMemcpyHtoD(" + bytes + " bytes at byte offset " + dstByteOffset + " of a " + dst.bytes + "-byte buffer) on "
                        + name + " (last launch: " + lastLaunch + ")");
    }

    synchronized void copyDtoH(Pointer dst, CudaBuffer src, long srcByteOffset, long bytes) {
        requireOpen();
        src.requireOpen();
        makeCurrent();
        call(() -> JCudaDriver.cuMemcpyDtoH(dst, src.ptr.withByteOffset(srcByteOffset), bytes),
                () -> "cuMemcpyDtoH(" + bytes + " bytes at byte offset " + srcByteOffset + " of a " + src.bytes + "-byte buffer) on "
                        + name + " (last launch: " + lastLaunch + ")");
    }

    synchronized void fill32(CudaBuffer b, int bits) {
        requireOpen();
        b.requireOpen();
        makeCurrent();
        long words = b.bytes / 4;
        if (words > 0) {
            call(() -> JCudaDriver.cuMemsetD32(b.ptr, bits, words),
                    () -> "cuMemsetD32(" + words + " words) on " + name + " (last launch: " + lastLaunch + ")");
        }
    }

    synchronized void free(CudaBuffer b) {
        buffers.remove(b);
        if (closed) {
            return;   // the context is gone; so is the memory
        }
        makeCurrent();
        call(() -> JCudaDriver.cuMemFree(b.ptr), () -> "cuMemFree(" + b.bytes + " bytes) on " + name);
    }

    synchronized void unload(CudaModule m) {
        modules.remove(m);
        if (closed) {
            return;
        }
        makeCurrent();
        call(() -> JCudaDriver.cuModuleUnload(m.module), () -> "cuModuleUnload(module " + m.name + ") on " + name);
    }

    synchronized CUfunction function(CudaModule m, String kernelName) {
        requireOpen();
        makeCurrent();
        CUfunction f = new CUfunction();
        call(() -> JCudaDriver.cuModuleGetFunction(f, m.module, kernelName),
                () -> "cuModuleGetFunction(kernel " + kernelName + " of module " + m.name + ") on " + name);
        return f;
    }

    void requireOpen() {
        if (closed) {
            throw new DeviceException("CUDA device " + ordinal + " (" + name + ") is closed");
        }
    }

    private CudaBuffer ownBuffer(DeviceBuffer b, String where) {
        if (!(b instanceof CudaBuffer cb) || cb.device != this) {
            throw new DeviceException("cannot launch " + where + ": the buffer was not allocated on this device (" + name + ")");
        }
        if (cb.closed) {
            throw new DeviceException("cannot launch " + where + ": the buffer has been closed");
        }
        return cb;
    }

    private void makeCurrent() {
        call(() -> JCudaDriver.cuCtxSetCurrent(context), () -> "cuCtxSetCurrent(primary context of device " + ordinal + ")");
    }

    private String describeDevice() {
        byte[] raw = new byte[256];
        call(() -> JCudaDriver.cuDeviceGetName(raw, raw.length, device), () -> "cuDeviceGetName");
        int len = 0;
        while (len < raw.length && raw[len] != 0) {
            len++;
        }
        int[] major = {0};
        int[] minor = {0};
        call(() -> JCudaDriver.cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device),
                () -> "cuDeviceGetAttribute(compute capability major)");
        call(() -> JCudaDriver.cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device),
                () -> "cuDeviceGetAttribute(compute capability minor)");
        long[] mem = {0};
        call(() -> JCudaDriver.cuDeviceTotalMem(mem, device), () -> "cuDeviceTotalMem");
        return String.format(Locale.ROOT, "%s (sm_%d%d, %.1f GiB)",
                new String(raw, 0, len, StandardCharsets.UTF_8).trim(), major[0], minor[0], mem[0] / (1024.0 * 1024 * 1024));
    }

    @FunctionalInterface
    private interface DriverCall {
        int run();
    }

    /**
     * Runs one driver call and turns a failure into a {@link DeviceException} that names the call and
     * context ({@code where}) and the driver's error name. With exceptions enabled JCuda throws a
     * {@link CudaException} whose message is {@code CUresult.stringFor(code)}; the return code is
     * checked as well in case exceptions were switched off elsewhere in the JVM.
     */
    private static void call(DriverCall c, Supplier<String> where) {
        int result;
        try {
            result = c.run();
        } catch (CudaException e) {
            throw new DeviceException(where.get() + " failed: " + e.getMessage() + hint(e.getMessage()), e);
        }
        if (result != CUresult.CUDA_SUCCESS) {
            String error = CUresult.stringFor(result);
            throw new DeviceException(where.get() + " failed: " + error + hint(error));
        }
    }

    private static String hint(String error) {
        if (error == null) {
            return "";
        }
        if (error.contains("UNSUPPORTED_PTX_VERSION") || error.contains("INVALID_PTX")) {
            return " (the PTX declares ISA 8.0 for compute_75: it needs a CUDA 12.0 or newer driver and a Turing or newer GPU;"
                    + " regenerate it with ./build-kernels.sh)";
        }
        if (error.contains("NO_BINARY_FOR_GPU")) {
            return " (the PTX targets compute_75; this GPU is older than Turing)";
        }
        if (error.contains("STUB_LIBRARY")) {
            return " (the loaded libcuda.so.1 is the toolkit's stub, not the NVIDIA driver's library)";
        }
        return "";
    }

    /**
     * A block of device memory; offsets are in elements of the array type used. Bad ranges and use
     * after close throw {@link DeviceException}, as on the emulator.
     */
    static final class CudaBuffer implements DeviceBuffer {
        final CudaDevice device;
        final CUdeviceptr ptr;
        final long bytes;
        boolean closed;

        CudaBuffer(CudaDevice device, CUdeviceptr ptr, long bytes) {
            this.device = device;
            this.ptr = ptr;
            this.bytes = bytes;
        }

        @Override
        public long bytes() {
            return bytes;
        }

        @Override
        public void write(float[] src, int srcOffset, long dstElementOffset, int count) {
            checkRange("write", src.length, srcOffset, dstElementOffset, count);
            if (count > 0) {
                device.copyHtoD(this, Pointer.to(src).withByteOffset(4L * srcOffset), 4L * dstElementOffset, 4L * count);
            }
        }

        @Override
        public void read(float[] dst, int dstOffset, long srcElementOffset, int count) {
            checkRange("read", dst.length, dstOffset, srcElementOffset, count);
            if (count > 0) {
                device.copyDtoH(Pointer.to(dst).withByteOffset(4L * dstOffset), this, 4L * srcElementOffset, 4L * count);
            }
        }

        @Override
        public void write(int[] src, int srcOffset, long dstElementOffset, int count) {
            checkRange("write", src.length, srcOffset, dstElementOffset, count);
            if (count > 0) {
                device.copyHtoD(this, Pointer.to(src).withByteOffset(4L * srcOffset), 4L * dstElementOffset, 4L * count);
            }
        }

        @Override
        public void read(int[] dst, int dstOffset, long srcElementOffset, int count) {
            checkRange("read", dst.length, dstOffset, srcElementOffset, count);
            if (count > 0) {
                device.copyDtoH(Pointer.to(dst).withByteOffset(4L * dstOffset), this, 4L * srcElementOffset, 4L * count);
            }
        }

        /** Sets every whole 32-bit word of the buffer ({@code bytes / 4} words) to {@code bits}. */
        @Override
        public void fill32(int bits) {
            device.fill32(this, bits);
        }

        @Override
        public void close() {
            synchronized (device) {
                if (closed) {
                    return;
                }
                closed = true;
                device.free(this);
            }
        }

        void requireOpen() {
            if (closed) {
                throw new DeviceException("buffer of " + bytes + " bytes on " + device.name + " is closed");
            }
        }

        private void checkRange(String op, int arrayLength, int arrayOffset, long elementOffset, int count) {
            requireOpen();
            if (count < 0 || arrayOffset < 0 || elementOffset < 0) {
                throw new DeviceException(op + ": negative count or offset (count " + count + ", array offset "
                        + arrayOffset + ", buffer element offset " + elementOffset + ")");
            }
            if ((long) arrayOffset + count > arrayLength) {
                throw new DeviceException(op + ": array range [" + arrayOffset + ", " + ((long) arrayOffset + count)
                        + ") is outside the array of length " + arrayLength);
            }
            if (4 * (elementOffset + count) > bytes) {
                throw new DeviceException(op + ": elements [" + elementOffset + ", " + (elementOffset + count)
                        + ") are past the end of the " + bytes + "-byte buffer (" + bytes / 4 + " 4-byte elements)");
            }
        }
    }

    /** A loaded module; kernels are looked up once and cached. */
    static final class CudaModule implements Module {
        final CudaDevice device;
        final String name;
        final CUmodule module;
        final Map<String, List<PtxEntries.Param>> entries;
        private final Map<String, CudaKernel> kernels = new LinkedHashMap<>();
        boolean closed;

        CudaModule(CudaDevice device, String name, CUmodule module, Map<String, List<PtxEntries.Param>> entries) {
            this.device = device;
            this.name = name;
            this.module = module;
            this.entries = entries;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Kernel kernel(String kernelName) {
            synchronized (device) {
                requireOpen();
                Objects.requireNonNull(kernelName, "kernelName");
                CudaKernel k = kernels.get(kernelName);
                if (k != null) {
                    return k;
                }
                List<PtxEntries.Param> params = entries.get(kernelName);
                if (params == null) {
                    throw new DeviceException("module " + name + " has no kernel '" + kernelName + "'; its kernels are " + entries.keySet());
                }
                k = new CudaKernel(this, kernelName, device.function(this, kernelName), params);
                kernels.put(kernelName, k);
                return k;
            }
        }

        @Override
        public void close() {
            synchronized (device) {
                if (closed) {
                    return;
                }
                closed = true;
                device.unload(this);
            }
        }

        void requireOpen() {
            device.requireOpen();
            if (closed) {
                throw new DeviceException("module " + name + " has been closed");
            }
        }
    }

    /** An entry point with its PTX parameter list. */
    static final class CudaKernel implements Kernel {
        final CudaModule module;
        final String name;
        final CUfunction function;
        final List<PtxEntries.Param> params;

        CudaKernel(CudaModule module, String name, CUfunction function, List<PtxEntries.Param> params) {
            this.module = module;
            this.name = name;
            this.function = function;
            this.params = params;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Module module() {
            return module;
        }
    }
}
