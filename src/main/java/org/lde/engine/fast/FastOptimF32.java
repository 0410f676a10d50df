package org.lde.engine.fast;

import java.util.List;
import org.lde.engine.OptimizerSpec;
import org.lde.engine.OptimizerState;
import org.lde.tensor.Tensor;

/**
 * Optimizer state of the fast backend in float32 (float64 in the generated {@code FastOptimF64}):
 * the moments {@code first} (SGD momentum or Adam m) and {@code second} (Adam v) in the backend's
 * precision, and the update of the reference (PyTorch's SGD with momentum and L2 weight decay, Adam)
 * on the backend's own copy of the parameters.
 *
 * <p>Generated source: {@code FastOptimF64} is written from this file by
 * {@code src/scripts/generate-fast-f64.sh}; edit this file and rerun the script.
 */
final class FastOptimF32 implements OptimizerState {
    final Object owner;
    final OptimizerSpec spec;
    final float[][] first;
    final float[][] second;
    long steps;
    boolean closed;

    FastOptimF32(Object owner, OptimizerSpec spec, List<float[]> params) {
        this.owner = owner;
        this.spec = spec;
        first = new float[params.size()][];
        second = new float[params.size()][];
        for (int q = 0; q < params.size(); q++) {
            first[q] = new float[params.get(q).length];
            second[q] = spec.kind() == OptimizerSpec.Kind.ADAM ? new float[params.get(q).length] : new float[0];
        }
    }

    /** One step on {@code params} with {@code grads} (checked by the caller), counted in {@link #steps}. */
    void update(List<float[]> params, List<Tensor> grads) {
        long t = steps + 1;
        float lr = (float) spec.learningRate();
        float wd = (float) spec.weightDecay();
        for (int q = 0; q < params.size(); q++) {
            float[] p = params.get(q);
            double[] g = grads.get(q).data();
            if (spec.kind() == OptimizerSpec.Kind.SGD) {
                float mu = (float) spec.momentum();
                float[] buf = first[q];
                for (int k = 0; k < p.length; k++) {
                    float gk = (float) g[k] + wd * p[k];
                    if (mu != 0) {
                        buf[k] = t == 1 ? gk : mu * buf[k] + gk;
                        gk = buf[k];
                    }
                    p[k] -= lr * gk;
                }
            } else {
                float b1 = (float) spec.beta1(), b2 = (float) spec.beta2(), eps = (float) spec.epsilon();
                float stepSize = (float) (spec.learningRate() / (1 - Math.pow(spec.beta1(), t)));
                float bc2sqrt = (float) Math.sqrt(1 - Math.pow(spec.beta2(), t));
                float[] m = first[q];
                float[] v = second[q];
                for (int k = 0; k < p.length; k++) {
                    float gk = (float) g[k] + wd * p[k];
                    m[k] = b1 * m[k] + (1 - b1) * gk;
                    v[k] = b2 * v[k] + (1 - b2) * gk * gk;
                    p[k] -= stepSize * m[k] / ((float) Math.sqrt(v[k]) / bc2sqrt + eps);
                }
            }
        }
        steps = t;
    }

    @Override
    public OptimizerSpec spec() {
        return spec;
    }

    @Override
    public long steps() {
        return steps;
    }

    @Override
    public void close() {
        closed = true;
    }
}
