package org.lde.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.lde.engine.dual.Objective;
import org.lde.explain.AttributionKind;
import org.lde.explain.LagrangeDualExplainer;
import org.lde.explain.Perturbation;
import org.junit.jupiter.api.Test;

/** {@link LdeSpec}: LDE settings written as method names. */
class LdeSpecTest {

    @Test
    void everyKeyReachesTheBuilder() {
        LagrangeDualExplainer e = LdeSpec.parse("lde:obj=l1+iters=16+kappa=2+attr=path+cand=0+stop=0+alpha=0.25");
        assertEquals(Objective.L1, e.objective());
        assertEquals(16, e.maxOuterIterations());
        assertEquals(2.0, e.kappa());
        assertEquals(AttributionKind.PATH, e.attributionKind());
        assertEquals(Perturbation.DELETION, e.perturbation());
        assertEquals(Perturbation.ADDITIVE, LdeSpec.parse("lde:model=additive").perturbation());
        assertEquals(5, LdeSpec.parse("lde:").maxOuterIterations());
    }

    @Test
    void badSettingsNameTheKeyAndValue() {
        String m = assertThrows(IllegalArgumentException.class, () -> LdeSpec.parse("lde:iters=x")).getMessage();
        assertTrue(m.contains("iters") && m.contains("'x'"), m);
        m = assertThrows(IllegalArgumentException.class, () -> LdeSpec.parse("lde:color=red")).getMessage();
        assertTrue(m.contains("unknown key 'color'"), m);
        m = assertThrows(IllegalArgumentException.class, () -> LdeSpec.parse("lde:attr=magic")).getMessage();
        assertTrue(m.contains("attr") && m.contains("path"), m);
        m = assertThrows(IllegalArgumentException.class, () -> LdeSpec.parse("lde:kappa")).getMessage();
        assertTrue(m.contains("KEY=VALUE"), m);
        m = assertThrows(IllegalArgumentException.class, () -> LdeSpec.parse("lde:iters=0")).getMessage();
        assertTrue(m.contains("S_max"), m);
    }
}
