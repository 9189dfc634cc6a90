package dev.llmvax.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmvax.io.ModelFormatException;
import dev.llmvax.model.LlamaConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * PEFT's {@code adapter_config.json} for a LoRA adapter, mapped to and from {@link LoraConfig}.
 *
 * <p>Reading follows PEFT's matching rules to decide which modules of the model carry an adapter: a list of
 * {@code target_modules} matches a module whose path equals an entry or ends with {@code "." + entry}; a string
 * is a regular expression matched against the whole path, except {@code all-linear}; {@code exclude_modules}
 * and {@code layers_to_transform} narrow the set. Features whose update is not {@code scale * B @ A} are
 * refused by name (see {@link #UNSUPPORTED}); keys llmvax does not know are ignored, as PEFT ignores them.
 */
final class PeftConfigJson {
    /** The PEFT release whose adapter_config.json keys and defaults {@link #write} mirrors. */
    static final String PEFT_LAYOUT = "0.21.2";
    /** PEFT's defaults for Llama when {@code target_modules} is null. */
    private static final List<String> PEFT_LLAMA_DEFAULT_TARGETS = List.of("q_proj", "v_proj");
    /** PEFT's {@code lora_alpha} when the key is absent. */
    private static final double PEFT_DEFAULT_ALPHA = 8;

    /**
     * Keys that must be absent, null, false or empty, with why: each changes the update away from
     * {@code scale * B @ A} on the seven linear modules, or adds weights llmvax cannot merge.
     */
    static final Map<String, String> UNSUPPORTED = Map.ofEntries(
            Map.entry("use_dora", "DoRA adapters (use_dora) rescale each weight column by a learned magnitude, "
                    + "which is not a B @ A update; merge it with peft (merge_and_unload) and pass the merged model"),
            Map.entry("modules_to_save", "modules_to_save replaces whole modules with trained copies, which a "
                    + "LoRA merge cannot express; merge it with peft (merge_and_unload) and pass the merged model"),
            Map.entry("rank_pattern", "per-module ranks (rank_pattern) are not supported"),
            Map.entry("alpha_pattern", "per-module alphas (alpha_pattern) are not supported"),
            Map.entry("lora_bias", "LoRA biases (lora_bias) are not supported"),
            Map.entry("fan_in_fan_out", "fan_in_fan_out is for GPT-2 style Conv1D layers; a Llama has none"),
            Map.entry("layer_replication", "layer_replication changes the model's depth"),
            Map.entry("trainable_token_indices", "trainable token embeddings (trainable_token_indices) are not "
                    + "supported"),
            Map.entry("target_parameters", "adapters on bare parameters (target_parameters) are not supported"),
            Map.entry("alora_invocation_tokens", "activated LoRA (alora_invocation_tokens) applies only after its "
                    + "invocation tokens, so it cannot be merged"),
            Map.entry("use_qalora", "QA-LoRA (use_qalora) pools the adapter's input, which is not a B @ A update"),
            Map.entry("use_bdlora", "block-diagonal LoRA (use_bdlora) is not supported"),
            Map.entry("arrow_config", "Arrow routing (arrow_config) mixes several adapters per token and cannot be "
                    + "merged"),
            Map.entry("megatron_config", "Megatron parallel layers (megatron_config) are not supported"));

    /**
     * {@code init_lora_weights} values (prefixes) whose initialisation subtracts the initial {@code B @ A} (or a
     * quantisation residual) from the base weights: PiSSA, OLoRA, CorDA, LoftQ, LoRA-GA.
     */
    private static final List<String> BASE_CHANGING_INITS = List.of("pissa", "olora", "corda", "loftq", "lora_ga");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern MODULE_PATH = Pattern.compile("model\\.layers\\.(\\d+)\\.(self_attn|mlp)\\.(\\w+)");

    private PeftConfigJson() {
    }

    /**
     * What adapter_config.json says.
     *
     * @param config   rank, alpha, dropout, rsLoRA and the short names of the targeted modules
     * @param modules  every module path of the model the adapter adapts, in layer then {@link LoraConfig#MODULES}
     *                 order
     * @param baseModel {@code base_model_name_or_path}, or null
     */
    record Parsed(LoraConfig config, List<String> modules, String baseModel) {
    }

    /** Parses and checks {@code root} (read from {@code file}) against a model of config {@code model}. */
    static Parsed parse(Path file, JsonNode root, LlamaConfig model) {
        if (!root.isObject()) {
            throw new ModelFormatException(file, "expected a JSON object, found " + root.getNodeType());
        }
        JsonNode type = root.get("peft_type");
        if (type == null || type.isNull()) {
            throw new ModelFormatException(file, "no 'peft_type': not a PEFT adapter config");
        }
        if (!type.asText().equals("LORA")) {
            throw new ModelFormatException(file, "peft_type is '" + type.asText() + "'; llmvax reads LoRA adapters "
                    + "(peft_type LORA) only");
        }
        JsonNode task = root.get("task_type");
        if (task != null && !task.isNull() && !task.asText().equals("CAUSAL_LM")) {
            throw new ModelFormatException(file, "task_type is '" + task.asText() + "'; llmvax reads CAUSAL_LM "
                    + "adapters only");
        }
        for (Map.Entry<String, String> u : new TreeMap<>(UNSUPPORTED).entrySet()) {
            JsonNode v = root.get(u.getKey());
            if (isSet(v)) {
                throw new ModelFormatException(file, u.getValue() + " (found " + u.getKey() + ": " + v + ")");
            }
        }
        JsonNode init = root.get("init_lora_weights");
        if (init != null && init.isTextual() && BASE_CHANGING_INITS.stream()
                .anyMatch(p -> init.textValue().toLowerCase(Locale.ROOT).startsWith(p))) {
            throw new ModelFormatException(file, "init_lora_weights is '" + init.textValue() + "': such adapters "
                    + "move part of the base weights into the adapter at initialisation, so they fit only that "
                    + "modified base; save it with peft's path_initial_model_for_weight_conversion to get a plain "
                    + "LoRA of the original base");
        }
        JsonNode bias = root.get("bias");
        if (bias != null && !bias.isNull() && !bias.asText().equals("none")) {
            throw new ModelFormatException(file, "bias is '" + bias.asText() + "'; adapters that train biases are "
                    + "not supported (bias must be \"none\")");
        }
        int r = positiveInt(file, root, "r");
        double alpha = number(file, root, "lora_alpha", PEFT_DEFAULT_ALPHA);
        double dropout = root.has("lora_dropout") && !root.get("lora_dropout").isNull()
                ? number(file, root, "lora_dropout", 0) : 0;
        boolean rslora = root.path("use_rslora").asBoolean(false);

        Predicate<String> targeted = targets(file, root.get("target_modules"), model.numLayers());
        Predicate<String> excluded = excludes(file, root.get("exclude_modules"));
        Set<Integer> layers = layers(file, root.get("layers_to_transform"), model.numLayers());
        List<String> modules = new ArrayList<>();
        Set<String> shortNames = new LinkedHashSet<>();
        for (int l = 0; l < model.numLayers(); l++) {
            if (layers != null && !layers.contains(l)) {
                continue;
            }
            for (String m : LoraConfig.MODULES) {
                String path = LoraConfig.modulePath(l, m);
                if (targeted.test(path) && !excluded.test(path)) {
                    modules.add(path);
                    shortNames.add(m);
                }
            }
        }
        if (modules.isEmpty()) {
            throw new ModelFormatException(file, "target_modules " + root.get("target_modules") + " (with "
                    + "exclude_modules and layers_to_transform) selects no module of this model; LoRA can adapt "
                    + String.join(", ", LoraConfig.MODULES) + " in layers 0.." + (model.numLayers() - 1));
        }
        LoraConfig config;
        try {
            config = new LoraConfig(r, alpha, dropout, List.copyOf(shortNames), rslora);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, e.getMessage(), e);
        }
        JsonNode base = root.get("base_model_name_or_path");
        return new Parsed(config, List.copyOf(modules), base == null || base.isNull() ? null : base.asText());
    }

    /** Whether a feature key is switched on: present and not null, false, 0, "" or empty. */
    private static boolean isSet(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return false;
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isContainerNode()) {
            return !v.isEmpty();
        }
        if (v.isTextual()) {
            return !v.textValue().isEmpty();
        }
        return !(v.isNumber() && v.asDouble() == 0);
    }

    private static Predicate<String> targets(Path file, JsonNode node, int numLayers) {
        if (node == null || node.isNull()) {
            return suffixMatch(PEFT_LLAMA_DEFAULT_TARGETS);
        }
        if (node.isTextual()) {
            return node.textValue().equals("all-linear") ? p -> true : regex(file, "target_modules", node.textValue());
        }
        List<String> entries = strings(file, "target_modules", node);
        Predicate<String> match = suffixMatch(entries);
        for (String e : entries) {
            if (!anyModule(suffixMatch(List.of(e)), numLayers)) {
                throw new ModelFormatException(file, "target_modules names '" + e + "', which matches no linear "
                        + "module of a Llama block (" + String.join(", ", LoraConfig.MODULES) + ")");
            }
        }
        return match;
    }

    private static Predicate<String> excludes(Path file, JsonNode node) {
        if (node == null || node.isNull()) {
            return p -> false;
        }
        if (node.isTextual()) {
            return regex(file, "exclude_modules", node.textValue());
        }
        return suffixMatch(strings(file, "exclude_modules", node));
    }

    /** PEFT's rule for a list of names: the module path equals an entry or ends with "." + entry. */
    private static Predicate<String> suffixMatch(List<String> entries) {
        return path -> entries.stream().anyMatch(e -> path.equals(e) || path.endsWith("." + e));
    }

    /** Whether {@code p} matches any module of a model of {@code numLayers} layers. */
    private static boolean anyModule(Predicate<String> p, int numLayers) {
        for (int l = 0; l < numLayers; l++) {
            for (String m : LoraConfig.MODULES) {
                if (p.test(LoraConfig.modulePath(l, m))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Predicate<String> regex(Path file, String key, String pattern) {
        try {
            Pattern p = Pattern.compile(pattern);
            return path -> p.matcher(path).matches();
        } catch (PatternSyntaxException e) {
            throw new ModelFormatException(file, key + " is a regular expression that does not compile: "
                    + e.getDescription(), e);
        }
    }

    private static Set<Integer> layers(Path file, JsonNode node, int numLayers) {
        if (node == null || node.isNull()) {
            return null;
        }
        List<Integer> out = new ArrayList<>();
        if (node.isIntegralNumber()) {
            out.add(node.intValue());
        } else if (node.isArray()) {
            node.forEach(n -> {
                if (!n.isIntegralNumber()) {
                    throw new ModelFormatException(file, "layers_to_transform must hold integers, found " + n);
                }
                out.add(n.intValue());
            });
        } else {
            throw new ModelFormatException(file, "layers_to_transform must be an integer or a list of them, found "
                    + node);
        }
        for (int l : out) {
            if (l < 0 || l >= numLayers) {
                throw new ModelFormatException(file, "layers_to_transform names layer " + l + ", but the model has "
                        + numLayers + " layers (0.." + (numLayers - 1) + ")");
            }
        }
        return Set.copyOf(out);
    }

    private static List<String> strings(Path file, String key, JsonNode node) {
        if (!node.isArray()) {
            throw new ModelFormatException(file, key + " must be a list of module names or a regular expression, "
                    + "found " + node.getNodeType());
        }
        List<String> out = new ArrayList<>();
        for (JsonNode n : node) {
            if (!n.isTextual()) {
                throw new ModelFormatException(file, key + " must hold strings, found " + n);
            }
            out.add(n.textValue());
        }
        return out;
    }

    private static int positiveInt(Path file, JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() <= 0) {
            throw new ModelFormatException(file, "'" + key + "' must be a positive integer, found "
                    + (n == null ? "nothing" : n.toString()));
        }
        return n.intValue();
    }

    private static double number(Path file, JsonNode root, String key, double fallback) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isNumber()) {
            throw new ModelFormatException(file, "'" + key + "' must be a number, found " + n);
        }
        return n.doubleValue();
    }

    /**
     * The adapter_config.json PEFT {@value #PEFT_LAYOUT} writes for {@code c}: every key it writes, with its
     * defaults, in sorted order as PEFT sorts them.
     *
     * @param baseModel {@code base_model_name_or_path}: what the base was loaded from
     */
    static ObjectNode write(LoraConfig c, String baseModel) {
        TreeMap<String, Object> keys = new TreeMap<>();
        for (String k : List.of("alora_invocation_tokens", "arrow_config", "auto_mapping", "corda_config",
                "eva_config", "exclude_modules", "kasa_config", "layer_replication", "layers_pattern",
                "layers_to_transform", "lora_ga_config", "megatron_config", "modules_to_save", "monteclora_config",
                "revision", "target_parameters", "trainable_token_indices", "use_bdlora", "velora_config")) {
            keys.put(k, null);
        }
        keys.put("alpha_pattern", Map.of());
        keys.put("base_model_name_or_path", baseModel);
        keys.put("bias", "none");
        keys.put("ensure_weight_tying", false);
        keys.put("fan_in_fan_out", false);
        keys.put("inference_mode", true);
        keys.put("init_lora_weights", true);
        keys.put("loftq_config", Map.of());
        keys.put("lora_alpha", c.alpha() == Math.rint(c.alpha()) && Math.abs(c.alpha()) < 1e15
                ? (Object) (long) c.alpha() : (Object) c.alpha());
        keys.put("lora_bias", false);
        keys.put("lora_dropout", c.dropout());
        keys.put("megatron_core", "megatron.core");
        keys.put("peft_type", "LORA");
        keys.put("peft_version", PEFT_LAYOUT);
        keys.put("qalora_group_size", 16);
        keys.put("r", c.r());
        keys.put("rank_pattern", Map.of());
        keys.put("target_modules", c.targets());
        keys.put("task_type", "CAUSAL_LM");
        keys.put("use_dora", false);
        keys.put("use_qalora", false);
        keys.put("use_rslora", c.rslora());
        ObjectNode o = JSON.createObjectNode();
        keys.forEach((k, v) -> o.set(k, JSON.valueToTree(v)));
        return o;
    }

    /** The module path of a LoRA module (layer, block and name checked), or null when it is none. */
    static int[] parseModulePath(String path) {
        var m = MODULE_PATH.matcher(path);
        if (!m.matches()) {
            return null;
        }
        int module = LoraConfig.MODULES.indexOf(m.group(3));
        if (module < 0 || m.group(1).length() > 6) {
            return null;
        }
        int layer = Integer.parseInt(m.group(1));
        return LoraConfig.modulePath(layer, m.group(3)).equals(path) ? new int[] {layer, module} : null;
    }
}
