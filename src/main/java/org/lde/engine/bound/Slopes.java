package org.lde.engine.bound;

/**
 * Lower-line slopes {@code a in [s, 1]} of unstable ReLU ({@code s = 0}) and LeakyReLU (negative slope
 * {@code s <= 1}) neurons, per row of a backward bound pass (alpha-CROWN): {@code perRow[r][k]} is the
 * slope array of the activation layer with index {@code k}, indexed like its input node, or {@code null}
 * for CROWN's adaptive choice ({@code a = 1} if {@code u > -l}, else {@code s}). Entries of stable
 * neurons, and arrays given for other activations, are ignored. Arrays are shared.
 */
public record Slopes(double[][][] perRow) {
    /** CROWN's adaptive slopes everywhere. */
    public static final Slopes ADAPTIVE = new Slopes(new double[0][][]);

    /** The slope array of row {@code r}, layer {@code k}, or null for adaptive. */
    double[] of(int r, int k) {
        if (perRow.length == 0 || perRow[r] == null) {
            return null;
        }
        return perRow[r][k];
    }
}
