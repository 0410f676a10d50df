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
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUjit_option;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import jcuda.driver.JITOptions;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.DeviceException;
import org.lde.device.Dim3;
import org.lde.device.Kernel;
import org.lde.device.KernelArgs;
import org.lde.device.Module;
import org.lde.device.SharedMemoryLimits;

/**
 * A CUDA GPU, driven through JCuda's driver API (the only class family that imports
 * {@code jcuda.*}). The launch flow is the one of jcuda-samples: {@code cuInit}, the device's primary
 * context (retained here, released by {@link #close()}), {@code cuModuleLoadDataEx} with the
 * NUL-terminated PTX text and the JIT compiler's error and information logs (through JCuda's
 * {@code cuModuleLoadDataJIT}, its wrapper of {@code cuModuleLoadDataEx} with {@code CU_JIT_*_LOG_BUFFER}
 * options), {@code cuModuleGetFunction}, and {@code cuLaunchKernel} with one pointer per argument.
 *
 * <h2>Errors</h2>
 * Every driver result is checked here, from its return code: JCuda's JVM-wide exception switch
 * ({@code JCudaDriver.setExceptionsEnabled}) is never touched, so the engine changes nothing for other
 * JCuda users in the same JVM (a {@code CudaException} thrown because someone else switched it on is
 * caught and wrapped all the same). Every error is a {@link DeviceException} naming the call, the
 * module, the kernel, the launch shape where there is one, the driver's error name (e.g.
 * {@code CUDA_ERROR_INVALID_PTX}) and a hint for the common ones. A module that does not load carries
 * the JIT log. Launches are asynchronous: a kernel that faults is reported by a later call
 * ({@link #synchronize()}, a copy, a free), and that report names the launches since the last
 * synchronization that it may belong to ({@link CudaErrors.Pending}). In debug mode
 * ({@code -Dlde.device.debug=true}, or {@link org.lde.device.Devices#open(String, java.io.PrintStream, boolean)})
 * every launch is followed by {@code cuCtxSynchronize}, so the failing launch itself reports its
 * fault, with its kernel, module and shape. {@link #close()} frees everything it can and reports the
 * first failure with the others suppressed; callers' cleanup should do the same (never let a failing
 * free in a {@code finally} replace the error that made it fail).
 *
 * <h2>Shared memory</h2>
 * A launch above the kernel's {@code CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES} (48 KiB less its
 * static shared memory unless raised by {@link #setMaxDynamicSharedBytes}) is refused before the driver
 * sees it, with the rules of {@link SharedMemoryLimits} that the emulator applies too.
 *
 * <p>The primary context is made current on the calling thread at the start of every public call,
 * so the device may be used from any thread (one call at a time: methods are synchronized).
 * Arguments are checked against the kernel's PTX parameter list before a launch ({@link PtxEntries}),
 * since the driver does not check them.
 *
 * <p>Only construct this when {@link org.lde.device.Devices#probe()} reports a usable GPU: JCuda's
 * driver class fails in its static initializer when {@code libcuda.so.1} is absent and then stays
 * unusable for the JVM's life.
 */
public final class CudaDevice implements Device {

    /** The system property that turns on the synchronizing debug mode of {@link #CudaDevice(int)}. */
    public static final String DEBUG_PROPERTY = "lde.device.debug";
    /** Size of each JIT log buffer (error, info) of a module load. */
    static final int JIT_LOG_BYTES = 16 * 1024;

    private final int ordinal;
    private final boolean debug;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final String name;
    private final int sharedOptIn;
    private final Set<CudaBuffer> buffers = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<CudaModule> modules = Collections.newSetFromMap(new IdentityHashMap<>());
    private final CudaErrors.Pending pending = new CudaErrors.Pending();
    private boolean closed;

    /** Opens CUDA device 0 (debug mode when {@code -Dlde.device.debug=true}). */
    public CudaDevice() {
        this(0);
    }

    /** Opens CUDA device {@code ordinal}, in debug mode when the system property {@value #DEBUG_PROPERTY} is true. */
    public CudaDevice(int ordinal) {
        this(ordinal, Boolean.getBoolean(DEBUG_PROPERTY));
    }

