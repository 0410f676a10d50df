package org.lde.cli;

import java.util.List;
import org.lde.data.Dataset;
import org.lde.data.Datasets;
import org.lde.model.FeatureScaling;
import org.lde.model.Network;

/**
 * Data for a model, in the model's input space: for a model with per-feature domains
 * ({@link FeatureScaling}) the raw table's columns must carry the model's feature names, and every value
 * is checked against its feature's domain and scaled to {@code [0, 1]} (a value outside, or NaN, is an error
 * naming the row, the feature and the value; nothing is clamped). Other models get the data as read.
 */
final class TabularData {
    private TabularData() {
    }

    /** {@link Datasets#load(String, int, List)} for {@code net}, then {@link #forModel}. */
    static Dataset load(String spec, int limit, Network net) {
        return forModel(Datasets.load(spec, limit, net.classNames()), spec, net, null);
    }

    /**
     * {@code ds} in {@code net}'s input space (see the class comment); {@code rowIds} names each row in messages
     * (null: 0, 1, ...).
     */
    static Dataset forModel(Dataset ds, String spec, Network net, int[] rowIds) {
        if (net.features().isEmpty()) {
            return ds;
        }
        FeatureScaling f = net.features().get();
        List<String> bad = f.mismatches(ds.featureNames());
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("data set '" + spec + "' does not have the model's features (" + String.join("; ", bad)
                    + "); the model takes " + f.names());
        }
        return ds.withInputs(f.toNetwork(ds.inputs(), "data set '" + spec + "'", rowIds), ds.featureNames(),
                ds.source() + "; each feature scaled to [0, 1] over the model's domain");
    }
}
