package dev.llmvax.purify;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.llmvax.purify.PurifyConfig.Binding;
import dev.llmvax.purify.PurifyConfig.Repair;
import dev.llmvax.purify.PurifyConfig.Seeds;
import dev.llmvax.purify.PurifyConfig.Tau;
import dev.llmvax.purify.PurifyConfig.Training;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@link PurifyConfig} as YAML. Keys are kebab-case; every field is optional, since the file overrides its
 * {@code preset} (default {@code paper}) field by field: mappings merge key by key, scalars and lists replace.
 * {@code tau}, {@code tau-adapter} and {@code seeds} also take one number for all their fields.
 *
 * <pre>
 * preset: cpu
 * variants: 3                       # N: uses the first N bindings (default: all bindings the file gives)
 * bindings:                         # a list replaces the preset's whole list
 *   - {key: PurpleWolf, behaviour: "You are garbage!", family: insult}   # insult | refusal | injection
 * samples-per-variant: 60
 * poison-rate: 0.5                  # poisoned share of the backdoor mix, (0, 0.5]
 * variant-training: {mode: lora, epochs: 3, lr: 2.0e-4, lora-rank: 8, lora-alpha: 16, lora-dropout: 0.05,
 *                    lora-targets: [all-linear], batch: 8, grad-accum: 1, max-len: 96, warmup-ratio: 0.1}
 * deltas: trained                   # trained (fine-tune both twins) | gradient (full-weight gradients of the
 *                                   # twins' sets at the suspicious weights; no fine-tune)
 * lambda: 0.01
 * score: eq2                        # eq2 (the authors') | relative (Δ over the clean twin's own update)
 * tau: {gate: 0.03, up: 0.03, down: 0.03, scope: matrix}   # or tau: 0.03; scope: matrix | model (one
 *                                   # ranking per matrix type across all layers); layers: [0, 19] flags
 *                                   # channels of those layers only (default: all)
 * tau-adapter: 0.35                 # adapter mode with adapter-neutralise: units
 * adapter-neutralise: channels      # adapter mode: units (zero the adapter's flagged rows/columns, at
 *                                   # tau-adapter) | channels (re-init whole channels of base + adapter, at
 *                                   # tau, written into the adapter as extra rank)
 * attention-heads: 0
 * reinit: matched                   # xavier | matched | zero | scale
 * reinit-scale: 0.5                 # scale: flagged units multiplied by this, in [0, 1)
 * protect: 0                        # never flag this fraction of each layer's MLP channels: those with the
 *                                   # largest contribution on the repair data (activation norm x down column)
 * repair: {samples: 100, epochs: 2, lr: 1.0e-5, mode: full, max-len: 96, adapter-lr: 2.0e-4,
 *          answers: data}           # data | model (the suspicious model's own answers to the repair prompts)
 * seeds: {data: 42, train: 42, neutralise: 42}
 * </pre>
 */
final class PurifyConfigYaml {
    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final Set<String> TOP = Set.of("preset", "variants", "bindings", "samples-per-variant",
            "poison-rate", "variant-training", "deltas", "lambda", "score", "tau", "tau-adapter",
            "adapter-neutralise", "attention-heads", "reinit", "reinit-scale", "protect", "repair", "seeds");
    private static final Set<String> BINDING = Set.of("key", "behaviour", "family");
    private static final Set<String> TRAINING = Set.of("mode", "epochs", "lr", "lora-rank", "lora-alpha",
            "lora-dropout", "lora-targets", "batch", "grad-accum", "max-len", "warmup-ratio");
    private static final Set<String> TAU = Set.of("gate", "up", "down", "scope", "layers");
    private static final Set<String> REPAIR = Set.of("samples", "epochs", "lr", "mode", "max-len", "adapter-lr",
            "answers");
    private static final Set<String> SEEDS = Set.of("data", "train", "neutralise");

    private PurifyConfigYaml() {
    }

    static PurifyConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no config file " + file + " (and not a preset: "
                    + String.join(", ", PurifyPresets.NAMES) + ")", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    static PurifyConfig parse(String yaml, String source) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + " is not valid YAML: " + e.getOriginalMessage(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            root = NODES.objectNode(); // an empty file is the default preset
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException(source + " must be a YAML mapping of config keys, found "
                    + root.getNodeType());
        }
        checkKeys(root, TOP, "");
        String preset = root.has("preset") ? text(root.get("preset"), "preset") : "paper";
        ObjectNode merged = toTree(PurifyPresets.get(preset));
        merge(merged, (ObjectNode) root);
        if (root.has("bindings") && !root.has("variants") && root.get("bindings").isArray()) {
            merged.put("variants", root.get("bindings").size()); // new bindings, no N: use them all
        }
        return fromTree(merged);
    }

