package org.lde.device.emu;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.DeviceException;
import org.lde.device.Dim3;
import org.lde.device.Kernel;
import org.lde.device.KernelArgs;
import org.lde.device.LaunchProfile;
import org.lde.device.Module;
import org.lde.device.SharedMemoryLimits;

/**
 * The PTX emulator as a {@link Device}: runs the same PTX text a GPU would, on the CPU, with the
 * sanitizer always on and counters for every launch ({@link #lastProfile()}).
 *
 * <h2>Execution model</h2>
 * Launches run synchronously, block after block (in x, then y, then z order). A block's threads form
 * warps of 32 consecutive linear thread ids. Each warp runs in lockstep: a step takes the smallest
 * program counter among its runnable lanes and executes that instruction for all lanes at it, so
 * divergent paths reconverge at the smallest PC and warp-synchronous instructions ({@code shfl.sync},
 * {@code vote.sync}, {@code activemask}) see exactly the lanes that are together. A warp runs until all
 * its live lanes wait at {@code bar.sync} or have exited; when every live thread of the block waits at
 * the same barrier, all are released. {@code membar}/{@code fence} are no-ops (one thread runs at a time,
 * so memory is always coherent); {@code bar.warp.sync} only checks that the lanes of its mask are here.
 * Atomics are applied lane by lane in lane order. Registers, shared and local memory and fresh
 * allocations start filled with {@link DeviceBuffer#POISON}, so reading them before writing shows up as
 * NaN. With a schedule seed ({@link #seeded}, or the system property {@code lde.emu.schedule}) blocks,
 * warps, divergent paths and the lanes of an atomic run in seeded random orders (see {@code Schedule}).
 *
 * <h2>Sanitizer</h2>
 * A launch stops with a {@link DeviceException} naming the kernel, block, thread, PTX line and CUDA
 * source line (from {@code .loc}) on: out-of-bounds or misaligned global, shared, local, param or const
 * access (global ones name the allocation overrun, e.g. "is 4 bytes past the end of allocation #3
 * (1024 bytes)"), use of freed memory, stores to param/const, a barrier not reached by every live
 * thread of the block at the same instruction, shuffles/votes whose membermask names lanes that are not
 * executing them, a shuffle reading an inactive lane, an aligned barrier reached after other threads
 * exited, data races within a block or between blocks, {@code ld.global.nc} of data written in the launch
 * and reads of never-written memory (see {@code Hazards}), {@code trap}, and a launch running more than
 * {@link #maxWarpSteps()} warp steps (an endless loop, or a spin wait on another warp, which this
 * one-warp-at-a-time scheduler cannot make progress on).
 *
 * <h2>Memory</h2>
 * Allocation {@code #i} is at {@code 0x7000_0000_0000 + i * 2^36}: aligned, far apart, and an address
 * maps to its allocation in constant time. Generic addresses of shared, local, const and param memory
 * are windows at {@code 0x1000_0000_0000}, {@code 0x2000_0000_0000}, {@code 0x3000_0000_0000} and
 * {@code 0x4000_0000_0000} (what {@code cvta} produces); everything else is global.
 *
 * <h2>Arguments</h2>
 * Each {@link KernelArgs} entry fills one {@code .param}: {@code Ptr} a 64-bit integer parameter,
 * {@code I32} a 32-bit integer, {@code I64} a 64-bit integer, {@code F32} an {@code .f32}, {@code F64}
 * an {@code .f64}. A {@code .b8} array parameter (a struct passed by value) is filled by consecutive
 * arguments, each placed at its natural alignment, which must cover the array exactly (no pointers: the
 * same rule as {@code CudaDevice}'s {@code PtxEntries}, and {@code PtxEntriesTest} checks that both agree).
 *
 * <p>One thread at a time: a device (or one of its buffers) used by a second thread while another is
 * inside one of its operations throws a {@link DeviceException} naming both threads. Use one device per thread.
 */
