package org.lde.model;

/** What the network's outputs mean (METHOD.md section 1). */
public enum Task {
    /** {@code C >= 2} logits; the decision is the argmax. */
    CLASSIFICATION,
    /** One output; explanations target a change of {@code kappa} in it. */
    REGRESSION
}