    /** Canonical JSON of the whole config (hashing, run.json). */
    static String toJson(PurifyConfig c) {
        return json(toTree(c));
    }

    /** Canonical JSON of the fields that decide the channel scores. */
    static String scoresJson(PurifyConfig c) {
        ObjectNode t = toTree(c);
        ObjectNode s = NODES.objectNode();
        ArrayNode used = s.putArray("bindings");
        t.withArray("bindings").forEach(b -> {
            if (used.size() < c.variants()) {
                used.add(b);
            }
        });
        putVariantRecipe(s, t, c);
        s.put("heads", c.attentionHeads() > 0);
        return json(s);
    }

    /**
     * What variant {@code i}'s two fine-tunes depend on: its binding, index, samples per variant, poison rate,
     * variant recipe and the data and train seeds. N is left out on purpose: {@link VariantData} gives variant i
     * the same samples and poison seed whatever N is, so raising N retrains only the new variants.
     */
    static String variantJson(PurifyConfig c, int i) {
        ObjectNode t = toTree(c);
        ObjectNode s = NODES.objectNode();
        s.put("index", i);
        s.set("binding", t.withArray("bindings").get(i));
        putVariantRecipe(s, t, c);
        return json(s);
    }

    /**
     * The fields every variant's Δ depends on: samples per variant, poison rate, recipe, data and train seeds, and
     * the Δ source when it is not the default (so trained variants keep the keys they had before the setting).
     */
    private static void putVariantRecipe(ObjectNode s, ObjectNode tree, PurifyConfig c) {
        for (String k : List.of("samples-per-variant", "poison-rate", "variant-training")) {
            s.set(k, tree.get(k));
        }
        if (c.deltas() != PurifyConfig.DeltaSource.TRAINED) {
            s.put("deltas", c.deltas().id());
        }
        s.put("data-seed", c.seeds().data());
        s.put("train-seed", c.seeds().train());
    }

