package dev.llmvax.compare;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import dev.llmvax.eval.EvalReport;
import dev.llmvax.purify.PurifyOutput;

/**
 * The llmvax outputs that hold evaluated models ({@code ModelEvaluation} records), and where in each file they are.
 * A file says which it is in its {@code "report"} field.
 */
public enum RunKind {
    /** {@code llmvax eval}: the models under {@code models}. */
    EVAL("eval", "report.json", EvalReport.KIND, EvalReport.SCHEMA_VERSION),
    /** {@code llmvax purify --eval-task ...}: suspicious, purified and controls under {@code result.evaluations}. */
    PURIFY("purify", "purify.json", PurifyOutput.KIND, PurifyOutput.SCHEMA_VERSION),
    /**
     * {@code llmvax defend} (the baseline defenses): laid out as purify.json, plus {@code result.method} and
     * {@code result.cost}. Its schema is new, so a missing {@code "report"} field or version is tolerated.
     */
    DEFEND("defend", "defend.json", "llmvax defend", 1);

    private final String id;
    private final String fileName;
    private final String reportId;
    private final int schemaVersion;

    RunKind(String id, String fileName, String reportId, int schemaVersion) {
        this.id = id;
        this.fileName = fileName;
        this.reportId = reportId;
        this.schemaVersion = schemaVersion;
    }

    @JsonValue
    public String id() {
        return id;
    }

    /** The file this kind of output folder holds. */
    public String fileName() {
        return fileName;
    }

    /** The {@code "report"} field of the file. */
    public String reportId() {
        return reportId;
    }

    /** The newest {@code schemaVersion} this llmvax reads. */
    public int schemaVersion() {
        return schemaVersion;
    }

    /** The list of evaluated models in a file of this kind (missing: a node for which {@code isArray()} is false). */
    JsonNode evaluations(JsonNode root) {
        return switch (this) {
            case EVAL -> root.path("models");
            case PURIFY, DEFEND -> root.path("result").path("evaluations");
        };
    }

    /** Where {@link #evaluations} looks, for error messages. */
    String evaluationsPath() {
        return switch (this) {
            case EVAL -> "\"models\"";
            case PURIFY, DEFEND -> "\"result\": {\"evaluations\"}";
        };
    }

    @Override
    public String toString() {
        return id;
    }
}
