package org.lde.engine;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.lde.device.Devices;
import org.lde.device.GpuProbe;
import org.lde.engine.cpu.EjmlBackend;
import org.lde.engine.fast.FastBackend;
import org.lde.engine.gpu.GpuBackend;
import org.lde.model.Network;

/**
 * Opens a {@link Backend} for a network by kind. Known kinds: {@code cpu} (the float64 EJML
 * reference, {@link EjmlBackend}); {@code cpu-fast} and {@code cpu-fast-f64} (the fast CPU backend
 * {@link FastBackend} in float32 and float64); {@code emulator} and {@code cuda}: the float32 kernels
 * ({@link GpuBackend}) on the PTX emulator or a CUDA GPU; {@code auto}: the kernels on a GPU when one
 * is usable, else {@code cpu-fast} (one line on stderr says why). A GPU backend owns its device and
 * closes it.
 */
public final class Backends {
    /** Kinds accepted by {@link #open(Network, String)}. */
    public static final List<String> KINDS = List.of("cpu", "cpu-fast", "cpu-fast-f64", "emulator", "cuda", "auto");

    private Backends() {
    }

    /** The float64 reference backend on a folded private copy of {@code network}. */
    public static Backend cpu(Network network) {
        return new EjmlBackend(network);
    }

    /**
     * Opens the backend of the given kind (case-insensitive).
     *
     * @throws IllegalArgumentException naming the kind and the known kinds when it is not recognised
     * @throws org.lde.device.DeviceException for {@code cuda} when no CUDA GPU is usable
     */
    public static Backend open(Network network, String kind) {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(kind, "kind");
        String k = kind.trim().toLowerCase(Locale.ROOT);
        switch (k) {
            case "cpu":
                return cpu(network);
            case "cpu-fast":
                return FastBackend.open(network, FastBackend.Precision.F32);
            case "cpu-fast-f64":
                return FastBackend.open(network, FastBackend.Precision.F64);
            case "emulator":
            case "cuda":
                return GpuBackend.open(network, k);
            case "auto": {
                GpuProbe.Result r = Devices.probe();
                if (r.usable()) {
                    try {
                        return GpuBackend.open(network, "cuda");
                    } catch (RuntimeException e) {
                        System.err.println("lde: using the fast CPU backend: the CUDA device could not be opened: " + e.getMessage());
                    }
                } else {
                    System.err.println("lde: using the fast CPU backend (cpu-fast): " + r.reason());
                }
                try {
                    return FastBackend.open(network, FastBackend.Precision.F32);
                } catch (IllegalArgumentException e) {
                    // a layer kind or graph shape the fast backend does not run yet: the reference runs every network
                    System.err.println("lde: using the float64 reference backend (cpu) instead: " + e.getMessage());
                    return cpu(network);
                }
            }
            default:
                throw new IllegalArgumentException("unknown backend kind '" + kind + "'; known kinds: " + KINDS);
        }
    }
}