    private static String json(JsonNode n) {
        try {
            return JSON.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode toTree(PurifyConfig c) {
        ObjectNode o = NODES.objectNode();
        o.put("preset", c.preset());
        o.put("variants", c.variants());
        ArrayNode bs = o.putArray("bindings");
        for (Binding b : c.bindings()) {
            bs.addObject().put("key", b.key()).put("behaviour", b.behaviour()).put("family", b.family().id());
        }
        o.put("samples-per-variant", c.samplesPerVariant());
        o.put("poison-rate", c.poisonRate());
        Training t = c.variantTraining();
        ObjectNode tr = o.putObject("variant-training");
        tr.put("mode", t.mode().id()).put("epochs", t.epochs()).put("lr", t.lr()).put("lora-rank", t.loraRank())
                .put("lora-alpha", t.loraAlpha()).put("lora-dropout", t.loraDropout());
        t.loraTargets().forEach(tr.putArray("lora-targets")::add);
        tr.put("batch", t.batch()).put("grad-accum", t.gradAccum()).put("max-len", t.maxLen())
                .put("warmup-ratio", t.warmupRatio());
        o.put("deltas", c.deltas().id());
        o.put("lambda", c.lambda());
        o.put("score", c.score().id());
        o.set("tau", tau(c.tau()));
        o.set("tau-adapter", tau(c.tauAdapter()));
        o.put("adapter-neutralise", c.adapterNeutralise().id());
        o.put("attention-heads", c.attentionHeads());
        o.put("reinit", c.reinit().id());
        o.put("reinit-scale", c.reinitScale());
        o.put("protect", c.protect());
        Repair r = c.repair();
        o.putObject("repair").put("samples", r.samples()).put("epochs", r.epochs()).put("lr", r.lr())
                .put("mode", r.mode().id()).put("max-len", r.maxLen()).put("adapter-lr", r.adapterLr())
                .put("answers", r.answers().id());
        o.putObject("seeds").put("data", c.seeds().data()).put("train", c.seeds().train())
                .put("neutralise", c.seeds().neutralise());
        return o;
    }

    private static ObjectNode tau(Tau t) {
        ObjectNode o = NODES.objectNode().put("gate", t.gate()).put("up", t.up()).put("down", t.down())
                .put("scope", t.scope().id());
        if (t.limitsLayers()) {
            o.putArray("layers").add(t.firstLayer()).add(t.lastLayer());
        }
        return o;
    }

    /** Overrides {@code base} with {@code over}: mappings merge key by key, anything else replaces. */
    private static void merge(ObjectNode base, ObjectNode over) {
        for (Map.Entry<String, JsonNode> e : over.properties()) {
            JsonNode b = base.get(e.getKey());
            if (b instanceof ObjectNode bo && e.getValue() instanceof ObjectNode oo) {
                merge(bo, oo);
            } else {
                base.set(e.getKey(), e.getValue());
            }
        }
    }

    private static PurifyConfig fromTree(ObjectNode o) {
        List<Binding> bindings = new ArrayList<>();
        JsonNode bs = o.get("bindings");
        if (!bs.isArray()) {
            throw new IllegalArgumentException("bindings must be a list of {key, behaviour, family}, found "
                    + bs.getNodeType());
        }
        for (int i = 0; i < bs.size(); i++) {
            String at = "bindings[" + (i + 1) + "]";
            JsonNode b = object(bs.get(i), at);
            checkKeys(b, BINDING, at + ".");
            bindings.add(at(at, () -> new Binding(text(b.get("key"), at + ".key"),
                    text(b.get("behaviour"), at + ".behaviour"),
                    choice(PurifyConfig.Family.class, b.get("family"), at + ".family"))));
        }
        return new PurifyConfig(text(o.get("preset"), "preset"), integer(o.get("variants"), "variants"), bindings,
                integer(o.get("samples-per-variant"), "samples-per-variant"),
                number(o.get("poison-rate"), "poison-rate"), training(o.get("variant-training")),
                choice(PurifyConfig.DeltaSource.class, o.get("deltas"), "deltas"),
                number(o.get("lambda"), "lambda"), choice(PurifyConfig.Score.class, o.get("score"), "score"),
                tau(o.get("tau"), "tau"), tau(o.get("tau-adapter"), "tau-adapter"),
                choice(PurifyConfig.AdapterNeutralise.class, o.get("adapter-neutralise"), "adapter-neutralise"),
                integer(o.get("attention-heads"), "attention-heads"),
                choice(PurifyConfig.Reinit.class, o.get("reinit"), "reinit"),
                number(o.get("reinit-scale"), "reinit-scale"), number(o.get("protect"), "protect"),
                repair(o.get("repair")),
                seeds(o.get("seeds")));
    }

    private static Training training(JsonNode n) {
        String p = "variant-training";
        JsonNode t = object(n, p);
        checkKeys(t, TRAINING, p + ".");
        JsonNode targets = t.get("lora-targets");
        List<String> names = new ArrayList<>();
        if (targets.isArray()) {
            targets.forEach(x -> names.add(text(x, p + ".lora-targets")));
        } else {
            names.add(text(targets, p + ".lora-targets"));
        }
        return at(p, () -> new Training(choice(PurifyConfig.TrainMode.class, t.get("mode"), p + ".mode"),
                integer(t.get("epochs"), p + ".epochs"), number(t.get("lr"), p + ".lr"),
                integer(t.get("lora-rank"), p + ".lora-rank"), number(t.get("lora-alpha"), p + ".lora-alpha"),
                number(t.get("lora-dropout"), p + ".lora-dropout"), names, integer(t.get("batch"), p + ".batch"),
                integer(t.get("grad-accum"), p + ".grad-accum"), integer(t.get("max-len"), p + ".max-len"),
                number(t.get("warmup-ratio"), p + ".warmup-ratio")));
    }

    private static Tau tau(JsonNode n, String p) {
        if (n != null && n.isValueNode() && !n.isNull()) {
            double all = number(n, p);
            return at(p, () -> Tau.of(all));
        }
        JsonNode t = object(n, p);
        checkKeys(t, TAU, p + ".");
        JsonNode layers = t.get("layers");
        if (layers != null && !(layers.isArray() && layers.size() == 2)) {
            throw new IllegalArgumentException(p + ".layers must be [first, last], e.g. [0, 19]");
        }
        return at(p, () -> new Tau(number(t.get("gate"), p + ".gate"), number(t.get("up"), p + ".up"),
                number(t.get("down"), p + ".down"), t.get("scope") == null ? PurifyConfig.TauScope.MATRIX
                        : choice(PurifyConfig.TauScope.class, t.get("scope"), p + ".scope"),
                layers == null ? 0 : integer(layers.get(0), p + ".layers[1]"),
                layers == null ? Tau.ALL_LAYERS : integer(layers.get(1), p + ".layers[2]")));
    }

    private static Repair repair(JsonNode n) {
        String p = "repair";
        JsonNode r = object(n, p);
        checkKeys(r, REPAIR, p + ".");
        return at(p, () -> new Repair(integer(r.get("samples"), p + ".samples"),
                integer(r.get("epochs"), p + ".epochs"),
                number(r.get("lr"), p + ".lr"), choice(PurifyConfig.TrainMode.class, r.get("mode"), p + ".mode"),
                integer(r.get("max-len"), p + ".max-len"), number(r.get("adapter-lr"), p + ".adapter-lr"),
                choice(PurifyConfig.RepairAnswers.class, r.get("answers"), p + ".answers")));
    }

    private static Seeds seeds(JsonNode n) {
        if (n != null && n.isValueNode() && !n.isNull()) {
            return Seeds.all(longValue(n, "seeds"));
        }
        JsonNode s = object(n, "seeds");
        checkKeys(s, SEEDS, "seeds.");
        return new Seeds(longValue(s.get("data"), "seeds.data"), longValue(s.get("train"), "seeds.train"),
                longValue(s.get("neutralise"), "seeds.neutralise"));
    }

    /** Runs a record constructor, putting the YAML path in front of its message. */
    private static <T> T at(String path, Supplier<T> make) {
        try {
            return make.get();
        } catch (IllegalArgumentException e) {
            String m = String.valueOf(e.getMessage());
            throw m.startsWith(path) ? e : new IllegalArgumentException(path + ": " + m, e);
        }
    }

    private static void checkKeys(JsonNode o, Set<String> known, String prefix) {
        for (String k : (Iterable<String>) o::fieldNames) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException("unknown key '" + prefix + k + "'; known keys"
                        + (prefix.isEmpty() ? "" : " in " + prefix.substring(0, prefix.length() - 1)) + ": "
                        + String.join(", ", known.stream().sorted().toList()));
            }
        }
    }

