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
    public static final List<String> NAMES = List.of("fmnist-mlp", "fmnist-cnn", "mnist-cnn", "breast-cancer-mlp",
            "fmnist-resnet", "resnet18-shaped", "diabetes-mlp");

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

    /**
     * 30-32-16-2 ReLU MLP on the breast-cancer features (classes malignant, benign as in scikit-learn); domain
     * {@code [0, 1]}: the features scaled per feature ({@code lde train --feature-domains}).
     */
    public static Network breastCancerMlp(long seed) {
        return Network.builder(30).seed(seed).classNames(List.of("malignant", "benign"))
                .dense("fc1", 32).relu().dense("fc2", 16).relu().dense("fc3", 2).build();
    }

    /**
     * 10-32-16-1 ReLU MLP regression on scikit-learn's diabetes table (output: disease progression); domain
     * {@code [0, 1]}: the features scaled per feature ({@code lde train --feature-domains}).
     */
    public static Network diabetesMlp(long seed) {
        return Network.builder(10).seed(seed).task(Task.REGRESSION).classNames(List.of("progression"))
                .dense("fc1", 32).relu().dense("fc2", 16).relu().dense("fc3", 1).build();
    }

    /**
     * A small residual network for 28x28 grey images: a 3x3 stem (16 channels), a basic block at 16
     * channels (two 3x3 convs, identity skip, Add, ReLU), 2x2 max pooling, a downsampling block to 32
     * channels (3x3 stride-2 main branch, 1x1 stride-2 projection skip), global average pooling and a
     * 10-way dense layer.
     */
    public static Network fashionResNet(long seed) {
        Network.Builder b = Network.builder(1, 28, 28).seed(seed).classNames(FASHION_CLASSES);
        b.conv2d("stem", 16, 3, 3, 1, 1, 1, 1).relu();
        basicBlock(b, "b1", 16, 1);
        b.maxPool(2, 2);
        basicBlock(b, "b2", 32, 2);
        return b.globalAvgPool().dense("fc", 10).build();
    }

    /**
     * A network of ResNet-18's shape on {@code 3 x 224 x 224} inputs with seeded random weights, for
     * benchmarks only: 7x7 stride-2 stem (64), 3x3 stride-2 max pooling, four stages of two basic blocks
     * (64, 128, 256, 512 channels; the first block of stages 2-4 downsamples with a 1x1 stride-2
     * projection), each conv followed by a BatchNorm (folded when the model is opened), global average
     * pooling and a dense layer to {@code classes} outputs. 11.7 million parameters at 1000 classes.
     */
    public static Network resnet18Shaped(int classes, long seed) {
        Network.Builder b = Network.builder(3, 224, 224).seed(seed);
        b.conv2d("conv1", 64, 7, 7, 2, 2, 3, 3).batchNorm("bn1").relu();
        b.add(new MaxPool2d("maxpool", 3, 3, 2, 2, 1, 1));
        int[] widths = {64, 128, 256, 512};
        for (int s = 0; s < 4; s++) {
            for (int k = 0; k < 2; k++) {
                String name = "layer" + (s + 1) + "." + k;
                int stride = s > 0 && k == 0 ? 2 : 1;
                String in = b.last();
                b.conv2d(name + ".conv1", widths[s], 3, 3, stride, stride, 1, 1).batchNorm(name + ".bn1").relu()
                        .conv2d(name + ".conv2", widths[s], 3, 3, 1, 1, 1, 1).batchNorm(name + ".bn2");
                String main = b.last();
                String skip = in;
                if (stride != 1) {
                    b.from(in).conv2d(name + ".downsample.0", widths[s], 1, 1, stride, stride, 0, 0)
                            .batchNorm(name + ".downsample.1");
                    skip = b.last();
                }
                b.node(new Add(name + ".add"), main, skip).add(new ReLU(name + ".relu"));
            }
        }
        return b.globalAvgPool().dense("fc", classes).build();
    }

    /** A basic block: conv-ReLU-conv on the main branch, identity (or 1x1 projection when the shape changes) skip, Add, ReLU. */
    private static void basicBlock(Network.Builder b, String name, int width, int stride) {
        String in = b.last();
        b.conv2d(name + ".conv1", width, 3, 3, stride, stride, 1, 1).relu().conv2d(name + ".conv2", width, 3, 3, 1, 1, 1, 1);
        String main = b.last();
        String skip = in;
        if (stride != 1 || b.shapeOf(in).dim(0) != width) {
            b.from(in).conv2d(name + ".proj", width, 1, 1, stride, stride, 0, 0);
            skip = b.last();
        }
        b.node(new Add(name + ".add"), main, skip).add(new ReLU(name + ".relu"));
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
            case "diabetes-mlp":
                return diabetesMlp(seed);
            case "fmnist-resnet":
                return fashionResNet(seed);
            case "resnet18-shaped":
                return resnet18Shaped(1000, seed);
            default:
                throw new IllegalArgumentException("unknown architecture '" + name + "'; known: " + NAMES);
        }
    }
}
