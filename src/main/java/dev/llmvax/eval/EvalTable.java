package dev.llmvax.eval;

import dev.llmvax.eval.utility.PerplexityResult;
import dev.llmvax.report.BarChart;
import dev.llmvax.report.Block;
import dev.llmvax.report.Section;
import dev.llmvax.report.Text;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The before/after table of a job that makes models (purify, defend): one row per evaluated model with the
 * templated headline rates, the degenerate-answer rate, mean utility and perplexity; as text and as a report
 * section.
 */
public final class EvalTable {
    private EvalTable() {}

    /** One evaluated model; NaN where not measured. */
    public record Row(String model, double asrStrict, double asrLoose, double ftrStrict, double ftrLoose,
                      double degenerate, double meanAcc, double ppl) {
        public static Row of(ModelEvaluation m) {
            AttackResult.Rates h = m.attack().headline().getFirst();
            double acc = Double.NaN;
            double ppl = Double.NaN;
            if (m.utility() != null) {
                acc = m.utility().benchmarks().values().stream().mapToDouble(b -> b.acc()).average().orElse(Double.NaN);
                PerplexityResult p = m.utility().perplexity();
                ppl = p == null ? Double.NaN : p.ppl();
            }
            double degenerate = Fluency.degenerateRate(m.attack().runs().getFirst().clean().answers());
            return new Row(m.model().label(), h.asrStrict(), h.asrLoose(), h.ftrStrict(), h.ftrLoose(), degenerate,
                    acc, ppl);
        }
    }

    public static List<Row> rows(List<ModelEvaluation> evaluations) {
        return evaluations.stream().map(Row::of).toList();
    }

    /** The table as fixed-width text for the terminal and model cards. */
    public static String text(List<ModelEvaluation> evaluations) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-22s %8s %9s %8s %9s %9s %9s %8s%n", "model",
                "ASR str", "ASR loose", "FTR str", "FTR loose", "degen.", "mean acc", "ppl"));
        for (Row row : rows(evaluations)) {
            b.append(String.format(Locale.ROOT, "%-22s %7.1f%% %8.1f%% %7.1f%% %8.1f%% %8.1f%% %8s %8s%n", row.model(),
                    100 * row.asrStrict(), 100 * row.asrLoose(), 100 * row.ftrStrict(), 100 * row.ftrLoose(),
                    100 * row.degenerate(),
                    Double.isNaN(row.meanAcc()) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * row.meanAcc()),
                    Double.isNaN(row.ppl()) ? "-" : String.format(Locale.ROOT, "%.2f", row.ppl())));
        }
        return b.toString();
    }

    /** The "Before and after" report section: what the columns mean, then {@code note}, the table and a chart. */
    public static Section section(List<ModelEvaluation> evaluations, String note) {
        List<Row> rows = rows(evaluations);
        List<List<Text>> table = new ArrayList<>();
        for (Row row : rows) {
            table.add(List.of(Text.plain(row.model()), pct(row.asrStrict()), pct(row.asrLoose()), pct(row.ftrStrict()),
                    pct(row.ftrLoose()), pct(row.degenerate()), pct(row.meanAcc()), Text.plain(Double.isNaN(row.ppl())
                            ? "–" : String.format(Locale.ROOT, "%.2f", row.ppl()))));
        }
        List<Block> blocks = new ArrayList<>();
        blocks.add(Block.Paragraph.of("Templated prompts (the model's chat template), greedy answers. ASR: triggered "
                + "prompts whose answer shows the target; FTR: the same on clean prompts; strict = the exact target "
                + "sentence, loose = BackdoorLLM's keywords. Degenerate: clean-prompt answers that are blank, under 3 "
                + "words, one word looping or a phrase looping (a broken model matches no target, so ASR alone "
                + "cannot tell). Mean acc: log-likelihood multiple choice; ppl: perplexity of held-out clean answers. "
                + note));
        blocks.add(new Block.Table("Before and after", List.of("model", "ASR strict", "ASR loose", "FTR strict",
                "FTR loose", "degenerate", "mean acc", "ppl"), table,
                List.of(false, true, true, true, true, true, true, true)));
        List<String> cats = List.of("ASR strict", "ASR loose", "FTR strict", "FTR loose");
        List<BarChart.Series> series = rows.stream().map(row -> new BarChart.Series(row.model(), List.of(
                100 * row.asrStrict(), 100 * row.asrLoose(), 100 * row.ftrStrict(), 100 * row.ftrLoose()))).toList();
        blocks.add(new BarChart("Attack success and false triggers", "%", cats, series, 100));
        return new Section("evaluation", "Before and after", blocks);
    }

    private static Text pct(double v) {
        return Text.plain(Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.1f %%", 100 * v));
    }
}
