package org.lde.engine;

/** Optimizer state (moments, step count) owned by the backend that created it. */
public interface OptimizerState extends AutoCloseable {
    OptimizerSpec spec();

    /** Number of updates applied so far. */
    long steps();

    @Override
    void close();
}
