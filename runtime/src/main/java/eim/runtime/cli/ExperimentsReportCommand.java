package eim.runtime.cli;

import eim.runtime.eval.ExperimentsReport;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** eim experiments-report: the HTML report of scripts/experiments/run.sh's results. */
@Command(name = "experiments-report", mixinStandardHelpOptions = true,
        description = "Writes the HTML report (tables, XChart plots, image strips) of the experiments whose results "
                + "scripts/experiments/run.sh left in --results.")
final class ExperimentsReportCommand implements Callable<Integer> {
    @Option(names = "--results", defaultValue = "experiments/results", description = "the results folder (default "
            + "${DEFAULT-VALUE})")
    Path results;
    @Option(names = "--out", description = "the HTML file (default: <results>/report.html; plots go to figures/ next to it)")
    Path out;

    @Override
    public Integer call() throws Exception {
        Path html = out != null ? out : results.resolve("report.html");
        List<String> found = UsageError.option("--results", () -> {
            try {
                return ExperimentsReport.write(results, html);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        System.out.println("wrote " + html + " (" + (found.isEmpty() ? "no experiment results found" : String.join(", ", found)) + ")");
        return 0;
    }
}
