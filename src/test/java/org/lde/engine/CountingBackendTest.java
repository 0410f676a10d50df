package org.lde.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.lde.explain.baseline.IntegratedGradients;
import org.lde.explain.baseline.Saliency;
import org.lde.metrics.Efficiency;
import org.lde.tensor.Tensor;
import org.lde.testing.TestModels;

/** The pass counts match the calls made; failed calls count nothing. */
class CountingBackendTest {

    @Test
    void countsMatchTheCallsMade() {
        try (CountingBackend be = new CountingBackend(Backends.cpu(TestModels.smallCnn(1)))) {
            Tensor x = TestModels.inputs(2, 5, 1, 8, 8);
            be.forward(x);
            assertEquals(new CountingBackend.Counts(1, 5, 0, 0, 0), be.counts());
            try (Recorded r = be.forwardRecorded(x.slice(0, 2))) {
                be.reverse(r, Seeds.identity(2, 3));               // 2 samples x 3 seeds
                be.layerGradient(r, "conv2", Tensor.zeros(2, 1, 3)); // 2 x 1
            }
            assertEquals(new CountingBackend.Counts(2, 7, 2, 8, 4), be.counts());
            // a rejected call changes nothing
            assertThrows(IllegalArgumentException.class, () -> be.forward(Tensor.zeros(2, 7)));
            assertEquals(new CountingBackend.Counts(2, 7, 2, 8, 4), be.counts());
            be.reset();
            assertEquals(new CountingBackend.Counts(0, 0, 0, 0, 0), be.counts());

            // saliency with chunks of 2 rows over 5 samples: 3 recorded forwards, 3 reverse passes, 5 rows
            Efficiency.Timed t = Efficiency.measure(be, Saliency.signed().withChunkRows(2), x, new int[] {0, 1, 2, 0, 1});
            assertEquals(new CountingBackend.Counts(3, 5, 3, 5, 5), t.efficiency().counts());
            assertEquals(1.0, t.efficiency().reverseRowsPerSample(), 0);
            // integrated gradients, 10 points x 2 samples in one chunk: one recorded pass of 20 rows,
            // one reverse pass of 20 rows, and one forward pass of the 4 end points
            Efficiency.Timed ig = Efficiency.measure(be, new IntegratedGradients().withSteps(10), x.slice(0, 2), new int[] {0, 1});
            assertEquals(new CountingBackend.Counts(2, 24, 1, 20, 20), ig.efficiency().counts());
            assertEquals(12.0, ig.efficiency().forwardRowsPerSample(), 0);

            // the explainer's fused step counts as the reverse pass it contains; its own per-sample counts agree
            be.reset();
            java.util.List<org.lde.explain.Explanation> ex = org.lde.explain.LagrangeDualExplainer.builder()
                    .maxOuterIterations(2).build().explain(be, x.slice(0, 2));
            long reverses = 0;
            long seeds = 0;
            long forwards = 0;
            for (org.lde.explain.Explanation e : ex) {
                reverses += e.reversePasses();
                seeds += e.reverseSeeds();
                forwards += e.forwardPasses();
            }
            CountingBackend.Counts c = be.counts();
            assertEquals(seeds, c.reverseRows(), "seed rows: explanations vs the backend");
            assertEquals(forwards, c.forwardSamples(), "forward samples: explanations vs the backend");
            assertEquals(reverses, c.reverseSamples(), "reverse passes: explanations vs the backend");
            assertEquals(reverses > 0, c.reverseCalls() > 0);
        }
    }
}
