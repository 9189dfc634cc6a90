package dev.llmvax.compare;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.eval.ModelEvaluation;
import dev.llmvax.purify.Purifier;
import dev.llmvax.util.Hashing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One llmvax output that holds evaluated models (an eval report.json, a purify.json, a defend.json), read back into
 * the records that wrote it.
 *
 * @param kind    which command wrote it
 * @param file    the JSON file read (absolute)
 * @param sha256  of that file's bytes
 * @param name    the folder holding it: the default prefix of its models' labels
 * @param method  the defense ({@code result.method} of a defend.json), else null
 * @param command the command line that wrote it, as recorded in its provenance (empty when not recorded)
 * @param models  in the file's order
 */
public record EvaluatedRun(RunKind kind, Path file, String sha256, String name, String method, List<String> command,
                           List<Model> models) {

    /**
     * One evaluated model.
     *
     * @param method the defense that made it (a defend run's defended models), else null
     * @param cost   what making it took, where the file says; null for the suspicious model
     */
    public record Model(ModelEvaluation evaluation, String method, Cost cost) {}

    // a newer llmvax may add fields: this reader takes what it knows and checks what it needs
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public EvaluatedRun {
        command = List.copyOf(command);
        models = List.copyOf(models);
    }

    /**
     * Reads {@code run}: an output folder holding exactly one of report.json, purify.json and defend.json, or such a
     * file itself (any name; its {@code "report"} field says which it is).
     *
     * @throws IllegalArgumentException naming the folder or file: nothing known in the folder, not JSON, another
     *                                  kind of file, a newer schema, no evaluated models, a model record that does
     *                                  not parse
     */
    public static EvaluatedRun read(Path run) throws IOException {
        Path file = locate(run).toAbsolutePath().normalize();
        byte[] bytes = Files.readAllBytes(file);
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + ": not an llmvax report (expected a JSON object)");
        }
        RunKind kind = identify(file, root);
        int version = root.path("schemaVersion").asInt(0);
        if (version > kind.schemaVersion()) {
            throw new IllegalArgumentException(file + ": written by a newer llmvax (" + kind.fileName() + " schema "
                    + version + "; this one reads up to " + kind.schemaVersion() + "); use a newer llmvax");
        }
        JsonNode list = kind.evaluations(root);
        if (!list.isArray()) {
            throw new IllegalArgumentException(file + ": an llmvax " + kind + " file without the list of evaluated "
                    + "models (" + kind.evaluationsPath() + ")");
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException(file + ": no evaluated models in it" + (kind == RunKind.EVAL ? ""
                    : " (was " + kind + " run without --eval-task?)"));
        }
        List<ModelEvaluation> evals = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            evals.add(evaluation(file, i, list.get(i)));
        }
        String method = kind == RunKind.DEFEND ? text(root.path("result").path("method")) : null;
        List<Model> models = new ArrayList<>();
        for (ModelEvaluation e : evals) {
            boolean defended = kind == RunKind.DEFEND && !isSuspicious(e, evals.size());
            Cost cost = switch (kind) {
                case EVAL -> null;
                case PURIFY -> purifyCost(root.path("result"), e.model().label());
                case DEFEND -> defended ? defendCost(root.path("result").path("cost")) : null;
            };
            models.add(new Model(e, defended ? method : null, cost));
        }
        List<String> command = new ArrayList<>();
        root.path("provenance").path("command").forEach(a -> command.add(a.asText()));
        Path folder = file.getParent();
        String name = folder == null || folder.getFileName() == null ? file.getFileName().toString()
                : folder.getFileName().toString();
        return new EvaluatedRun(kind, file, Hashing.sha256(bytes), name, method, command, models);
    }

    /** The JSON file of {@code run}. */
    private static Path locate(Path run) {
        if (!Files.exists(run)) {
            throw new IllegalArgumentException(run + ": no such file or folder");
        }
        if (!Files.isDirectory(run)) {
            return run;
        }
        List<Path> found = new ArrayList<>();
        for (RunKind k : RunKind.values()) {
            Path f = run.resolve(k.fileName());
            if (Files.isRegularFile(f)) {
                found.add(f);
            }
        }
        if (found.isEmpty()) {
            throw new IllegalArgumentException(run + ": no report.json, purify.json or defend.json in it; give the "
                    + "output folder of llmvax eval, purify or defend, or one of those files");
        }
        if (found.size() > 1) {
            throw new IllegalArgumentException(run + ": holds " + found.stream().map(f -> f.getFileName().toString())
                    .toList() + "; give the one file you mean instead of the folder");
        }
        return found.getFirst();
    }

    private static RunKind identify(Path file, JsonNode root) {
        JsonNode report = root.path("report");
        String declared = report.isTextual() ? report.asText() : null;
        for (RunKind k : RunKind.values()) {
            if (k.reportId().equals(declared)) {
                return k;
            }
        }
        if (declared == null && file.getFileName().toString().equals(RunKind.DEFEND.fileName())) {
            return RunKind.DEFEND;
        }
        throw new IllegalArgumentException(file + ": not an llmvax eval, purify or defend report ("
                + (declared == null ? "no \"report\" field" : "\"report\" is \"" + declared + "\"")
                + "); give an eval folder (report.json), a purify folder (purify.json) or a defend folder "
                + "(defend.json)");
    }

    private static ModelEvaluation evaluation(Path file, int index, JsonNode node) {
        String where = file + ": evaluated model " + (index + 1);
        ModelEvaluation e;
        try {
            e = JSON.treeToValue(node, ModelEvaluation.class);
        } catch (JsonProcessingException | IllegalArgumentException ex) {
            throw new IllegalArgumentException(where + " does not read as an evaluation ("
                    + firstLine(ex instanceof JsonProcessingException j ? j.getOriginalMessage() : ex.getMessage())
                    + ")");
        }
        if (e == null || e.model() == null || e.model().label() == null || e.model().label().isBlank()) {
            throw new IllegalArgumentException(where + " has no model label (\"model\": {\"label\"})");
        }
        if (e.attack() == null || e.attack().headline().isEmpty() || e.attack().runs().isEmpty()) {
            throw new IllegalArgumentException(where + " (" + e.model().label() + ") has no attack scores "
                    + "(\"attack\": {\"runs\", \"headline\"})");
        }
        return e;
    }

    /** The suspicious model of a purify or defend run: the input, which nothing was spent on. */
    private static boolean isSuspicious(ModelEvaluation e, int models) {
        return e.model().label().equals("suspicious") || (models > 1 && "model".equals(e.model().role()));
    }

    /**
     * A purify run's cost per model, from its stage records. The purified model: every variant's training (tokens
     * and seconds as first trained, also when reused from the stage cache), the scores, and its arm's neutralise
     * and repair. A control: its own neutralise and repair only. The suspicious model: none.
     */
    static Cost purifyCost(JsonNode result, String label) {
        Purifier.Arm arm = null;
        for (Purifier.Arm a : Purifier.Arm.values()) {
            if (label.equals(a == Purifier.Arm.SIGNATURE ? "purified" : "control: " + a.id())) {
                arm = a;
            }
        }
        if (arm == null) {
            return null;
        }
        JsonNode armNode = null;
        for (JsonNode n : result.path("arms")) {
            if (arm.name().equalsIgnoreCase(n.path("arm").asText()) || arm.id().equals(n.path("arm").asText())) {
                armNode = n;
            }
        }
        if (armNode == null) {
            return null;
        }
        long tokens = armNode.path("repair").path("tokens").asLong(0);
        double seconds = armNode.path("neutraliseSeconds").asDouble(0) + armNode.path("repairSeconds").asDouble(0);
        if (arm != Purifier.Arm.SIGNATURE) {
            return new Cost(tokens, seconds, "neutralise + repair of this control");
        }
        for (JsonNode v : result.path("variants")) {
            tokens += v.path("tokens").asLong(0);
            seconds += v.path("seconds").asDouble(0);
        }
        seconds += result.path("seconds").path("scores").asDouble(0);
        return new Cost(tokens, seconds, "variants + scores + neutralise + repair");
    }

    /** {@code result.cost} of a defend.json: {@code training_tokens} and {@code wall_seconds} (or camelCase). */
    static Cost defendCost(JsonNode cost) {
        if (!cost.isObject()) {
            return null;
        }
        JsonNode tokens = field(cost, "training_tokens", "trainingTokens");
        JsonNode seconds = field(cost, "wall_seconds", "wallSeconds");
        Long t = tokens.isNumber() ? tokens.asLong() : null;
        Double s = seconds.isNumber() ? seconds.asDouble() : null;
        return t == null && s == null ? null : new Cost(t, s, "defend.json result.cost");
    }

    private static JsonNode field(JsonNode node, String name, String alias) {
        return node.has(name) ? node.path(name) : node.path(alias);
    }

    /** A method given as a string, or as an object with a name or id; null when absent. */
    private static String text(JsonNode n) {
        if (n.isTextual() || n.isNumber()) {
            return n.asText();
        }
        for (String f : List.of("name", "id", "method")) {
            if (n.path(f).isTextual()) {
                return n.path(f).asText();
            }
        }
        return n.isMissingNode() || n.isNull() ? null : n.toString();
    }

    private static String firstLine(String s) {
        if (s == null || s.isBlank()) {
            return "unknown problem";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
