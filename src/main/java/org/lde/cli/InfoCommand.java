package org.lde.cli;

import java.util.concurrent.Callable;
import org.lde.model.Network;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print a model's layers, shapes and parameter count.")
final class InfoCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "a model file (LDE safetensors, or .onnx), or sample:NAME (fmnist-mlp, fmnist-cnn, mnist-cnn, breast-cancer-mlp, fmnist-resnet)")
    String model;

    @Override
    public Integer call() throws Exception {
        Network net = ModelRef.open(model);
        System.out.println("model " + model);
        System.out.print(net.summary());
        System.out.println("classes " + net.classNames());
        return 0;
    }
}
