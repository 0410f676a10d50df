package org.lde.model;

import java.util.List;

/**
 * The architectures of the embedded sample models (freshly initialised from a seed). The trained
 * weights live in the resources; these builders are what {@code lde train --arch NAME} starts from.
 */
public final class Architectures {
    private Architectures() {
    }

    public static final List<String> FASHION_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    public static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    /** Names accepted by {@link #byName(String, long)}. */
    public static final List<String> NAMES = List.of("fmnist-mlp", "fmnist-cnn", "mnist-cnn", "breast-cancer-mlp");

    /** 784-128-64-10 ReLU MLP on 28x28 grey images. */
    public static Network fashionMlp(long seed) {
        return Network.builder(1, 28, 28).seed(seed).classNames(FASHION_CLASSES)
                .flatten().dense("fc1", 128).relu().dense("fc2", 64).relu().dense("fc3", 10).build();
    }

    /** Two conv blocks (8 and 16 channels, 3x3, padding 1, ReLU, 2x2 max pool), then 64 hidden units. */
    public static Network fashionCnn(long seed) {
        return smallCnn(seed, FASHION_CLASSES);
    }

    /** Same shape as {@link #fashionCnn(long)}, on MNIST digits. */
    public static Network mnistCnn(long seed) {
        return smallCnn(seed, DIGITS);
    }

    private static Network smallCnn(long seed, List<String> classes) {
        return Network.builder(1, 28, 28).seed(seed).classNames(classes)
                .conv2d("conv1", 8, 3, 3, 1, 1, 1, 1).relu().maxPool(2, 2)
                .conv2d("conv2", 16, 3, 3, 1, 1, 1, 1).relu().maxPool(2, 2)
                .flatten().dense("fc1", 64).relu().dense("fc2", 10).build();
    }

    /** 30-32-16-2 ReLU MLP on standardised breast-cancer features (classes malignant, benign as in scikit-learn). */
    public static Network breastCancerMlp(long seed) {
        return Network.builder(30).seed(seed).classNames(List.of("malignant", "benign")).domain(-10, 10)
                .dense("fc1", 32).relu().dense("fc2", 16).relu().dense("fc3", 2).build();
    }

    public static Network byName(String name, long seed) {
        switch (name) {
            case "fmnist-mlp":
                return fashionMlp(seed);
            case "fmnist-cnn":
                return fashionCnn(seed);
            case "mnist-cnn":
                return mnistCnn(seed);
            case "breast-cancer-mlp":
                return breastCancerMlp(seed);
            default:
                throw new IllegalArgumentException("unknown architecture '" + name + "'; known: " + NAMES);
        }
    }
}