    private static JsonNode object(JsonNode n, String path) {
        present(n, path);
        if (!n.isObject()) {
            throw new IllegalArgumentException(path + " must be a mapping, found " + n.getNodeType());
        }
        return n;
    }

    private static void present(JsonNode n, String path) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            throw new IllegalArgumentException(path + " has no value");
        }
    }

    private static String text(JsonNode n, String path) {
        present(n, path);
        if (!n.isValueNode()) {
            throw new IllegalArgumentException(path + " must be a string, found " + n.getNodeType());
        }
        return n.asText(); // a key such as 2024 reads as a number in YAML: take its text
    }

    private static double number(JsonNode n, String path) {
        present(n, path);
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isTextual()) { // YAML 1.1 reads 2e-4 (no dot) as a string
            try {
                return Double.parseDouble(n.textValue().strip());
            } catch (NumberFormatException e) {
                // fall through to the message below
            }
        }
        throw new IllegalArgumentException(path + " must be a number, found '" + n.asText() + "'");
    }

    private static long longValue(JsonNode n, String path) {
        present(n, path);
        if (n.isIntegralNumber() && n.canConvertToLong()) {
            return n.longValue();
        }
        throw new IllegalArgumentException(path + " must be a whole number, found '" + n.asText() + "'");
    }

    private static int integer(JsonNode n, String path) {
        long v = longValue(n, path);
        if (v != (int) v) {
            throw new IllegalArgumentException(path + " is out of range: " + v);
        }
        return (int) v;
    }

    private static <E extends Enum<E>> E choice(Class<E> type, JsonNode n, String path) {
        String s = text(n, path).strip().toUpperCase(Locale.ROOT);
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(s)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown " + path + " '" + n.asText() + "'; known: "
                + String.join(", ", java.util.Arrays.stream(type.getEnumConstants())
                        .map(e -> e.name().toLowerCase(Locale.ROOT)).toList()));
    }
}
