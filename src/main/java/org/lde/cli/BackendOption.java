package org.lde.cli;

import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.model.Network;
import picocli.CommandLine.Option;

/** The {@code --backend} option shared by the commands that compute (a picocli mixin). */
final class BackendOption {
    @Option(names = "--backend", defaultValue = "cpu",
            description = "cpu (float64 EJML reference), cpu-fast (fast CPU backend, float32; OpenBLAS), "
                    + "cpu-fast-f64 (the same in float64), emulator (float32 kernels on the PTX emulator), "
                    + "cuda (the kernels on a GPU), or auto (cuda when a GPU is usable, else cpu-fast); "
                    + "default ${DEFAULT-VALUE}")
    String kind = "cpu";

    Backend open(Network net) {
        return Backends.open(net, kind);
    }
}