public final class EmulatedDevice implements Device {
    /**
     * Default limit on warp steps of one launch: 5e8 steps (up to 1.6e10 thread-instructions, a few
     * minutes of emulation), far beyond any test-sized kernel, so an endless loop fails instead of hanging.
     */
    public static final long DEFAULT_MAX_WARP_STEPS = 500_000_000L;
    /** Largest shared memory of one block (static + dynamic) the emulator accepts, as on sm_90. */
    public static final int MAX_SHARED_BYTES = 227 * 1024;

    private final GlobalMemory memory = new GlobalMemory();
    private final Hazards hazards = new Hazards(memory);
    private final List<EmuModule> modules = new ArrayList<>();
    private final long maxWarpSteps;
    /** The seed of the random schedule, or null for the deterministic order ({@link Schedule}). */
    private final Long scheduleSeed;
    private long launches;
    private LaunchProfile last;
    /** Completed launches per kernel name, in first-launch order. */
    private final java.util.Map<String, Long> launchesByKernel = new java.util.LinkedHashMap<>();
    private boolean closed;

    /** An emulator with the default step limit. */
    public EmulatedDevice() {
        this(DEFAULT_MAX_WARP_STEPS);
    }

    /**
     * An emulator that stops a launch after {@code maxWarpSteps} warp steps; its schedule is what the
     * system property {@code lde.emu.schedule} selects (deterministic when unset).
     */
    public EmulatedDevice(long maxWarpSteps) {
        this(maxWarpSteps, Schedule.fromProperty());
    }

    private EmulatedDevice(long maxWarpSteps, Long scheduleSeed) {
        if (maxWarpSteps <= 0) {
            throw new IllegalArgumentException("maxWarpSteps must be positive, got " + maxWarpSteps);
        }
        this.maxWarpSteps = maxWarpSteps;
        this.scheduleSeed = scheduleSeed;
    }

    /**
     * An emulator with the seeded random schedule (harsh mode: random block, warp and divergent-lane
     * orders, atomics in a random lane order), whatever the system property says.
     */
    public static EmulatedDevice seeded(long seed) {
        return new EmulatedDevice(DEFAULT_MAX_WARP_STEPS, seed);
    }

    /** An emulator with the deterministic order, whatever the system property says (tests of exact messages, profiles). */
    public static EmulatedDevice deterministic() {
        return new EmulatedDevice(DEFAULT_MAX_WARP_STEPS, null);
    }

    /** Whether {@code new EmulatedDevice()} runs the deterministic order (the property {@code lde.emu.schedule} is unset). */
    public static boolean deterministicByDefault() {
        return Schedule.fromProperty() == null;
    }

    /** The schedule's seed, or empty for the deterministic order. */
    public java.util.OptionalLong scheduleSeed() {
        return scheduleSeed == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(scheduleSeed);
    }

    /** The global memory (tests: its records and the one-thread guard). */
    GlobalMemory memory() {
        return memory;
    }

    public long maxWarpSteps() {
        return maxWarpSteps;
    }

    @Override
    public String name() {
        return "PTX emulator (warp size 32, sanitizer on" + (scheduleSeed == null ? "" : ", schedule seed " + scheduleSeed) + ")";
    }

    private void open() {
        if (closed) {
            throw new DeviceException("the emulated device is closed");
        }
    }

    @Override
    public DeviceBuffer allocate(long bytes) {
        memory.enter("allocate");
        try {
            open();
            return new EmuBuffer(memory, memory.allocate(bytes, ""));
        } finally {
            memory.exit();
        }
    }

    @Override
    public Module loadModule(String name, String ptx) {
        memory.enter("loadModule");
        try {
            return load(name, ptx);
        } finally {
            memory.exit();
        }
    }

    private Module load(String name, String ptx) {
        open();
        if (name == null || ptx == null) {
            throw new DeviceException("loadModule needs a name and PTX text");
        }
        EmuModule m = new EmuModule(name, ptx, memory);
        modules.add(m);
        return m;
    }

