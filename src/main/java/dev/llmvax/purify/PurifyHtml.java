package dev.llmvax.purify;

import dev.llmvax.eval.EvalTable;
import dev.llmvax.report.BarChart;
import dev.llmvax.report.Block;
import dev.llmvax.report.HeatMap;
import dev.llmvax.report.Report;
import dev.llmvax.report.Section;
import dev.llmvax.report.Text;
import dev.llmvax.util.Provenance;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code report.html} of a purify run: the before/after table and charts (when evaluated), the signature per
 * layer and matrix, the variants, time per stage, and provenance.
 */
final class PurifyHtml {
    private PurifyHtml() {}

    static Report report(PurifyResult r, Provenance prov) {
        List<Report.Fact> facts = new ArrayList<>();
        facts.add(new Report.Fact("inputs", String.join(", ", prov.inputsSha256().keySet())));
        facts.add(new Report.Fact("mode", r.adapterMode() ? "adapter: " + r.config().adapterNeutralise().describe()
                : "full weights"));
        facts.add(new Report.Fact("recipe", "preset " + r.config().preset() + ", " + r.config().variants()
                + " variants x " + r.config().samplesPerVariant() + " samples, score " + r.config().score().id()
                + ", τ " + r.config().tauFor(r.adapterMode()).describe()
                + ", re-init " + r.config().describeReinit() + ", repair " + r.config().repair().samples() + " x "
                + r.config().repair().epochs() + " epochs"));
        facts.add(new Report.Fact("clean data", r.cleanRecords() + " records" + (r.droppedRecords() > 0 ? ", "
                + r.droppedRecords() + " evaluation prompts left out" : "")));
        facts.add(new Report.Fact("signature", r.signature().total() + " channels" + (r.agreement() == null ? ""
                : String.format(Locale.ROOT, "; halves of the variants agree on %.0f %% (chance %.1f %%)",
                100 * r.agreement().overall(), 100 * r.agreement().chance()))));
        if (r.adapterCoverage() != null) {
            facts.add(new Report.Fact("adapter coverage", String.format(Locale.ROOT, "%.1f %% of the adapter's "
                    + "update in %.1f %% of its units (%.2fx random)%s", 100 * r.adapterCoverage().energyShare(),
                    100 * r.adapterCoverage().unitShare(), r.adapterCoverage().lift(),
                    r.adapterCoverage().singlesOutAdapter() ? "" : ": no better than random units")));
        }
        facts.add(new Report.Fact("time", String.format(Locale.ROOT, "%.1f min", r.seconds().getOrDefault("total",
                0.0) / 60)));
        facts.add(new Report.Fact("llmvax", prov.version() + ", run " + prov.startedAt()));
        List<Section> sections = new ArrayList<>();
        if (!r.evaluations().isEmpty()) {
            sections.add(evaluation(r));
        }
        sections.add(signature(r));
        sections.add(variants(r));
        sections.add(stages(r, prov));
        return new Report("llmvax purify", facts, sections);
    }

    private static Section evaluation(PurifyResult r) {
        return EvalTable.section(r.evaluations(), "The controls share the purified model's repair: random "
                + "re-initialises as many channels as the signature, at random; repair-only re-initialises none.");
    }

    private static Section signature(PurifyResult r) {
        SignatureCounts c = r.signature();
        List<String> layers = c.perLayer().keySet().stream().map(String::valueOf).toList();
        List<BarChart.Series> series = new ArrayList<>();
        for (String m : c.matrices()) {
            series.add(new BarChart.Series(m, c.perLayer().values().stream()
                    .map(counts -> (double) counts.getOrDefault(m, 0)).toList()));
        }
        List<Block> blocks = new ArrayList<>();
        blocks.add(Block.Paragraph.of("Channels flagged per layer and matrix (τ ranks within each matrix, so every "
                + "matrix gives the same share; the heat map shows where the scores concentrate). Scores: "
                + "signature.safetensors."));
        blocks.add(new BarChart("Signature channels per layer", "channels", layers, series, Double.NaN));
        if (r.agreement() != null) {
            blocks.add(Block.Paragraph.of("Agreement: " + r.agreement().describe() + ". "
                    + PurifyOutput.AGREEMENT_HINT));
        }
        if (r.adapterCoverage() != null) {
            blocks.add(Block.Paragraph.of("Adapter coverage: " + r.adapterCoverage().describe() + "."
                    + (r.adapterCoverage().singlesOutAdapter() ? "" : " Warning: " + PurifyOutput.WEAK_COVERAGE)));
        }
        if (r.scores() != null && r.selected() != null) {
            blocks.add(heatMap(r.scores(), r.selected()));
        }
        return new Section("signature", "Signature", blocks);
    }

