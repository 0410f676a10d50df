package org.lde.explain;

import java.util.Objects;
import org.lde.tensor.Tensor;

/**
 * An additive attribution map of the input's shape with its completeness check (METHOD.md section 5).
 *
 * @param map              per-feature contributions, shape of one input (copied in and out)
 * @param sum              {@code sum_i map_i}
 * @param expected         what the sum should be (e.g. {@code lambda*^T r}, or {@code m(z_S) - m(x)})
 * @param relativeResidual {@code |sum - expected| / |expected|}, or {@code / sum_i |map_i|} when
 *                         {@code expected = 0}; the absolute difference when both scales are 0.
 *                         Reported, never assumed.
 */
public record AttributionMap(Tensor map, double sum, double expected, double relativeResidual) {

    public AttributionMap {
        Objects.requireNonNull(map, "map");
        map = map.copy();
    }

    @Override
    public Tensor map() {
        return map.copy();
    }

    /** Builds the map of {@code phi} (reshaped to {@code shape}) and its residual against {@code expected}. */
    static AttributionMap of(double[] phi, org.lde.tensor.Shape shape, double expected) {
        double sum = 0;
        double abs = 0;
        for (double v : phi) {
            sum += v;
            abs += Math.abs(v);
        }
        double scale = expected != 0 ? Math.abs(expected) : abs;
        double res = scale == 0 ? Math.abs(sum - expected) : Math.abs(sum - expected) / scale;
        return new AttributionMap(new Tensor(shape, phi.clone()), sum, expected, res);
    }
}
