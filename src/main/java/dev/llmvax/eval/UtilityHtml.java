package dev.llmvax.eval;

import dev.llmvax.eval.utility.McResult;
import dev.llmvax.eval.utility.PerplexityResult;
import dev.llmvax.eval.utility.UtilityConfig;
import dev.llmvax.eval.utility.UtilityResults;
import dev.llmvax.report.BarChart;
import dev.llmvax.report.Block;
import dev.llmvax.report.Section;
import dev.llmvax.report.Text;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The utility section of report.html: accuracy per benchmark and model, their mean, held-out perplexity. */
final class UtilityHtml {
    private UtilityHtml() {}

    /** The section, or empty when no model was scored for utility. */
    static Optional<Section> section(EvalReport r) {
        UtilityConfig cfg = r.spec().utility();
        List<ModelEvaluation> scored = r.models().stream().filter(m -> m.utility() != null).toList();
        if (cfg == null || scored.isEmpty()) {
            return Optional.empty();
        }
        List<Block> blocks = new ArrayList<>();
        blocks.add(Block.Paragraph.of("Log-likelihood multiple choice on the first " + cfg.items() + " items of each "
                + "benchmark: acc picks the choice with the highest summed log-likelihood, acc_norm the highest per "
                + "UTF-8 byte. Perplexity: of the clean test prompts' reference answers under the chat template "
                + "(held out from any implant's training data), lower is better."));
        List<String> header = new ArrayList<>(List.of("benchmark"));
        List<Boolean> numeric = new ArrayList<>(List.of(false));
        for (ModelEvaluation m : scored) {
            header.add(scored.size() > 1 ? m.model().label() + " · acc" : "acc");
            header.add(scored.size() > 1 ? m.model().label() + " · acc_norm" : "acc_norm");
            numeric.add(true);
            numeric.add(true);
        }
        List<List<Text>> rows = new ArrayList<>();
        for (String b : cfg.benchmarks()) {
            List<Text> row = new ArrayList<>(List.of(Text.plain(b)));
            for (ModelEvaluation m : scored) {
                McResult mc = m.utility().benchmarks().get(b);
                row.add(Text.plain(mc == null ? "–" : percent(mc.acc()) + " (n=" + mc.n() + ")"));
                row.add(Text.plain(mc == null ? "–" : percent(mc.accNorm())));
            }
            rows.add(row);
        }
        List<Text> mean = new ArrayList<>(List.of(Text.plain("mean")));
        List<Text> ppl = new ArrayList<>(List.of(Text.plain("perplexity (held-out answers)")));
        for (ModelEvaluation m : scored) {
            mean.add(Text.plain(percent(meanAcc(m.utility()))));
            mean.add(Text.plain(percent(meanAccNorm(m.utility()))));
            PerplexityResult p = m.utility().perplexity();
            ppl.add(Text.plain(p == null ? "–" : String.format(Locale.ROOT, "%.3f (%d tokens)", p.ppl(), p.tokens())));
            ppl.add(Text.plain(""));
        }
        rows.add(mean);
        rows.add(ppl);
        blocks.add(new Block.Table("Utility", header, rows, numeric));
        List<BarChart.Series> series = new ArrayList<>();
        for (ModelEvaluation m : scored) {
            List<Double> values = new ArrayList<>();
            for (String b : cfg.benchmarks()) {
                McResult mc = m.utility().benchmarks().get(b);
                values.add(mc == null ? Double.NaN : 100 * mc.acc());
            }
            series.add(new BarChart.Series(m.model().label(), values));
        }
        blocks.add(new BarChart("Utility accuracy (acc)", "accuracy %", cfg.benchmarks(), series, 100));
        return Optional.of(new Section("utility", "Utility", blocks));
    }

    /** The unweighted mean of acc over the benchmarks scored (0 to 1). */
    static double meanAcc(UtilityResults u) {
        return u.benchmarks().values().stream().mapToDouble(McResult::acc).average().orElse(Double.NaN);
    }

    static double meanAccNorm(UtilityResults u) {
        return u.benchmarks().values().stream().mapToDouble(McResult::accNorm).average().orElse(Double.NaN);
    }

    private static String percent(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.1f %%", 100 * v);
    }
}
