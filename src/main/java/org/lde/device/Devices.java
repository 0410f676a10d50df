package org.lde.device;

import java.io.PrintStream;
import java.util.List;
import java.util.Objects;

/**
 * Picks the place kernels run: a CUDA GPU when one is usable, else the PTX emulator.
 *
 * <pre>{@code
 * try (Device d = Devices.open("auto")) { ... }   // CUDA if usable, else the emulator (one line on stderr says why)
 * Devices.open("cuda");                            // a CUDA GPU, or a DeviceException saying what is missing
 * Devices.open("emulator");                        // the PTX emulator, always available
 * }</pre>
 *
 * <p>Debug mode ({@code -Dlde.device.debug=true}, or {@link #open(String, PrintStream, boolean)}): a CUDA
 * device synchronizes after every launch, so that a faulting kernel is reported by its own launch with
 * its kernel, module and launch shape instead of by a later call. The emulator runs every launch
 * synchronously anyway and reports faults at the instruction.
 *
 * <p>{@link #probe()} never throws and never touches JCuda's driver class unless
 * {@code libcuda.so.1} exists (see {@link GpuProbe}).
 */
public final class Devices {

    /** The kinds {@link #open(String)} accepts. */
    public static final List<String> KINDS = List.of("auto", "cuda", "emulator");

    private Devices() {
    }

    /** Whether a CUDA GPU is usable, and if not, why. Never throws. */
    public static GpuProbe.Result probe() {
        return GpuProbe.system().probe();
    }

    /** The system property that turns on the debug mode of every device {@link #open(String)} opens. */
    public static final String DEBUG_PROPERTY = org.lde.device.cuda.CudaDevice.DEBUG_PROPERTY;

    /** {@link #open(String, PrintStream)} with notes (the fallback reason of "auto") on {@code System.err}. */
    public static Device open(String kind) {
        return open(kind, System.err);
    }

    /**
     * Opens a device of the given kind.
     *
     * @param kind  {@code "auto"}: CUDA when {@link #probe()} finds a usable GPU, else the emulator,
     *              with one line on {@code notes} saying why; {@code "cuda"}: a CUDA GPU (device 0);
     *              {@code "emulator"}: the PTX emulator
     * @param notes where "auto" writes its one-line reason for falling back to the emulator
     * @throws DeviceException          for "cuda" when no GPU is usable (one sentence naming what is missing)
     * @throws IllegalArgumentException for an unknown kind (the message lists the kinds)
     */
    public static Device open(String kind, PrintStream notes) {
        return open(kind, notes, Boolean.getBoolean(DEBUG_PROPERTY));
    }

    /**
     * {@link #open(String, PrintStream)} with the debug mode set explicitly: {@code debug} makes a CUDA
     * device synchronize after every launch (see the class description); the emulator ignores it.
     */
    public static Device open(String kind, PrintStream notes, boolean debug) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(notes, "notes");
        switch (kind) {
            case "emulator":
                return openEmulator();
            case "cuda": {
                GpuProbe.Result r = probe();
                if (!r.usable()) {
                    throw new DeviceException("cannot open a CUDA device: " + r.reason());
                }
                return new org.lde.device.cuda.CudaDevice(0, debug);
            }
            case "auto": {
                GpuProbe.Result r = probe();
                if (r.usable()) {
                    try {
                        return new org.lde.device.cuda.CudaDevice(0, debug);
                    } catch (RuntimeException e) {
                        notes.println("lde: using the PTX emulator: the CUDA device could not be opened: " + firstLine(e.getMessage()));
                        return openEmulator();
                    }
                }
                notes.println("lde: using the PTX emulator: " + r.reason());
                return openEmulator();
            }
            default:
                throw new IllegalArgumentException("unknown device kind '" + kind + "'; the kinds are " + String.join(", ", KINDS));
        }
    }

    private static Device openEmulator() {
        return new org.lde.device.emu.EmulatedDevice();
    }

    private static String firstLine(String s) {
        return s == null ? "(no message)" : s.lines().findFirst().orElse("");
    }
}
