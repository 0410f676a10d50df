package org.lde.engine;

import org.lde.tensor.Tensor;

/** The batch-mean loss, its gradient with respect to the logits {@code [N, C]}, and the count of correct argmax predictions (classification; 0 for MSE). */
public record LossValue(double value, Tensor gradient, int correct) {
}
