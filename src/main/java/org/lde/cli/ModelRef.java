package org.lde.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.lde.model.ModelFile;
import org.lde.model.Network;
import org.lde.model.OnnxImport;

/** Resolves a model argument: {@code sample:NAME} (an embedded sample model) or a file path (safetensors, or {@code .onnx}). */
final class ModelRef {
    private ModelRef() {
    }

    static final List<String> SAMPLES = List.of("fmnist-mlp", "fmnist-cnn", "mnist-cnn", "breast-cancer-mlp",
            "fmnist-resnet", "diabetes-mlp");

    /** Opens the model with BatchNorm folded, ready for a backend. */
    static Network open(String ref) {
        if (ref.startsWith("sample:")) {
            String name = ref.substring("sample:".length());
            if (!SAMPLES.contains(name)) {
                throw new IllegalArgumentException("unknown sample model '" + name + "'; samples are " + SAMPLES);
            }
            return ModelFile.openResource("/org/lde/models/" + name + ".safetensors");
        }
        Path p = Path.of(ref);
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("model file '" + ref + "' does not exist (or use sample:NAME, one of " + SAMPLES + ")");
        }
        if (OnnxImport.isOnnx(p)) {
            OnnxImport.Result r = OnnxImport.read(p);
            for (String note : r.notes()) {
                System.err.println("import: " + note);
            }
            return r.network().folded();
        }
        return ModelFile.open(p);
    }
}
