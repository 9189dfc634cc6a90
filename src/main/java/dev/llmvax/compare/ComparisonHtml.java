package dev.llmvax.compare;

import dev.llmvax.report.BarChart;
import dev.llmvax.report.Block;
import dev.llmvax.report.Report;
import dev.llmvax.report.Section;
import dev.llmvax.report.Text;
import dev.llmvax.util.Provenance;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * {@code report.html} of {@code llmvax report}: the comparison table, one horizontal bar per model for strict ASR,
 * strict FTR and mean utility accuracy, then the runs read and provenance.
 */
public final class ComparisonHtml {
    private ComparisonHtml() {}

    public static Report report(Comparison c) {
        List<Report.Fact> facts = new ArrayList<>();
        facts.add(new Report.Fact("models", String.valueOf(c.rows().size())));
        facts.add(new Report.Fact("runs", String.join(", ", c.inputs().stream().map(Comparison.Input::prefix)
                .toList())));
        facts.add(new Report.Fact("llmvax", c.provenance().version() + ", run " + c.provenance().startedAt()));
        return new Report(c.title(), facts, List.of(table(c), charts(c), inputs(c), provenance(c.provenance())));
    }

    private static Section table(Comparison c) {
        List<Block> blocks = new ArrayList<>();
        blocks.add(Block.Paragraph.of("One row per evaluated model, labelled \"run: model\". Rates are over the "
                + "templated test prompts (the model's chat template; prompts: triggered + clean), greedy answers. "
                + "ASR: triggered prompts whose answer shows the target; FTR: the same on clean prompts; strict = "
                + "the attacker's exact target sentence, loose = BackdoorLLM's keywords. Degenerate: clean-prompt "
                + "answers that are blank, under 3 words, one word looping or a phrase looping. Benchmarks: "
                + "log-likelihood multiple-choice acc; mean acc is their unweighted mean; ppl: perplexity of "
                + "held-out clean answers. Cost: what making the model took from the suspicious one, where the run "
                + "records it."));
        blocks.addAll(warnings(c));
        blocks.add(ComparisonTable.block(c));
        List<String> bases = c.rows().stream().map(ComparisonRow::cost).filter(Objects::nonNull).map(Cost::basis)
                .distinct().toList();
        if (!bases.isEmpty()) {
            blocks.add(Block.Paragraph.of("Cost counts: " + String.join("; ", bases) + "."));
        }
        return new Section("comparison", "Models compared", blocks);
    }

    /** Differences between the runs that make a row-to-row comparison unfair. */
    private static List<Block> warnings(Comparison c) {
        List<Block> out = new ArrayList<>();
        long promptSets = c.rows().stream().map(r -> r.triggered() + "+" + r.clean()).distinct().count();
        if (promptSets > 1) {
            out.add(Block.Paragraph.of("Note: the rows were scored on different numbers of test prompts (see "
                    + "prompts); check that they used the same test sets before comparing their rates."));
        }
        long benchmarkSets = c.rows().stream().filter(r -> r.meanAcc() != null).map(r -> r.accuracy().keySet())
                .distinct().count();
        if (benchmarkSets > 1) {
            out.add(Block.Paragraph.of("Note: the rows' utility was measured on different benchmarks, so their mean "
                    + "accuracies are not comparable."));
        }
        return out;
    }

    private static Section charts(Comparison c) {
        List<Block> blocks = new ArrayList<>();
        blocks.add(chart("Attack success rate, strict (lower is better)", "ASR strict %", c.rows(),
                r -> r.templated() == null ? null : r.templated().asrStrict()));
        blocks.add(chart("False-trigger rate, strict (lower is better)", "FTR strict %", c.rows(),
                r -> r.templated() == null ? null : r.templated().ftrStrict()));
        List<ComparisonRow> withUtility = c.rows().stream().filter(r -> r.meanAcc() != null).toList();
        if (withUtility.isEmpty()) {
            blocks.add(Block.Paragraph.of("No run measured utility (eval --utility, purify --eval-utility), so "
                    + "there is no utility chart."));
        } else {
            blocks.add(chart("Mean utility accuracy (higher is better)", "mean acc %", withUtility,
                    ComparisonRow::meanAcc));
        }
        return new Section("charts", "Charts", blocks);
    }

    private static BarChart chart(String title, String axis, List<ComparisonRow> rows,
                                  Function<ComparisonRow, Double> value) {
        List<Double> values = rows.stream().map(value).map(v -> v == null ? Double.NaN : 100 * v).toList();
        return new BarChart(title, axis, rows.stream().map(ComparisonRow::label).toList(),
                List.of(new BarChart.Series(axis, values)), 100, true);
    }

    private static Section inputs(Comparison c) {
        List<List<String>> rows = new ArrayList<>();
        for (Comparison.Input in : c.inputs()) {
            rows.add(List.of(in.prefix(), in.kind().id() + (in.method() != null ? " (" + in.method() + ")" : ""),
                    in.path(), String.valueOf(in.models()), in.sha256(),
                    in.command().isEmpty() ? ComparisonTable.NONE : String.join(" ", in.command())));
        }
        return new Section("runs", "Runs read", List.of(Block.Table.ofStrings(null, List.of("label", "kind", "file",
                "models", "sha256", "written by"), rows)));
    }

    private static Section provenance(Provenance p) {
        return new Section("provenance", "Provenance", List.of(
                new Block.Paragraph(Text.code(String.join(" ", p.command()))),
                Block.Table.ofStrings("Run", List.of("what", "value"), List.of(
                        List.of("llmvax version", p.version()),
                        List.of("started", p.startedAt()),
                        List.of("Java", p.javaVersion()),
                        List.of("OS", p.os()),
                        List.of("CPU", p.cpu())))));
    }
}
