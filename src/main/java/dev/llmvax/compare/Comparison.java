package dev.llmvax.compare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.llmvax.util.AtomicOutputDir;
import dev.llmvax.util.Provenance;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Many evaluated models side by side ({@code llmvax report}), as written to {@code compare.json}: one row per model
 * from every run given, in the order given.
 *
 * @param report        always {@value #KIND}, so a reader can tell the file apart
 * @param schemaVersion bumped when a field changes meaning or goes away
 * @param provenance    the command, llmvax version and the SHA-256 of every input file
 * @param title         the page title
 * @param inputs        the runs read, in order
 * @param benchmarks    every utility benchmark any row has, in first-seen order: the table's columns
 * @param rows          one per evaluated model
 */
public record Comparison(String report, int schemaVersion, Provenance provenance, String title, List<Input> inputs,
                         List<String> benchmarks, List<ComparisonRow> rows) {

    public static final String KIND = "llmvax report";
    public static final int SCHEMA_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One run read.
     *
     * @param prefix  the label prefix of its rows (its folder name unless given)
     * @param command the command that wrote it, from its provenance
     * @param models  rows it contributed
     */
    public record Input(String path, RunKind kind, String sha256, String prefix, String method, List<String> command,
                        int models) {
        public Input {
            command = List.copyOf(command);
        }
    }

    public Comparison {
        inputs = List.copyOf(inputs);
        benchmarks = List.copyOf(benchmarks);
        rows = List.copyOf(rows);
    }

    /**
     * The comparison of {@code runs}.
     *
     * @param prefixes one label prefix per run, or null for the runs' folder names
     * @param title    null for a default
     * @throws IllegalArgumentException when the prefixes do not match the runs, or two rows would share a label
     */
    public static Comparison of(List<EvaluatedRun> runs, List<String> prefixes, String title, Provenance provenance) {
        if (prefixes != null && prefixes.size() != runs.size()) {
            throw new IllegalArgumentException(prefixes.size() + " labels for " + runs.size() + " runs; give one "
                    + "label per run, in order");
        }
        List<Input> inputs = new ArrayList<>();
        List<ComparisonRow> rows = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (int i = 0; i < runs.size(); i++) {
            EvaluatedRun run = runs.get(i);
            String prefix = prefixes == null ? run.name() : prefixes.get(i);
            inputs.add(new Input(run.file().toString(), run.kind(), run.sha256(), prefix, run.method(), run.command(),
                    run.models().size()));
            for (EvaluatedRun.Model m : run.models()) {
                ComparisonRow row = ComparisonRow.of(prefix, run, m);
                String before = seen.putIfAbsent(row.label(), run.file().toString());
                if (before != null) {
                    throw new IllegalArgumentException("two models are labelled \"" + row.label() + "\" (from "
                            + before + (before.equals(run.file().toString()) ? "" : " and " + run.file())
                            + "); give the runs distinct labels (--labels)");
                }
                rows.add(row);
            }
        }
        Set<String> benchmarks = new LinkedHashSet<>();
        rows.forEach(r -> benchmarks.addAll(r.accuracy().keySet()));
        String t = title != null ? title : "llmvax report: " + rows.size() + " models from " + runs.size()
                + (runs.size() == 1 ? " run" : " runs");
        return new Comparison(KIND, SCHEMA_VERSION, provenance, t, inputs, List.copyOf(benchmarks), rows);
    }

    /** Writes compare.json; refuses to replace a file. */
    public void writeJson(Path file) throws IOException {
        AtomicOutputDir.writeAtomically(file, tmp -> JSON.writeValue(tmp.toFile(), this));
    }
}