    @Override
    public void launch(Kernel kernel, Dim3 grid, Dim3 block, int dynamicSharedBytes, KernelArgs args) {
        memory.enter("launch of kernel " + (kernel == null ? "null" : kernel.name()));
        try {
            run(kernel, grid, block, dynamicSharedBytes, args);
        } finally {
            memory.exit();
        }
    }

    private void run(Kernel kernel, Dim3 grid, Dim3 block, int dynamicSharedBytes, KernelArgs args) {
        open();
        last = null;
        if (!(kernel instanceof EmuKernel ek) || !modules.contains(ek.module)) {
            throw new DeviceException("kernel " + (kernel == null ? "null" : kernel.name()) + " was not loaded by this emulated device");
        }
        DecodedKernel k = ek.decoded;
        String what = "launch of kernel " + k.name + " (module " + k.moduleName + ") with grid " + grid + ", block " + block;
        if (ek.module.closed) {
            throw new DeviceException(what + ": module is closed");
        }
        if (block.count() > 1024 || block.x() > 1024 || block.y() > 1024 || block.z() > 64) {
            throw new DeviceException(what + ": a block may have at most 1024 threads (x, y <= 1024, z <= 64)");
        }
        if (grid.y() > 65535 || grid.z() > 65535) {
            throw new DeviceException(what + ": grid y and z must be at most 65535");
        }
        if (k.reqntid != null && !matches(k.reqntid, block, true)) {
            throw new DeviceException(what + ": the kernel requires .reqntid " + java.util.Arrays.toString(k.reqntid));
        }
        if (k.maxntid != null && !matches(k.maxntid, block, false)) {
            throw new DeviceException(what + ": the kernel allows at most .maxntid " + java.util.Arrays.toString(k.maxntid));
        }
        if (dynamicSharedBytes < 0) {
            throw new DeviceException(what + ": negative dynamic shared memory " + dynamicSharedBytes);
        }
        String refusal = SharedMemoryLimits.launchRefusal(dynamicSharedBytes, maxDynamicSharedBytes(ek), ek.staticSharedBytes());
        if (!refusal.isEmpty()) {
            throw new DeviceException(what + ": " + refusal);
        }
        long sharedTotal = (long) ek.staticSharedBytes() + dynamicSharedBytes;
        if (sharedTotal > MAX_SHARED_BYTES) {
            throw new DeviceException(what + ": " + sharedTotal + " bytes of shared memory (static " + k.staticShared
                    + " + dynamic " + dynamicSharedBytes + ") exceed " + MAX_SHARED_BYTES);
        }
        byte[] param = packParams(what, k, args);
        launches++;
        Launch l = new Launch(k, memory, grid, block, dynamicSharedBytes, param, maxWarpSteps, hazards,
                scheduleSeed == null ? null : new Schedule(scheduleSeed, launches));
        try {
            l.run();
        } catch (DeviceException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new DeviceException(what + ": internal emulator error: " + e, e);
        }
        last = l.profile();
        launchesByKernel.merge(k.name, 1L, Long::sum);
    }

    /**
     * How many launches of each kernel have completed on this device, by kernel name, in the order each
     * was first launched (a copy). A test uses it to show which kernels it exercised.
     */
    public java.util.Map<String, Long> launchesByKernel() {
        return new java.util.LinkedHashMap<>(launchesByKernel);
    }

    @Override
    public int maxDynamicSharedBytes(Kernel kernel) {
        EmuKernel ek = own(kernel);
        return ek.maxDynamicShared >= 0 ? ek.maxDynamicShared : SharedMemoryLimits.defaultLimit(ek.staticSharedBytes());
    }

