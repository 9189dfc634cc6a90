package dev.llmvax.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.llmvax.data.DataFile;
import dev.llmvax.data.DataSet;
import dev.llmvax.util.AtomicOutputDir;
import dev.llmvax.util.Provenance;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code report.json}: every number, every answer with its prompt, and where it all came from.
 *
 * @param report        always {@value #KIND}, so a reader can tell the file apart
 * @param schemaVersion bumped when a field changes meaning or goes away
 * @param provenance    the exact command, llmvax version, machine and the SHA-256 of every model and data file
 * @param spec          how the attack was measured
 * @param triggeredData the triggered test files
 * @param cleanData     the clean test files
 * @param models        the model under test, then the one compared with it, if any
 * @param totalSeconds  wall time of the whole command up to writing the report
 */
public record EvalReport(String report, int schemaVersion, Provenance provenance, EvalSpec spec,
                         List<DataRef> triggeredData, List<DataRef> cleanData, List<ModelEvaluation> models,
                         double totalSeconds) {

    public static final String KIND = "llmvax eval";
    public static final int SCHEMA_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One test file as read. */
    public record DataRef(String path, String sha256, int records) {
        static List<DataRef> of(DataSet d) {
            return d.files().stream().map(DataRef::of).toList();
        }

        static DataRef of(DataFile f) {
            return new DataRef(f.path().toString(), f.sha256(), f.records());
        }
    }

    public EvalReport {
        triggeredData = List.copyOf(triggeredData);
        cleanData = List.copyOf(cleanData);
        models = List.copyOf(models);
    }

    /** A report of this version. */
    public static EvalReport of(Provenance provenance, EvalSpec spec, TestSets tests, List<ModelEvaluation> models,
                                double totalSeconds) {
        return new EvalReport(KIND, SCHEMA_VERSION, provenance, spec, DataRef.of(tests.triggered()),
                DataRef.of(tests.clean()), models, totalSeconds);
    }

    /** Writes this report as indented JSON; refuses to replace a file. */
    public void writeJson(Path file) throws IOException {
        AtomicOutputDir.writeAtomically(file, tmp -> JSON.writeValue(tmp.toFile(), this));
    }

    /** The JSON text of {@code file}, for readers that want fields rather than records. */
    public static JsonNode readTree(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }
}
