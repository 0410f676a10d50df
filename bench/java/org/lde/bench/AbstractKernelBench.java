package org.lde.bench;

import java.util.Locale;

import org.lde.device.Device;
import org.lde.device.Devices;
import org.lde.device.GpuProbe;
import org.lde.device.Kernel;
import org.lde.device.KernelLibrary;
import org.lde.device.LaunchProfile;

/**
 * What the kernel benchmarks share (no JMH annotations here; the subclasses carry them): opening the
 * device named by the {@code device} parameter, timing each launch (launch + synchronize) on the
 * side, and the one-line summary printed at the end of a trial: time per launch and achieved
 * GFLOP/s and GB/s (against the fewest bytes the kernel must move), plus, on the emulator, the
 * thread-instructions and flops per launch from {@link Device#lastProfile()}.
 */
abstract class AbstractKernelBench {

    /** The open device (the subclasses' {@code device} parameter names its kind). */
    protected Device dev;
    protected KernelLibrary library;
    private String kernelName = "";
    private long launches;
    private long nanos;
    private double flopsPerLaunch;
    private double bytesPerLaunch;
    private LaunchProfile lastProfile;

    /**
     * Opens {@code kind} ("emulator" or "cuda"). For "cuda" without a usable GPU this throws a {@link Skip}
     * (one line, no stack trace), so JMH reports that parameter combination as failed with the reason and
     * goes on with the others.
     */
    protected void open(String kind) {
        if (kind.equals("cuda")) {
            requireGpu(getClass().getSimpleName());
        }
        dev = Devices.open(kind);
        library = new KernelLibrary(dev);
    }

    /** Throws a {@link Skip} naming {@code bench} and the probe's reason when no CUDA GPU is usable. */
    static void requireGpu(String bench) {
        GpuProbe.Result r = Devices.probe();
        if (!r.usable()) {
            throw new Skip(bench + " skipped on device=cuda: no usable CUDA GPU: " + r.reason());
        }
    }

    /**
     * A benchmark that cannot run here (no GPU): JMH prints the throwable of a failed setup, and this one
     * has no stack trace, so the skip is one line.
     */
    static final class Skip extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Skip(String message) {
            super(message, null, false, false);
        }

        @Override
        public String toString() {
            return getMessage();
        }
    }

    protected boolean onEmulator() {
        return !dev.getClass().getName().startsWith("org.lde.device.cuda.");
    }

    /** Forgets the timings so far, so the summary covers the last (measurement) iteration only. */
    protected void resetTimings() {
        launches = 0;
        nanos = 0;
    }

    /** Declares what one launch of {@code kernel} computes and the fewest bytes it must move. */
    protected void describe(Kernel kernel, double flops, double bytes) {
        this.kernelName = kernel.name();
        this.flopsPerLaunch = flops;
        this.bytesPerLaunch = bytes;
    }

    /** Runs one launch (the caller's launch and synchronize) and adds its wall time to the side statistics. */
    protected void timed(Runnable launchAndSync) {
        long t0 = System.nanoTime();
        launchAndSync.run();
        nanos += System.nanoTime() - t0;
        launches++;
        if (onEmulator()) {
            lastProfile = dev.lastProfile().orElse(null);
        }
    }

    /** Prints the trial's summary line (the last iteration's launches) and closes the device. */
    protected void close(String shape) {
        try {
            if (launches > 0) {
                double seconds = nanos * 1e-9 / launches;
                StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                        "%n# %s on %s, %s: %.3f us/launch, %.2f GFLOP/s, %.2f GB/s (fewest bytes), over the %d launches of the last iteration",
                        kernelName, dev.name(), shape, seconds * 1e6, flopsPerLaunch / seconds * 1e-9,
                        bytesPerLaunch / seconds * 1e-9, launches));
                if (lastProfile != null) {
                    sb.append(String.format(Locale.ROOT, "; emulated: %d thread-instructions/launch, %d flops/launch,"
                                    + " load sector efficiency %.3f, %d bank conflicts",
                            lastProfile.threadInstructions(), lastProfile.flops(), lastProfile.loadSectorEfficiency(),
                            lastProfile.sharedBankConflicts()));
                }
                System.out.println(sb);
            }
        } finally {
            if (library != null) {
                library.close();
            }
            if (dev != null) {
                dev.close();
            }
        }
    }
}