    /** As on sm_90: static plus dynamic shared memory of one block up to {@link #MAX_SHARED_BYTES} (the opt-in limit). */
    @Override
    public void setMaxDynamicSharedBytes(Kernel kernel, int bytes) {
        EmuKernel ek = own(kernel);
        String refusal = SharedMemoryLimits.attributeRefusal(bytes, ek.staticSharedBytes(), MAX_SHARED_BYTES);
        if (!refusal.isEmpty()) {
            throw new DeviceException("cannot set the dynamic shared memory limit of kernel " + ek.name() + " (module "
                    + ek.module.name() + ") on the " + name() + ": " + refusal);
        }
        ek.maxDynamicShared = bytes;
    }

    private EmuKernel own(Kernel kernel) {
        open();
        if (!(kernel instanceof EmuKernel ek) || !modules.contains(ek.module)) {
            throw new DeviceException("kernel " + (kernel == null ? "null" : kernel.name()) + " was not loaded by this emulated device");
        }
        if (ek.module.closed) {
            throw new DeviceException("kernel " + ek.name() + ": module " + ek.module.name() + " is closed");
        }
        return ek;
    }

    private static boolean matches(int[] lim, Dim3 block, boolean exact) {
        int[] b = {block.x(), block.y(), block.z()};
        if (exact) {
            for (int i = 0; i < 3; i++) {
                if (b[i] != (i < lim.length ? lim[i] : 1)) {
                    return false;
                }
            }
            return true;
        }
        // .maxntid bounds the number of threads: the PTX ISA defines the limit as the product of the
        // extents, so nvcc's __launch_bounds__(256) (.maxntid 256, 1, 1) admits a (32, 8, 1) block, as
        // on a GPU. Checking each dimension on its own would refuse launches that hardware accepts.
        long maxCount = 1;
        for (int v : lim) {
            maxCount *= v;
        }
        return block.count() <= maxCount;
    }

    private byte[] packParams(String what, DecodedKernel k, KernelArgs args) {
        if (args == null) {
            throw new DeviceException(what + ": null KernelArgs");
        }
        List<KernelArgs.Arg> list = args.args();
        byte[] out = new byte[k.paramBytes];
        int ai = 0;
        for (int p = 0; p < k.params.size(); p++) {
            Ast.ParamDecl pd = k.params.get(p);
            int off = k.paramOffset[p];
            if (pd.count() > 1 || pd.type() == PtxType.B8 || pd.type() == PtxType.U8 || pd.type() == PtxType.S8) {
                // a byte array (struct by value): filled by consecutive arguments at natural alignment
                long size = pd.bytes();
                long pos = 0;
                int first = ai;
                while (pos < size) {
                    if (ai >= list.size()) {
                        throw new DeviceException(what + ": parameter " + p + " (" + pd.name() + ", " + size
                                + "-byte array) is only filled up to byte " + pos + " by arguments " + first + ".." + (ai - 1)
                                + "; " + list.size() + " arguments given");
                    }
                    KernelArgs.Arg a = list.get(ai);
                    if (a instanceof KernelArgs.Ptr) {   // as CudaDevice (PtxEntries): a device address is not packed into a struct
                        throw new DeviceException(what + ": argument " + ai + " is a pointer but falls into the " + size
                                + "-byte array parameter " + p + " (" + pd.name() + "): pointers cannot be packed into a struct parameter");
                    }
                    int sz = argSize(a);
                    pos = (pos + sz - 1) / sz * sz;
                    if (pos + sz > size) {
                        throw new DeviceException(what + ": argument " + ai + " (" + describe(a) + ") overruns the " + size
                                + "-byte array parameter " + pd.name() + " at byte " + pos);
                    }
                    Bytes.put(out, (int) (off + pos), sz, argBits(what, ai, a));
                    pos += sz;
                    ai++;
                }
                continue;
            }
            if (ai >= list.size()) {
                throw new DeviceException(what + ": " + list.size() + " arguments given but the kernel has " + k.params.size()
                        + " parameters; parameter " + p + " (" + pd.name() + ", ." + pd.type().ptx() + ") has no argument");
            }
            KernelArgs.Arg a = list.get(ai);
            String expected = expectedArg(pd.type());
            if (!accepts(pd.type(), a)) {
                throw new DeviceException(what + ": argument " + ai + " is " + describe(a) + " but parameter " + p + " ("
                        + pd.name() + ") is ." + pd.type().ptx() + " (expects " + expected + ")");
            }
            Bytes.put(out, off, pd.type().bytes(), argBits(what, ai, a));
            ai++;
        }
        if (ai != list.size()) {
            throw new DeviceException(what + ": " + list.size() + " arguments given but the kernel's " + k.params.size()
                    + " parameters take " + ai);
        }
        return out;
    }