    /**
     * Opens CUDA device {@code ordinal} and retains its primary context.
     *
     * @param debug synchronize after every launch, so that a kernel's fault is reported by its own launch
     * @throws DeviceException when the driver cannot be initialised or the device does not exist
     */
    public CudaDevice(int ordinal, boolean debug) {
        if (ordinal < 0) {
            throw new IllegalArgumentException("CUDA device ordinal must be >= 0, got " + ordinal);
        }
        this.ordinal = ordinal;
        this.debug = debug;
        int count = deviceCountOrThrow();
        if (ordinal >= count) {
            throw new DeviceException("CUDA device " + ordinal + " does not exist: the driver reports " + count + " device(s)");
        }
        call(() -> JCudaDriver.cuDeviceGet(device, ordinal), () -> "cuDeviceGet(" + ordinal + ")");
        call(() -> JCudaDriver.cuDevicePrimaryCtxRetain(context, device), () -> "cuDevicePrimaryCtxRetain(device " + ordinal + ")");
        try {
            makeCurrent();
            this.name = describeDevice();
            this.sharedOptIn = deviceAttribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
                    "max shared memory per block (opt-in)");
        } catch (RuntimeException e) {
            throw CudaErrors.failAfter(e, List.of(() -> call(() -> JCudaDriver.cuDevicePrimaryCtxRelease(device),
                    () -> "cuDevicePrimaryCtxRelease(device " + ordinal + ")")));
        }
    }

    /**
     * Initialises the driver and returns the number of CUDA devices. Touches
     * {@code JCudaDriver}: call only when {@code libcuda.so.1} is known to exist.
     */
    public static int deviceCount() {
        call(() -> JCudaDriver.cuInit(0), () -> "cuInit");
        int[] count = {0};
        call(() -> JCudaDriver.cuDeviceGetCount(count), () -> "cuDeviceGetCount");
        return count[0];
    }

    /** The driver's CUDA version, e.g. 12040 for 12.4. Touches {@code JCudaDriver}: only with a usable GPU. */
    public static int driverVersion() {
        int[] v = {0};
        call(() -> JCudaDriver.cuDriverGetVersion(v), () -> "cuDriverGetVersion");
        return v[0];
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

    @Override
    public synchronized String name() {
        return name;
    }

    /** Whether every launch is followed by a synchronization (the debug mode). */
    public boolean debug() {
        return debug;
    }

    @Override
    public synchronized DeviceBuffer allocate(long bytes) {
        requireOpen();
        if (bytes <= 0) {
            throw new DeviceException("allocation size must be positive, got " + bytes + " bytes");
        }
        makeCurrent();
        CUdeviceptr ptr = new CUdeviceptr();
        callAsync(() -> JCudaDriver.cuMemAlloc(ptr, bytes), () -> "cuMemAlloc(" + bytes + " bytes) on " + name);
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
        byte[] image = (ptx + '\0').getBytes(StandardCharsets.UTF_8);   // the driver reads up to the NUL
        makeCurrent();
        CUmodule m = new CUmodule();
        JITOptions jit = new JITOptions();
        jit.putBytes(CUjit_option.CU_JIT_ERROR_LOG_BUFFER, new byte[JIT_LOG_BYTES]);
        jit.putInt(CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, JIT_LOG_BYTES);
        jit.putBytes(CUjit_option.CU_JIT_INFO_LOG_BUFFER, new byte[JIT_LOG_BYTES]);
        jit.putInt(CUjit_option.CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES, JIT_LOG_BYTES);
        String call = "cuModuleLoadDataEx(module " + moduleName + ") on " + name;
        int result;
        CudaException thrown = null;
        try {
            result = JCudaDriver.cuModuleLoadDataJIT(m, Pointer.to(image), jit);
        } catch (CudaException e) {   // JCuda's exceptions switched on elsewhere in the JVM
            thrown = e;
            result = CUresult.CUDA_ERROR_UNKNOWN;
        }
        if (result != CUresult.CUDA_SUCCESS || thrown != null) {
            String error = thrown != null ? thrown.getMessage() : CUresult.stringFor(result);
            throw CudaErrors.error(CudaErrors.moduleLoadFailure(call, error,
                    CudaErrors.logText(jit.getBytes(CUjit_option.CU_JIT_ERROR_LOG_BUFFER)),
                    CudaErrors.logText(jit.getBytes(CUjit_option.CU_JIT_INFO_LOG_BUFFER))), thrown);
        }
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
        CudaKernel k = own(kernel);
        String shape = CudaErrors.launchShape(k.name, k.module.name, grid, block, dynamicSharedBytes);
        k.module.requireOpen();
        String refusal = SharedMemoryLimits.launchRefusal(dynamicSharedBytes, maxDynamicSharedBytes(k), staticSharedBytes(k));
        if (!refusal.isEmpty()) {
            throw new DeviceException("cannot launch " + shape + ": " + refusal);
        }
        List<KernelArgs.Arg> list = args.args();
        List<Object> values;
        try {
            values = PtxEntries.layout(k.params, list);
        } catch (IllegalArgumentException e) {
            throw new DeviceException("cannot launch " + shape + ": " + e.getMessage());
        }
        Pointer[] params = new Pointer[values.size()];
        for (int i = 0; i < params.length; i++) {
            Object v = values.get(i);
            if (v instanceof byte[] struct) {
                params[i] = Pointer.to(struct);
            } else if (v instanceof KernelArgs.Ptr p) {
                params[i] = Pointer.to(ownBuffer(p.buffer(), shape + ", parameter " + i).ptr);
            } else if (v instanceof KernelArgs.I32 a) {
                params[i] = Pointer.to(new int[] {a.value()});
            } else if (v instanceof KernelArgs.I64 a) {
                params[i] = Pointer.to(new long[] {a.value()});
            } else if (v instanceof KernelArgs.F32 a) {
                params[i] = Pointer.to(new float[] {a.value()});
            } else if (v instanceof KernelArgs.F64 a) {
                params[i] = Pointer.to(new double[] {a.value()});
            } else {
                throw new DeviceException("cannot launch " + shape + ": unsupported argument " + v);
            }
        }
        Pointer kernelParams = params.length == 0 ? null : Pointer.to(params);
        makeCurrent();
        callAsync(() -> JCudaDriver.cuLaunchKernel(k.function,
                        grid.x(), grid.y(), grid.z(),
                        block.x(), block.y(), block.z(),
                        dynamicSharedBytes, null, kernelParams, null),
                () -> "cuLaunchKernel(" + shape + ")");
        pending.launched(shape);
        if (debug) {
            call(JCudaDriver::cuCtxSynchronize, () -> shape + " failed while running (debug mode: cuCtxSynchronize after the launch)");
            pending.clear();
        }
    }

    @Override
    public synchronized void synchronize() {
        requireOpen();
        makeCurrent();
        callAsync(JCudaDriver::cuCtxSynchronize, () -> "cuCtxSynchronize on " + name);
        pending.clear();
    }

    @Override
    public synchronized int maxDynamicSharedBytes(Kernel kernel) {
        requireOpen();
        CudaKernel k = own(kernel);
        if (k.maxDynamicShared < 0) {
            k.maxDynamicShared = functionAttribute(k, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                    "max dynamic shared size");
        }
        return k.maxDynamicShared;
    }

    @Override
    public synchronized void setMaxDynamicSharedBytes(Kernel kernel, int bytes) {
        requireOpen();
        CudaKernel k = own(kernel);
        String refusal = SharedMemoryLimits.attributeRefusal(bytes, staticSharedBytes(k), sharedOptIn);
        if (!refusal.isEmpty()) {
            throw new DeviceException("cannot set the dynamic shared memory limit of kernel " + k.name + " (module "
                    + k.module.name + ") on " + name + ": " + refusal);
        }
        makeCurrent();
        call(() -> JCudaDriver.cuFuncSetAttribute(k.function, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
                () -> "cuFuncSetAttribute(kernel " + k.name + " of module " + k.module.name
                        + ", CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = " + bytes + ") on " + name);
        k.maxDynamicShared = bytes;
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
        return "CudaDevice[" + name + (debug ? ", debug" : "") + "]";
    }

    // ---------------------------------------------------------------- internals used by the parts

    synchronized void copyHtoD(CudaBuffer dst, Pointer src, long dstByteOffset, long bytes) {
        requireOpen();
        dst.requireOpen();
        makeCurrent();
        callAsync(() -> JCudaDriver.cuMemcpyHtoD(dst.ptr.withByteOffset(dstByteOffset), src, bytes),
                () -> "cuMemcpyHtoD(" + bytes + " bytes at byte offset " + dstByteOffset + " of a " + dst.bytes + "-byte buffer) on " + name);
    }

    synchronized void copyDtoH(Pointer dst, CudaBuffer src, long srcByteOffset, long bytes) {
        requireOpen();
        src.requireOpen();
        makeCurrent();
        callAsync(() -> JCudaDriver.cuMemcpyDtoH(dst, src.ptr.withByteOffset(srcByteOffset), bytes),
                () -> "cuMemcpyDtoH(" + bytes + " bytes at byte offset " + srcByteOffset + " of a " + src.bytes + "-byte buffer) on " + name);
        pending.clear();   // a synchronous copy waited for every launch before it
    }

    synchronized void fill32(CudaBuffer b, int bits) {
        requireOpen();
        b.requireOpen();
        makeCurrent();
        long words = b.bytes / 4;
        if (words > 0) {
            callAsync(() -> JCudaDriver.cuMemsetD32(b.ptr, bits, words), () -> "cuMemsetD32(" + words + " words) on " + name);
        }
    }

    synchronized void free(CudaBuffer b) {
        buffers.remove(b);
        if (closed) {
            return;   // the context is gone; so is the memory
        }
        makeCurrent();
        callAsync(() -> JCudaDriver.cuMemFree(b.ptr), () -> "cuMemFree(" + b.bytes + " bytes) on " + name);
    }

    synchronized void unload(CudaModule m) {
        modules.remove(m);
        if (closed) {
            return;
        }
        makeCurrent();
        callAsync(() -> JCudaDriver.cuModuleUnload(m.module), () -> "cuModuleUnload(module " + m.name + ") on " + name);
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

    /** Makes the primary context current for a CUDA library (cuBLAS) called on this device's buffers. */
    void makeCurrentForLibrary() {
        makeCurrent();
    }

    /** {@code b} as an open buffer of this device holding at least {@code bytes}, for a library call. */
    CudaBuffer own(DeviceBuffer b, long bytes, String what) {
        CudaBuffer cb = ownBuffer(b, what + " of a library call");
        if (cb.bytes < bytes) {
            throw new DeviceException(what + " holds " + cb.bytes + " bytes, the call needs " + bytes);
        }
        return cb;
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
     * context ({@code where}), the driver's error name and a hint. The return code is checked; a
     * {@link CudaException} (thrown when JCuda's exceptions were switched on elsewhere in the JVM) is
     * wrapped the same way.
     */
    private static void call(DriverCall c, Supplier<String> where) {
        check(c, where, "");
    }

    /**
     * {@link #call} for the calls that may report an earlier launch's asynchronous error: the message
     * also names the launches since the last synchronization.
     */
    private void callAsync(DriverCall c, Supplier<String> where) {
        check(c, where, pending.suspects());
    }

    private static void check(DriverCall c, Supplier<String> where, String suspects) {
        int result;
        try {
            result = c.run();
        } catch (CudaException e) {
            throw new DeviceException(where.get() + " failed: " + e.getMessage() + CudaErrors.hint(e.getMessage()) + suspects, e);
        }
        if (result != CUresult.CUDA_SUCCESS) {
            String error = CUresult.stringFor(result);
            throw new DeviceException(where.get() + " failed: " + error + CudaErrors.hint(error) + suspects);
        }
    }

    private CudaKernel own(Kernel kernel) {
        if (!(kernel instanceof CudaKernel k) || k.module.device != this) {
            throw new DeviceException("kernel " + kernel.name() + " was not loaded on this device (" + name + ")");
        }
        return k;
    }

    private int staticSharedBytes(CudaKernel k) {
        if (k.staticShared < 0) {
            k.staticShared = functionAttribute(k, CUfunction_attribute.CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, "static shared size");
        }
        return k.staticShared;
    }

    private int functionAttribute(CudaKernel k, int attribute, String what) {
        makeCurrent();
        int[] v = {0};
        call(() -> JCudaDriver.cuFuncGetAttribute(v, attribute, k.function),
                () -> "cuFuncGetAttribute(kernel " + k.name + " of module " + k.module.name + ", " + what + ") on " + name);
        return v[0];
    }

    private int deviceAttribute(int attribute, String what) {
        int[] v = {0};
        call(() -> JCudaDriver.cuDeviceGetAttribute(v, attribute, device), () -> "cuDeviceGetAttribute(" + what + ")");
        return v[0];
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
        /** CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES and CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES once read; -1 before. */
        int maxDynamicShared = -1;
        int staticShared = -1;

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