    /**
     * One cell per layer and MLP neuron j: the mean over gate row j, up row j and down column j of the Eq. 2 score
     * divided by its matrix's mean score (so the three matrices weigh alike and 1 is average); marked where any of
     * the three is in the signature.
     */
    static HeatMap heatMap(ChannelScores scores, Signature signature) {
        List<MatrixId> ids = scores.matrices().stream().filter(id -> !id.matrix().isAttention()).toList();
        int layers = ids.stream().mapToInt(MatrixId::layer).max().orElse(-1) + 1;
        int width = ids.isEmpty() ? 1 : scores.scores(ids.getFirst()).length;
        float[][] v = new float[layers][width];
        int[][] n = new int[layers][width];
        boolean[][] marks = new boolean[layers][width];
        for (MatrixId id : ids) {
            float[] s = scores.scores(id);
            double mean = 0;
            for (float x : s) {
                mean += x;
            }
            mean /= s.length;
            for (int j = 0; j < s.length; j++) {
                v[id.layer()][j] += (float) (mean > 0 ? s[j] / mean : 0);
                n[id.layer()][j]++;
            }
            for (int j : signature.flagged(id)) {
                marks[id.layer()][j] = true;
            }
        }
        List<String> labels = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            labels.add("layer " + l);
            for (int j = 0; j < width; j++) {
                v[l][j] = n[l][j] == 0 ? Float.NaN : v[l][j] / n[l][j];
            }
        }
        return new HeatMap("Channel scores (red ticks: signature)", "MLP channel", "layer", labels, width, v,
                "score / matrix mean", marks);
    }

    private static Section variants(PurifyResult r) {
        boolean gradient = r.config().deltas() == PurifyConfig.DeltaSource.GRADIENT;
        List<List<String>> rows = new ArrayList<>();
        for (Purifier.VariantResult v : r.variants()) {
            rows.add(List.of(String.valueOf(v.index() + 1), v.key(), v.behaviour(), v.family(),
                    losses(gradient, v.backdoorFirstLoss(), v.backdoorLastLoss()),
                    losses(gradient, v.cleanFirstLoss(), v.cleanLastLoss()),
                    String.format(Locale.ROOT, "%.0f%s", v.seconds(), v.cached() ? " (cached)" : "")));
        }
        // gradient deltas train nothing: one loss per set, at the suspicious weights
        List<String> head = gradient
                ? List.of("#", "key", "behaviour", "family", "backdoor-mix loss", "clean loss", "seconds")
                : List.of("#", "key", "behaviour", "family", "backdoor twin loss", "clean twin loss", "seconds");
        return new Section("variants", gradient ? "Synthetic variants (gradient deltas, no fine-tune)"
                : "Synthetic variants", List.of(Block.Table.ofStrings(null, head, rows)));
    }

    private static String losses(boolean gradient, double first, double last) {
        return gradient ? String.format(Locale.ROOT, "%.3f", first)
                : String.format(Locale.ROOT, "%.3f → %.3f", first, last);
    }

    private static Section stages(PurifyResult r, Provenance prov) {
        List<List<String>> rows = new ArrayList<>();
        r.seconds().forEach((k, v) -> rows.add(List.of(k, String.format(Locale.ROOT, "%.1f", v))));
        List<List<String>> inputs = new ArrayList<>();
        prov.inputsSha256().forEach((f, h) -> inputs.add(List.of(f, h)));
        return new Section("provenance", "Time and provenance", List.of(
                new Block.Paragraph(Text.code(String.join(" ", prov.command()))),
                Block.Table.ofStrings("Time per stage", List.of("stage", "seconds"), rows),
                Block.Table.ofStrings("Inputs", List.of("file", "sha256"), inputs)));
    }
}
