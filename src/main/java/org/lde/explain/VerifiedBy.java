package org.lde.explain;

/**
 * Which computation confirmed a verified point (METHOD.md section 4: a perturbation counts as
 * adversarial only when a float64 forward pass of the real network confirms it).
 */
public enum VerifiedBy {
    /** Nothing was verified. */
    NONE,
    /** The backend itself computes in float64 (the EJML reference): its forward pass is the confirmation. */
    FLOAT64_BACKEND,
    /**
     * A float32 backend proposed the point and a float64 forward pass on the host (the EJML reference over
     * the backend's network snapshot) confirmed it; the recorded margin is the float64 one.
     */
    FLOAT64_HOST_RECHECK;

    /** The JSON/CSV spelling: {@code none}, {@code float64-backend}, {@code float64-host-recheck}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
