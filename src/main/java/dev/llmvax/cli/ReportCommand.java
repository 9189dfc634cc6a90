package dev.llmvax.cli;

import dev.llmvax.compare.Comparison;
import dev.llmvax.compare.ComparisonHtml;
import dev.llmvax.compare.ComparisonTable;
import dev.llmvax.compare.EvaluatedRun;
import dev.llmvax.report.HtmlWriter;
import dev.llmvax.util.AtomicOutputDir;
import dev.llmvax.util.Progress;
import dev.llmvax.util.Provenance;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code llmvax report RUN... --out DIR}: every model evaluated by the given eval, purify and defend runs in one
 * table and one page (issue 7). Reads only the runs' JSON files; loads no model.
 */
@Command(name = "report", description = "Compare the models evaluated by several runs in one page: each RUN is the "
        + "output folder of eval (report.json), purify (purify.json) or defend (defend.json), or such a file. "
        + "Writes report.html (table and bar charts of strict ASR, strict FTR and mean utility), compare.md (the "
        + "table in Markdown), compare.json (the rows, with the sha256 of every input) and run.json into --out.")
final class ReportCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "RUN", description = "Output folders of llmvax eval, purify or defend, "
            + "or their report.json, purify.json or defend.json.")
    List<Path> runs;

    @Option(names = "--labels", split = ",", splitSynopsisLabel = ",", paramLabel = "LABEL", description = "One "
            + "label per RUN, in order, instead of its folder name: rows read \"LABEL: model\".")
    List<String> labels;

    @Option(names = "--title", paramLabel = "TEXT", description = "The page title (default: the counts of models "
            + "and runs).")
    String title;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New folder to write.")
    Path out;

    @Option(names = "--overwrite", description = "Replace --out if it exists and is not empty.")
    boolean overwrite;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (labels != null) {
            if (labels.size() != runs.size()) {
                throw new UserError("--labels gives " + labels.size() + " label" + (labels.size() == 1 ? "" : "s")
                        + " for " + runs.size() + " RUN" + (runs.size() == 1 ? "" : "s") + "; give one per RUN, in "
                        + "order, separated by commas");
            }
            if (labels.stream().anyMatch(String::isBlank)) {
                throw new UserError("--labels has an empty label; give one per RUN, in order");
            }
        }
        List<EvaluatedRun> read = new ArrayList<>();
        for (Path run : runs) {
            read.add(EvaluatedRun.read(run));
            refuseOverlap(run);
        }
        Map<String, String> inputs = new LinkedHashMap<>();
        read.forEach(r -> inputs.put(r.file().toString(), r.sha256()));
        Comparison c = Comparison.of(read, labels == null ? null : labels.stream().map(String::strip).toList(),
                title, Provenance.of(CommandSupport.commandLine(spec), inputs));
        String markdown = ComparisonTable.markdown(c);
        try (AtomicOutputDir dir = AtomicOutputDir.create(out, overwrite)) {
            c.writeJson(dir.tmp().resolve("compare.json"));
            Files.writeString(dir.tmp().resolve("compare.md"), markdown, StandardCharsets.UTF_8);
            Files.writeString(dir.tmp().resolve("report.html"), HtmlWriter.html(ComparisonHtml.report(c)),
                    StandardCharsets.UTF_8);
            c.provenance().writeJson(dir.tmp().resolve("run.json"));
            dir.commit();
        }
        PrintWriter o = spec.commandLine().getOut();
        o.print(markdown.substring(0, markdown.indexOf("\n\n") + 1)); // the table alone
        o.flush();
        Progress.log("wrote " + out.resolve("report.html") + ", compare.md and compare.json (" + c.rows().size()
                + " models from " + read.size() + " runs)");
        return 0;
    }

    /** Inputs are never written: --out may neither lie in a RUN's folder nor hold one. */
    private void refuseOverlap(Path run) {
        Path folder = (Files.isDirectory(run) ? run : run.toAbsolutePath().getParent()).toAbsolutePath().normalize();
        Path target = out.toAbsolutePath().normalize();
        if (target.startsWith(folder) || folder.startsWith(target)) {
            throw new UserError("--out " + out + " overlaps the input " + run + "; llmvax report never writes into "
                    + "a run it reads, choose a folder elsewhere");
        }
    }
}
