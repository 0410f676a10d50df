package org.lde.engine;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.lde.engine.cpu.EjmlBackend;
import org.lde.engine.gpu.GpuBackend;
import org.lde.model.Network;

/**
 * Opens a {@link Backend} for a network by kind. Known kinds: {@code cpu} (the float64 EJML
 * reference, {@link EjmlBackend}); {@code emulator}, {@code cuda} and {@code auto}: the float32
 * kernels ({@link GpuBackend}) on the device {@code org.lde.device.Devices.open(kind)} opens (the PTX
 * emulator, a CUDA GPU, or a GPU when one is usable and else the emulator); the backend owns that
 * device and closes it.
 */
public final class Backends {
    /** Kinds accepted by {@link #open(Network, String)}. */
    public static final List<String> KINDS = List.of("cpu", "emulator", "cuda", "auto");

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
        switch (kind.trim().toLowerCase(Locale.ROOT)) {
            case "cpu":
                return cpu(network);
            case "emulator":
            case "cuda":
            case "auto":
                return GpuBackend.open(network, kind.trim().toLowerCase(Locale.ROOT));
            default:
                throw new IllegalArgumentException("unknown backend kind '" + kind + "'; known kinds: " + KINDS);
        }
    }
}
