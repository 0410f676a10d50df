package org.lde.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.lde.report.RobustnessReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lde report}: the one-page HTML report of issue 17 from results already computed: the parts of
 * {@code lde robustness} under {@code --results} and the {@code evaluate.json} of each {@code --evaluate} folder
 * (MoRF curves). Writes {@code index.html}, its PNG figures, {@code accuracy.csv}, {@code consistency.csv} and
 * {@code summary.json} to {@code --out} (default: the results folder, so the per-part files sit beside the page).
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"One HTML page from computed results: accuracy vs attack budget, attribution consistency, the ablation "
                + "without the dual, masking (from lde robustness) and MoRF curves (from lde evaluate), each figure with its command.",
                "Writes index.html, PNGs, accuracy.csv, consistency.csv and summary.json to --out."})
final class ReportCommand implements Callable<Integer> {
    @Option(names = "--results", defaultValue = "robustness-out",
            description = "the --out folder of lde robustness (default ${DEFAULT-VALUE})")
    Path results;

    @Option(names = "--evaluate", split = ",", description = "comma list of lde evaluate output folders (each with evaluate.json) whose MoRF curves the page shows (default: none, no MoRF figure)")
    List<Path> evaluate = new ArrayList<>();

    @Option(names = "--out", description = "output folder (default: the --results folder)")
    Path out;

    @Override
    public Integer call() throws Exception {
        Path target = out == null ? results : out;
        StringBuilder cmd = new StringBuilder("lde report --results ").append(results.toString().replace('\\', '/'));
        if (!evaluate.isEmpty()) {
            cmd.append(" --evaluate ");
            for (int i = 0; i < evaluate.size(); i++) {
                cmd.append(i == 0 ? "" : ",").append(evaluate.get(i).toString().replace('\\', '/'));
            }
        }
        if (out != null) {
            cmd.append(" --out ").append(out.toString().replace('\\', '/'));
        }
        Path index = RobustnessReport.write(results, evaluate, target, cmd.toString());
        System.out.println("wrote " + index);
        return 0;
    }
}
