package org.lde.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.lde.model.ModelFile;
import org.lde.model.Network;
import org.lde.model.OnnxImport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Convert an ONNX model (opsets 11 to 18) to an LDE model file (safetensors + architecture JSON).",
                "Every command also opens .onnx files directly; import converts once, and prints what the import did: "
                        + "a removed output Softmax/LogSoftmax, fused MatMul + Add, renamed nodes. An op type, attribute "
                        + "or dynamic shape the engine cannot compute exactly is an error naming the node, and nothing is "
                        + "written."})
final class ImportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.onnx", description = "the ONNX file")
    Path model;

    @Option(names = "--out", required = true, description = "the LDE model file to write (.safetensors)")
    Path out;

    @Option(names = "--classes", split = ",", description = "class names, comma-separated, one per output "
            + "(default: 0, 1, ...)")
    List<String> classes;

    @Option(names = "--domain", split = ",", paramLabel = "LO,HI", description = "the input's value range "
            + "(default: 0,1)")
    double[] domain;

    @Override
    public Integer call() throws Exception {
        CliChecks.outputFile("--out", out);
        if (!Files.isRegularFile(model)) {
            throw new IllegalArgumentException("model file '" + model + "' does not exist");
        }
        if (!OnnxImport.isOnnx(model)) {
            throw new IllegalArgumentException("'" + model + "' does not end in .onnx; import converts ONNX files");
        }
        if (domain != null && domain.length != 2) {
            throw new IllegalArgumentException("--domain takes two numbers LO,HI, got " + Arrays.toString(domain));
        }
        OnnxImport.Result r = OnnxImport.read(model);
        Network n = r.network();
        if (classes != null || domain != null) {
            n = new Network(n.inputShape(), n.layers(), n.inputLists(), n.task(), classes == null ? n.classNames() : classes,
                    domain == null ? n.lo() : domain[0], domain == null ? n.hi() : domain[1]);
        }
        n.folded(); // a BatchNorm that cannot be folded finitely is refused before anything is written
        for (String note : r.notes()) {
            System.out.println("import: " + note);
        }
        ModelFile.save(n, out);
        System.out.print(n.summary());
        System.out.println("wrote " + out);
        return 0;
    }
}
