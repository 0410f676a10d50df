package org.lde.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.lde.device.Device;
import org.lde.device.Devices;
import org.lde.engine.Recorded;
import org.lde.engine.Seeds;
import org.lde.engine.cpu.EjmlBackend;
import org.lde.engine.gpu.GpuBackend;
import org.lde.model.Network;
import org.lde.tensor.Rng;
import org.lde.tensor.Tensor;

/**
 * Graph networks on {@link GpuBackend}, besides the property tests of {@link GpuBackendAgreementSuite}
 * (which run every backend operation on {@link GraphNetworks}' graphs): that those graph cases cover
 * every node kind and join shape in EVERY property test, and that a reverse pass through forks stays
 * on the device (the branch gradients summed there by {@code axpy}: no upload, one download).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GpuBackendGraphSuite {
    private Device emulator;

    @AfterAll
    void close() {
        if (emulator != null) {
            emulator.close();
        }
    }

    static final Set<String> REQUIRED = new TreeSet<>(List.of("add", "affine", "avgpool2d", "concat", "conv2d", "dense",
            "dropout", "flatten", "global_avg_pool", "identity", "leaky_relu", "maxpool2d", "relu", "reshape", "sigmoid",
            "tanh", "grouped conv2d", "depthwise conv2d", "dilated conv2d", "affine on [C]", "affine on [C,H,W]", "add of 3",
            "join reading a node twice", "fork", "pass-through reader first"));

    @Test
    void everyPropertyTestSeesEveryNodeKindAndJoinShape() {
        if (GpuBackendAgreementSuite.GRAPH_CASES < 6) {
            return; // fewer cases were asked for (-Dlde.agreement.graphCases): coverage is the caller's choice
        }
        for (long seed : GpuBackendAgreementSuite.CASE_SEEDS) {
            Set<String> seen = GraphNetworks.coverage(GpuBackendAgreementSuite.graphNetworks(seed + GpuBackendAgreementSuite.SEED));
            Set<String> missing = new TreeSet<>(REQUIRED);
            missing.removeAll(seen);
            assertEquals(Set.of(), missing, "graph cases of case seed " + seed + " miss these; they cover " + seen);
        }
    }

    @Test
    void aJacobianThroughForksIsOneBatchedPassThatStaysOnTheDevice() {
        emulator = Devices.open("emulator");
        TrackingDevice dev = new TrackingDevice(emulator);
        Rng rng = new Rng(31);
        for (int v = 0; v < 6; v++) {
            Network net = GraphNetworks.random(rng, v);
            int n = 1 + rng.nextInt(3), c = net.outputSize();
            Tensor x = rng.uniform(net.inputShape().withBatch(n), 0, 1);
            String label = "graph variant " + v + " " + net.layers().stream().map(l -> l.kind()).toList();
            try (EjmlBackend ref = new EjmlBackend(net); GpuBackend gpu = new GpuBackend(net, dev);
                 Recorded r = ref.forwardRecorded(x); Recorded g = gpu.forwardRecorded(x)) {
                dev.resetCounters();
                Tensor j = gpu.jacobian(g);
                assertEquals(0, dev.uploads, label + ": a Jacobian with device seeds uploads nothing");
                assertEquals(1, dev.downloads, label + ": a Jacobian downloads only its result");
                assertTrue(dev.log.contains("launch axpy") || dev.log.contains("launch strided_copy"),
                        label + ": the branch gradients of a fork are summed (axpy) or copied on the device: " + dev.log);
                Tensor jr = ref.reverse(r, Seeds.identity(n, c));
                double err = j.relativeError(jr);
                if (!(err <= GpuBackendAgreementSuite.TOL)) {
                    fail(String.format(Locale.ROOT, "%s: jacobian relative error %.3e", label, err));
                }
            }
            assertEquals(0, dev.liveBuffers(), label + ": closing frees every buffer");
            assertEquals(List.of(), dev.freedInFlight, label + ": buffers freed while launches using them may still run");
        }
    }
}
