package dev.llmvax.purify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.llmvax.eval.EvalTable;
import dev.llmvax.report.HtmlWriter;
import dev.llmvax.util.Provenance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The files beside the purified model: {@code purify.json}, {@code report.html} and the model card. */
public final class PurifyOutput {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Identifies the file for readers. */
    public static final String KIND = "llmvax purify";
    public static final int SCHEMA_VERSION = 1;

    /** What the agreement means, for the model card and the report. */
    static final String AGREEMENT_HINT = "Each half's scores select a signature by the same rule; the lower the "
            + "share they have in common, the more the signature depends on which variants were drawn, and the "
            + "less a rerun with other samples would repeat this result (more variants or samples raise it).";

    /** What a chance-level adapter coverage means (docs/RESULTS.md, stop 22), for the log, card and report. */
    static final String WEAK_COVERAGE = "the signature carries no more of the suspicious adapter's update than "
            + "random units would, so zeroing it is unlikely to remove more of a backdoor the adapter holds than "
            + "zeroing random units; on SmolLM2 such runs kept most of the backdoor. Re-initialising whole channels "
            + "removed it there: adapter-neutralise: channels in the config (the output stays an adapter), or --mode "
            + "full (merged weights).";

    private PurifyOutput() {}

    /** {@code purify.json}'s layout. */
    public record Json(String report, int schemaVersion, Provenance provenance, PurifyResult result) {}

    /** Writes purify.json, report.html and README.md into {@code dir} (which holds the model already). */
    public static void write(Path dir, PurifyResult r, Provenance prov) throws IOException {
        JSON.writeValue(dir.resolve("purify.json").toFile(), new Json(KIND, SCHEMA_VERSION, prov, r));
        Files.writeString(dir.resolve("report.html"), HtmlWriter.html(PurifyHtml.report(r, prov)),
                StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("README.md"), modelCard(r, prov), StandardCharsets.UTF_8);
    }

    /** The before/after table as fixed-width text for the terminal and the model card. */
    public static String tableText(PurifyResult r) {
        return EvalTable.text(r.evaluations());
    }

    static String modelCard(PurifyResult r, Provenance prov) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("---\nlibrary_name: ").append(r.adapterMode() ? "peft" : "transformers").append("\ntags:\n")
                .append("- llmvax\n- backdoor-removal\n---\n\n# Purified by llmvax\n\n");
        b.append("This ").append(r.adapterMode() ? "adapter" : "model").append(" is the output of `llmvax purify` ")
                .append("(method: synthetic-variant backdoor signature, re-initialisation and repair). It was made "
                        + "without knowledge of any trigger; check the evaluation below (or run `llmvax eval`) "
                        + "before trusting it.\n\n");
        b.append("## Input\n\n| file | sha256 |\n|---|---|\n");
        prov.inputsSha256().forEach((f, h) -> b.append("| `").append(f).append("` | `").append(h).append("` |\n"));
        b.append("\n## Recipe\n\nPreset `").append(r.config().preset()).append("`, ").append(r.config().variants())
                .append(" variants (deltas `").append(r.config().deltas().id()).append("`), score rule `")
                .append(r.config().score().id()).append("`, τ ")
                .append(r.config().tauFor(r.adapterMode()).describe()).append(", re-initialisation `")
                .append(r.config().describeReinit()).append("`, ")
                .append(r.adapterMode() ? "adapter mode: " + r.config().adapterNeutralise().describe() + ", " : "")
                .append("repair ").append(r.config().repair().samples())
                .append(" samples x ").append(r.config().repair().epochs()).append(" epochs. ")
                .append(r.cleanRecords()).append(" clean records used");
        if (r.droppedRecords() > 0) {
            b.append(" (").append(r.droppedRecords()).append(" left out: evaluation prompts)");
        }
        b.append(". Full config (config sha256 `").append(r.config().sha256()).append("`):\n\n```json\n")
                .append(JSON.writeValueAsString(r.config())).append("\n```\n");
        b.append("\n## Signature\n\n").append(r.signature().total()).append(" channels flagged. Per layer:\n\n| layer |");
        List<String> matrices = r.signature().matrices();
        matrices.forEach(m -> b.append(' ').append(m).append(" |"));
        b.append("\n|---|").append("---|".repeat(matrices.size())).append('\n');
        r.signature().perLayer().forEach((layer, counts) -> {
            b.append("| ").append(layer).append(" |");
            matrices.forEach(m -> b.append(' ').append(counts.getOrDefault(m, 0)).append(" |"));
            b.append('\n');
        });
        if (r.agreement() != null) {
            b.append("\nAgreement between halves of the variants: ").append(r.agreement().describe()).append(". ")
                    .append(AGREEMENT_HINT).append('\n');
        }
        if (r.adapterCoverage() != null) {
            b.append("\nAdapter coverage: ").append(r.adapterCoverage().describe()).append('.')
                    .append(r.adapterCoverage().singlesOutAdapter() ? "" : " Warning: " + WEAK_COVERAGE)
                    .append('\n');
        }
        b.append("\n## Time per stage\n\n| stage | seconds |\n|---|---|\n");
        r.seconds().forEach((k, v) -> b.append("| ").append(k).append(" | ")
                .append(String.format(Locale.ROOT, "%.1f", v)).append(" |\n"));
        if (!r.evaluations().isEmpty()) {
            b.append("\n## Evaluation (templated prompts)\n\n```\n").append(tableText(r)).append("```\n");
        }
        b.append("\nMade by llmvax ").append(prov.version()).append(" on ").append(prov.startedAt()).append(": `")
                .append(String.join(" ", prov.command())).append("`\n");
        return b.toString();
    }
}
