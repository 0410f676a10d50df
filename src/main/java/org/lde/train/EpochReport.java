package org.lde.train;

/**
 * One epoch's figures: mean training loss over its mini-batches, training accuracy (fraction of
 * argmax hits during the epoch; NaN for regression), held-out accuracy (NaN when no held-out set
 * was given) and wall time in seconds.
 */
public record EpochReport(int epoch, double loss, double trainAccuracy, double testAccuracy, double seconds) {
    public String line(int epochs) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("epoch %d/%d  loss %.4f", epoch, epochs, loss));
        if (!Double.isNaN(trainAccuracy)) {
            sb.append(String.format("  train acc %.2f%%", 100 * trainAccuracy));
        }
        if (!Double.isNaN(testAccuracy)) {
            sb.append(String.format("  test acc %.2f%%", 100 * testAccuracy));
        }
        sb.append(String.format("  %.1f s", seconds));
        return sb.toString();
    }
}