    private static String expectedArg(PtxType t) {
        switch (t) {
            case U64:
            case S64:
            case B64:
                return "ptr or i64";
            case U32:
            case S32:
            case B32:
                return "i32";
            case F32:
                return "f32";
            case F64:
                return "f64";
            default:
                return "nothing KernelArgs can express";
        }
    }

    private static boolean accepts(PtxType t, KernelArgs.Arg a) {
        switch (t) {
            case U64:
            case S64:
            case B64:
                return a instanceof KernelArgs.Ptr || a instanceof KernelArgs.I64;
            case U32:
            case S32:
            case B32:
                return a instanceof KernelArgs.I32;
            case F32:
                return a instanceof KernelArgs.F32;
            case F64:
                return a instanceof KernelArgs.F64;
            default:
                return false;
        }
    }

    private static int argSize(KernelArgs.Arg a) {
        return a instanceof KernelArgs.I32 || a instanceof KernelArgs.F32 ? 4 : 8;
    }

    private static String describe(KernelArgs.Arg a) {
        if (a instanceof KernelArgs.Ptr) {
            return "a pointer";
        }
        if (a instanceof KernelArgs.I32 i) {
            return "i32 " + i.value();
        }
        if (a instanceof KernelArgs.I64 i) {
            return "i64 " + i.value();
        }
        if (a instanceof KernelArgs.F32 f) {
            return "f32 " + f.value();
        }
        if (a instanceof KernelArgs.F64 f) {
            return "f64 " + f.value();
        }
        return String.valueOf(a);
    }

    private long argBits(String what, int index, KernelArgs.Arg a) {
        if (a instanceof KernelArgs.Ptr p) {
            if (p.buffer() instanceof EmuBuffer eb && eb.alloc.freed) {
                throw new DeviceException(what + ": argument " + index + " is a closed buffer (" + eb.alloc.describe() + ")");
            }
            if (!(p.buffer() instanceof EmuBuffer b) || memory.slot(b.address()) != b.alloc) {
                throw new DeviceException(what + ": argument " + index + " is a buffer of another device");
            }
            return b.address();
        }
        if (a instanceof KernelArgs.I32 i) {
            return i.value();
        }
        if (a instanceof KernelArgs.I64 i) {
            return i.value();
        }
        if (a instanceof KernelArgs.F32 f) {
            return Float.floatToRawIntBits(f.value());
        }
        if (a instanceof KernelArgs.F64 f) {
            return Double.doubleToRawLongBits(f.value());
        }
        throw new DeviceException(what + ": unknown argument kind " + a);
    }

    @Override
    public void synchronize() {
        open();
    }

    @Override
    public Optional<LaunchProfile> lastProfile() {
        return Optional.ofNullable(last);
    }

    /** Unloads every module and frees every buffer of this device (later use of them throws). Idempotent. */
    @Override
    public void close() {
        memory.enter("close");
        try {
            if (!closed) {
                for (EmuModule m : modules) {
                    m.close();
                }
                memory.freeAll();
                closed = true;
            }
        } finally {
            memory.exit();
        }
    }

    @Override
    public String toString() {
        return name();
    }
}
