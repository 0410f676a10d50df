package org.lde.model;

/**
 * A node that changes only the shape, never the data: the row-major values of its output equal
 * those of its input ({@link Flatten}, {@link Reshape}, {@link Identity}, {@link Dropout}, which is
 * the identity at inference). Every backend runs it as a copy (or no copy at all) forward and
 * backward; a bound pass carries bounds and linear rows through it unchanged.
 */
public sealed interface Reshaping extends Layer permits Flatten, Reshape, Identity, Dropout {
}
