package org.lde.model;

import org.lde.tensor.Tensor;

/** Folding an inference BatchNorm into the Dense or Conv2d layer it reads (used by {@link Network#folded()}). */
final class BatchNormFolding {
    private BatchNormFolding() {
    }

    /**
     * {@code into} with {@code bn} folded in: {@code W'[o] = s[o] W[o]}, {@code b'[o] = s[o] b[o] + t[o]} per output
     * channel, {@code s = gamma / sqrt(var + eps)}, {@code t = beta - mean s}. New tensors; {@code into} is not modified.
     */
    static Layer fold(BatchNorm bn, Layer into) {
        if (into instanceof Dense d) {
            Tensor w = d.weight().copy();
            Tensor b = d.bias().copy();
            for (int o = 0; o < d.out(); o++) {
                double s = bn.scale(o);
                for (int k = 0; k < d.in(); k++) {
                    w.data()[o * d.in() + k] *= s;
                }
                b.data()[o] = b.data()[o] * s + bn.shift(o);
                requireFiniteFold(bn, d.name(), o, s, w.data(), o * d.in(), d.in(), b.data()[o]);
            }
            return new Dense(d.name(), d.in(), d.out(), w, b);
        }
        Conv2d c = (Conv2d) into;
        Tensor w = c.weight().copy();
        Tensor b = c.bias().copy();
        int per = c.groupInChannels() * c.kernelH() * c.kernelW();
        for (int o = 0; o < c.outChannels(); o++) {
            double s = bn.scale(o);
            for (int k = 0; k < per; k++) {
                w.data()[o * per + k] *= s;
            }
            b.data()[o] = b.data()[o] * s + bn.shift(o);
            requireFiniteFold(bn, c.name(), o, s, w.data(), o * per, per, b.data()[o]);
        }
        return new Conv2d(c.name(), c.inChannels(), c.outChannels(), c.kernelH(), c.kernelW(), c.strideH(), c.strideW(),
                c.padH(), c.padW(), c.groups(), c.dilationH(), c.dilationW(), w, b);
    }

    /** After folding output channel {@code o}: its scale, weights and bias must be finite. */
    private static void requireFiniteFold(BatchNorm bn, String into, int o, double scale, double[] w, int from, int count,
                                          double bias) {
        int bad = -1;
        for (int k = from; k < from + count && bad < 0; k++) {
            if (!Double.isFinite(w[k])) {
                bad = k;
            }
        }
        if (bad < 0 && Double.isFinite(scale) && Double.isFinite(bias)) {
            return;
        }
        String what = bad >= 0 ? "weight " + into + ".weight at flat index " + bad + " = " + w[bad]
                : !Double.isFinite(scale) ? "scale gamma/sqrt(var + eps) = " + scale : "bias " + into + ".bias[" + o + "] = " + bias;
        throw new IllegalArgumentException("layer '" + bn.name() + "' (" + bn.kind() + ") folded into '" + into
                + "' gives a non-finite " + what + " for channel " + o + " (gamma " + bn.weight().data()[o] + ", running_var "
                + bn.runningVar().data()[o] + ", eps " + bn.eps() + "): the folded network would compute NaN or infinity");
    }
}
