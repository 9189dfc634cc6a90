package dev.llmvax.defend;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.llmvax.eval.EvalTable;
import dev.llmvax.report.Block;
import dev.llmvax.report.HtmlWriter;
import dev.llmvax.report.Report;
import dev.llmvax.report.Section;
import dev.llmvax.report.Text;
import dev.llmvax.util.Provenance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The files beside a defended model: {@code defend.json}, {@code report.html} and the model card. */
public final class DefendOutput {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Identifies the file for readers. */
    public static final String KIND = "llmvax defend";
    public static final int SCHEMA_VERSION = 1;

    private DefendOutput() {}

    /** {@code defend.json}'s layout (as {@code purify.json}'s: evaluations under {@code result.evaluations}). */
    public record Json(String report, int schemaVersion, Provenance provenance, DefendResult result) {}

    public static void write(Path dir, DefendResult r, Provenance prov) throws IOException {
        JSON.writeValue(dir.resolve("defend.json").toFile(), new Json(KIND, SCHEMA_VERSION, prov, r));
        Files.writeString(dir.resolve("report.html"), HtmlWriter.html(report(r, prov)), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("README.md"), modelCard(r, prov), StandardCharsets.UTF_8);
    }

    /** One line on what was done, for the card, the report and the log. */
    static String describe(DefendResult r) {
        DefendConfig c = r.config();
        return switch (c.method()) {
            case FINETUNE -> "clean fine-tuning, " + training(r);
            case WANDA -> wanda(c.wanda());
            case FINE_PRUNING -> wanda(c.wanda()) + ", then " + training(r);
            case QUANTIZE -> "weights rounded through " + c.format().name() + " and back (the 7 linear matrices per "
                    + "layer)";
            case CROW -> String.format(Locale.ROOT, "CROW: LoRA fine-tuning at lr %.0e with the layer-consistency "
                    + "loss (alpha %s, epsilon %s), %s", c.crowLr(), c.crow().alpha(), c.crow().epsilon(), training(r));
        };
    }

    private static String wanda(WandaConfig w) {
        return String.format(Locale.ROOT, "Wanda pruning at sparsity %.0f %%%s, %d calibration samples",
                100 * w.sparsity(), w.structured() ? " (whole MLP channels)" : "", w.calibrationSamples());
    }

    private static String training(DefendResult r) {
        if (r.training() == null) {
            return "no training";
        }
        return String.format(Locale.ROOT, "%d samples x %d epochs (budget %s, %d training tokens, loss %.3f -> %.3f)",
                r.trainingSamples(), r.trainingEpochs(), r.config().budget().id(), r.training().tokens(),
                r.training().firstLoss(), r.training().lastLoss());
    }

    static Report report(DefendResult r, Provenance prov) {
        List<Report.Fact> facts = new ArrayList<>();
        facts.add(new Report.Fact("inputs", String.join(", ", prov.inputsSha256().keySet())));
        facts.add(new Report.Fact("defense", r.method() + ": " + describe(r)));
        facts.add(new Report.Fact("clean data", r.cleanRecords() + " records" + (r.droppedRecords() > 0 ? ", "
                + r.droppedRecords() + " evaluation prompts left out" : "")));
        facts.add(new Report.Fact("cost", String.format(Locale.ROOT, "%d training tokens, %.1f min",
                r.cost().trainingTokens(), r.cost().wallSeconds() / 60)));
        facts.add(new Report.Fact("llmvax", prov.version() + ", run " + prov.startedAt()));
        List<Section> sections = new ArrayList<>();
        if (!r.evaluations().isEmpty()) {
            sections.add(EvalTable.section(r.evaluations(), "The defended model is labelled by its method."));
        }
        List<List<String>> rows = new ArrayList<>();
        r.seconds().forEach((k, v) -> rows.add(List.of(k, String.format(Locale.ROOT, "%.1f", v))));
        List<List<String>> inputs = new ArrayList<>();
        prov.inputsSha256().forEach((f, h) -> inputs.add(List.of(f, h)));
        sections.add(new Section("provenance", "Time and provenance", List.of(
                new Block.Paragraph(Text.code(String.join(" ", prov.command()))),
                Block.Table.ofStrings("Time per stage", List.of("stage", "seconds"), rows),
                Block.Table.ofStrings("Inputs", List.of("file", "sha256"), inputs))));
        return new Report("llmvax defend (" + r.method() + ")", facts, sections);
    }

    static String modelCard(DefendResult r, Provenance prov) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("---\nlibrary_name: transformers\ntags:\n- llmvax\n- backdoor-defense\n- ").append(r.method())
                .append("\n---\n\n# Defended by llmvax (baseline: ").append(r.method()).append(")\n\n");
        b.append("This model is the output of `llmvax defend --method ").append(r.method()).append("`: ")
                .append(describe(r)).append(". It is a baseline defense kept for comparison with `llmvax purify`; "
                        + "check the evaluation below (or run `llmvax eval`) before trusting it.\n\n");
        b.append("## Input\n\n| file | sha256 |\n|---|---|\n");
        prov.inputsSha256().forEach((f, h) -> b.append("| `").append(f).append("` | `").append(h).append("` |\n"));
        b.append("\n## Settings\n\n```json\n").append(JSON.writeValueAsString(r.config())).append("\n```\n");
        b.append(String.format(Locale.ROOT, "\n## Cost\n\n%d training tokens, %.1f s (evaluation excluded).\n",
                r.cost().trainingTokens(), r.cost().wallSeconds()));
        if (!r.evaluations().isEmpty()) {
            b.append("\n## Evaluation (templated prompts)\n\n```\n").append(EvalTable.text(r.evaluations()))
                    .append("```\n");
        }
        b.append("\nMade by llmvax ").append(prov.version()).append(" on ").append(prov.startedAt()).append(": `")
                .append(String.join(" ", prov.command())).append("`\n");
        return b.toString();
    }
}
