package org.lde.report;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lde.explain.AttributionKind;
import org.lde.explain.Explanation;
import org.lde.io.AtomicFiles;
import org.lde.model.Network;
import org.lde.tensor.Tensor;

/**
 * Writes the explanations of a run into a folder: {@code panel-NNNN.png} per image (when the inputs are
 * images; {@code NNNN} is the image's index in its data set, at least four digits), {@code explanations.jsonl} (one JSON object per line and image) and {@code explanations.csv}
 * (a header and one row per image), with the same columns ({@link ExplanationRows}).
 */
public final class ExplanationReport {
    /** JSON lines file name. */
    public static final String JSONL = "explanations.jsonl";
    /** CSV file name. */
    public static final String CSV = "explanations.csv";

    private ExplanationReport() {
    }

    /** What was written: the rows (in image order) and the files. */
    public record Written(List<Map<String, Object>> rows, Path jsonl, Path csv, List<Path> panels) {
        public Written {
            rows = List.copyOf(rows);
            panels = List.copyOf(panels);
        }
    }

    /** The panel file of the image with index {@code index} in its data set. */
    public static String panelName(int index) {
        return String.format(java.util.Locale.ROOT, "panel-%04d.png", index);
    }

    /**
     * @param dir      the output folder (created if missing)
     * @param net      the explained network (class names, data domain)
     * @param x        the inputs {@code [N, inputShape...]}, in the order of {@code ex}
     * @param sources  a description of each input (data spec and index, or file)
     * @param labels   true labels, {@code -1} where unknown ({@code N} entries)
     * @param ex       the explanations, one per input
     * @param kind     the attribution drawn in the panels
     */
    public static Written write(Path dir, Network net, Tensor x, List<String> sources, int[] labels, List<Explanation> ex,
                                AttributionKind kind) {
        int[] positions = new int[x.shape().dim(0)];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = i;
        }
        return write(dir, net, x, sources, positions, labels, ex, kind);
    }

    /**
     * As {@link #write(Path, Network, Tensor, List, int[], List, AttributionKind)}, with each image's index in its
     * data set ({@code indices}, distinct), which names its panel and is its row's {@code index}.
     */
    public static Written write(Path dir, Network net, Tensor x, List<String> sources, int[] indices, int[] labels,
                                List<Explanation> ex, AttributionKind kind) {
        int n = x.shape().dim(0);
        if (ex.size() != n || sources.size() != n || labels.length != n || indices.length != n) {
            throw new IllegalArgumentException("report: " + n + " inputs, " + ex.size() + " explanations, " + sources.size()
                    + " sources, " + indices.length + " indices, " + labels.length + " labels (must all agree)");
        }
        if (java.util.Arrays.stream(indices).distinct().count() != n) {
            throw new IllegalArgumentException("report: the image indices " + java.util.Arrays.toString(indices)
                    + " repeat an image; its files would overwrite each other");
        }
        boolean images = x.shape().rank() == 4 && (x.shape().dim(1) == 1 || x.shape().dim(1) == 3);
        try {
            Files.createDirectories(dir);
            List<Map<String, Object>> rows = new ArrayList<>(n);
            List<Path> panels = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String panel = "";
                if (images) {
                    panel = panelName(indices[i]);
                    Tensor xi = x.row(i);
                    Path p = dir.resolve(panel);
                    Panels.write(Panels.render(xi, net.lo(), net.hi(), net.classNames(), labels[i], ex.get(i), kind,
                            Panels.defaultScale(xi.shape())), p);
                    panels.add(p);
                }
                rows.add(ExplanationRows.row(indices[i], sources.get(i), labels[i], net.classNames(), ex.get(i), panel));
            }
            Path jsonl = dir.resolve(JSONL);
            Path csv = dir.resolve(CSV);
            AtomicFiles.write(jsonl, out -> {
                Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
                for (Map<String, Object> r : rows) {
                    w.write(ExplanationRows.json(r));
                    w.write('\n');
                }
                w.flush();
            });
            AtomicFiles.write(csv, out -> {
                Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
                w.write(ExplanationRows.csvHeader(rows.get(0)));
                w.write('\n');
                for (Map<String, Object> r : rows) {
                    w.write(ExplanationRows.csv(r));
                    w.write('\n');
                }
                w.flush();
            });
            return new Written(rows, jsonl, csv, panels);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report into '" + dir + "': " + e.getMessage(), e);
        }
    }
}
