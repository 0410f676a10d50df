package org.lde.validation;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.Devices;
import org.lde.device.GpuProbe;
import org.lde.device.KernelLibrary;
import org.lde.tensor.Rng;

/**
 * Shared machinery of the kernel agreement suites: the devices a kernel is checked on (every test
 * is parameterised by a device kind from {@link #devices()}: {@code @ParameterizedTest
 * @MethodSource("devices")}), the checker against the float64 reference
 * (METHOD.md section 10: {@code ||out - ref|| / ||ref|| <= 1e-5}, a NaN or Inf never passes) and
 * helpers for poisoned buffers and fresh random inputs.
 *
 * <p>The emulator always runs; the CUDA device runs when {@link Devices#probe()} finds a usable
 * GPU and each CUDA case is otherwise skipped (a JUnit assumption) with the probe's reason. Devices
 * are opened once per suite and closed after it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class AbstractKernelSuite {

    /** The device kinds every kernel test runs on. */
    public static java.util.stream.Stream<String> devices() {
        return java.util.stream.Stream.of("emulator", "cuda");
    }

    /** Relative error bound of kernels in float32 against the float64 reference. */
    public static final double TOLERANCE = 1e-5;

    private final Map<String, Device> devices = new LinkedHashMap<>();
    private final Map<String, KernelLibrary> libraries = new LinkedHashMap<>();
    private GpuProbe.Result probe;

    /**
     * On the emulator, asserts that every named kernel has been launched on {@code d}, so that a check says
     * (and proves) which kernels it exercised; on other devices, which keep no such counts, nothing.
     */
    protected static void assertLaunched(Device d, String... kernels) {
        if (d instanceof org.lde.device.emu.EmulatedDevice e) {
            Map<String, Long> ran = e.launchesByKernel();
            for (String k : kernels) {
                org.junit.jupiter.api.Assertions.assertTrue(ran.getOrDefault(k, 0L) > 0,
                        "kernel " + k + " was never launched; launched: " + ran.keySet());
            }
        }
    }

    /** The kernel library on the device {@code kind}; skips the test (assumption) when it is "cuda" and there is no GPU. */
    protected KernelLibrary library(String kind) {
        if (kind.equals("cuda")) {
            if (probe == null) {
                probe = Devices.probe();
            }
            GpuProbe.Result r = probe;
            assumeTrue(r.usable(), () -> "skipped on cuda: no usable CUDA GPU: " + r.reason());
        }
        KernelLibrary lib = libraries.get(kind);
        if (lib == null) {
            Device d = Devices.open(kind);
            devices.put(kind, d);
            lib = new KernelLibrary(d);
            libraries.put(kind, lib);
        }
        return lib;
    }

    @AfterAll
    void closeDevices() {
        libraries.values().forEach(KernelLibrary::close);
        devices.values().forEach(Device::close);
        libraries.clear();
        devices.clear();
    }

    // ------------------------------------------------------------------------------ buffers and data

    /**
     * A device buffer of {@code capacity} floats (at least one), all poisoned, then holding
     * {@code values} (when not null) in its first {@code values.length} elements.
     */
    protected static DeviceBuffer upload(Device d, float[] values, int capacity) {
        if (values != null && values.length > capacity) {
            throw new IllegalArgumentException(values.length + " values do not fit a buffer of " + capacity);
        }
        DeviceBuffer b = d.allocate(4L * Math.max(1, capacity));
        b.fill32(DeviceBuffer.POISON);
        if (values != null && values.length > 0) {
            b.write(values, 0, 0, values.length);
        }
        return b;
    }

    protected static float[] download(DeviceBuffer b, int n) {
        float[] out = new float[n];
        if (n > 0) {
            b.read(out, 0, 0, n);
        }
        return out;
    }

    /** {@code n} uniform values in [-1, 1), exactly representable as float and as double. */
    protected static float[] randomFloats(Rng rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rng.uniform(-1, 1);
        }
        return x;
    }

    protected static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    // ---------------------------------------------------------------------------------------- checker

    /** {@code ||out - ref|| / ||ref||} (or {@code ||out - ref||} when ref is zero); NaN when out holds a NaN or Inf. */
    public static double relativeError(float[] out, double[] ref) {
        if (out.length != ref.length) {
            throw new IllegalArgumentException("output has " + out.length + " elements, reference has " + ref.length);
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < out.length; i++) {
            if (!Float.isFinite(out[i])) {
                return Double.NaN;
            }
            double d = out[i] - ref[i];
            num += d * d;
            den += ref[i] * ref[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    /**
     * Fails unless every output element is finite and {@code ||out - ref|| / ||ref|| <= tolerance}; the
     * message names {@code what}, the error, and the first mismatching elements (those with
     * {@code |out - ref| > tolerance * (1 + |ref|)}, or non-finite, marked "poison" when they still
     * hold {@link DeviceBuffer#POISON}, i.e. were never written).
     */
    public static void assertMatches(String what, float[] out, double[] ref, double tolerance) {
        double err = relativeError(out, ref);
        if (err <= tolerance) {   // false for NaN
            return;
        }
        StringBuilder sb = new StringBuilder();
        sb.append(what).append(": relative error ").append(Double.isNaN(err) ? "NaN (non-finite output)" : String.format(Locale.ROOT, "%.3e", err))
                .append(" > ").append(tolerance).append(" over ").append(out.length).append(" elements; first mismatches:");
        int shown = 0;
        int bad = 0;
        for (int i = 0; i < out.length; i++) {
            boolean nonFinite = !Float.isFinite(out[i]);
            if (nonFinite || Math.abs(out[i] - ref[i]) > tolerance * (1 + Math.abs(ref[i]))) {
                bad++;
                if (shown < 5) {
                    shown++;
                    sb.append(String.format(Locale.ROOT, "%n  [%d] out %s ref %.9g", i, out[i], ref[i]));
                    if (Float.floatToRawIntBits(out[i]) == DeviceBuffer.POISON) {
                        sb.append(" (poison: never written)");
                    }
                }
            }
        }
        sb.append(String.format(Locale.ROOT, "%n  %d element(s) mismatch", bad));
        fail(sb.toString());
    }
}
