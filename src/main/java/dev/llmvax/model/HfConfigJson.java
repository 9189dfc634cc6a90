package dev.llmvax.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** Reads and writes Hugging Face {@code config.json} for the Llama family. */
public final class HfConfigJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HfConfigJson() {
    }

    /**
     * Parses a {@code config.json} tree.
     *
     * @throws IllegalArgumentException naming the key that is missing or wrong
     */
    public static LlamaConfig parse(JsonNode c) {
        if (c == null || !c.isObject()) {
            throw new IllegalArgumentException("config.json is not a JSON object");
        }
        String arch = c.path("architectures").path(0).asText(null);
        if (arch == null) {
            throw new IllegalArgumentException("config.json has no 'architectures' entry; expected one of "
                    + LlamaConfig.SUPPORTED);
        }
        if (!LlamaConfig.SUPPORTED.contains(arch)) {
            throw new IllegalArgumentException("unknown architecture '" + arch + "'; llmvax runs "
                    + LlamaConfig.SUPPORTED);
        }
        String modelType = c.path("model_type").asText(defaultModelType(arch));
        int hidden = requireInt(c, "hidden_size");
        int heads = requireInt(c, "num_attention_heads");
        int kvHeads = c.hasNonNull("num_key_value_heads") ? requireInt(c, "num_key_value_heads") : heads;
        int headDim = c.hasNonNull("head_dim") ? requireInt(c, "head_dim") : hidden / heads;
        JsonNode ropeParams = c.path("rope_parameters");
        double theta = c.hasNonNull("rope_theta") ? c.get("rope_theta").asDouble()
                : ropeParams.path("rope_theta").asDouble(10000.0);
        JsonNode scaling = c.hasNonNull("rope_scaling") ? c.get("rope_scaling") : ropeParams;
        boolean attentionBias = c.path("attention_bias").asBoolean(false);
        boolean qwen = arch.equals("Qwen2ForCausalLM");
        return new LlamaConfig(arch, modelType,
                requireInt(c, "vocab_size"), hidden, requireInt(c, "intermediate_size"),
                requireInt(c, "num_hidden_layers"), heads, kvHeads, headDim,
                c.path("rms_norm_eps").asDouble(1e-6), theta, ropeScaling(scaling),
                c.path("tie_word_embeddings").asBoolean(false),
                qwen || attentionBias, !qwen && attentionBias,
                c.path("max_position_embeddings").asInt(4096),
                optInt(c, "bos_token_id"), intList(c.get("eos_token_id")), optInt(c, "pad_token_id"),
                optInt(c, "unk_token_id"), c.path("_model_name_or_path").asText(null));
    }

    private static String defaultModelType(String arch) {
        return switch (arch) {
            case "MistralForCausalLM" -> "mistral";
            case "Qwen2ForCausalLM" -> "qwen2";
            default -> "llama";
        };
    }

    private static LlamaConfig.RopeScaling ropeScaling(JsonNode s) {
        if (s == null || !s.isObject()) {
            return null;
        }
        String type = s.hasNonNull("rope_type") ? s.get("rope_type").asText() : s.path("type").asText("default");
        if (type.equals("default")) {
            return null;
        }
        return new LlamaConfig.RopeScaling(type, s.path("factor").asDouble(1.0),
                s.path("low_freq_factor").asDouble(1.0), s.path("high_freq_factor").asDouble(4.0),
                s.path("original_max_position_embeddings").asInt(8192));
    }

    private static int requireInt(JsonNode c, String key) {
        JsonNode v = c.get(key);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("config.json is missing '" + key + "'");
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new IllegalArgumentException("config.json '" + key + "' must be an integer, found " + v);
        }
        return v.asInt();
    }

    private static Integer optInt(JsonNode c, String key) {
        JsonNode v = c.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isArray()) {
            return v.size() == 0 ? null : v.get(0).asInt();
        }
        return v.asInt();
    }

    private static List<Integer> intList(JsonNode v) {
        List<Integer> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (v.isArray()) {
            v.forEach(e -> out.add(e.asInt()));
        } else {
            out.add(v.asInt());
        }
        return out;
    }

    /**
     * The {@code config.json} transformers writes for this model (keys sorted, as transformers does), plus
     * {@code rope_theta} at top level so that older transformers versions read it too.
     *
     * @param dtype the stored weights' dtype name: {@code float32} or {@code bfloat16}
     */
    public static ObjectNode write(LlamaConfig cfg, String dtype, String transformersVersion) {
        ObjectNode o = JSON.createObjectNode();
        if (cfg.name() != null) {
            o.put("_model_name_or_path", cfg.name());
        }
        o.putArray("architectures").add(cfg.architecture());
        boolean qwen = cfg.architecture().equals("Qwen2ForCausalLM");
        if (!qwen) {
            o.put("attention_bias", cfg.qkvBias());
        }
        o.put("attention_dropout", 0.0);
        putOpt(o, "bos_token_id", cfg.bosTokenId());
        o.put("dtype", dtype);
        if (cfg.eosTokenIds().size() == 1) {
            o.put("eos_token_id", cfg.eosTokenIds().getFirst());
        } else if (!cfg.eosTokenIds().isEmpty()) {
            ArrayNode a = o.putArray("eos_token_id");
            cfg.eosTokenIds().forEach(a::add);
        }
        o.put("head_dim", cfg.headDim());
        o.put("hidden_act", "silu");
        o.put("hidden_size", cfg.hiddenSize());
        o.put("initializer_range", 0.02);
        o.put("intermediate_size", cfg.intermediateSize());
        o.put("max_position_embeddings", cfg.maxPositionEmbeddings());
        if (!qwen) {
            o.put("mlp_bias", false);
        }
        o.put("model_type", cfg.modelType());
        o.put("num_attention_heads", cfg.numHeads());
        o.put("num_hidden_layers", cfg.numLayers());
        o.put("num_key_value_heads", cfg.numKvHeads());
        putOpt(o, "pad_token_id", cfg.padTokenId());
        if (cfg.modelType().equals("llama")) {
            o.put("pretraining_tp", 1);
        }
        o.put("rms_norm_eps", cfg.rmsNormEps());
        ObjectNode rp = o.putObject("rope_parameters");
        writeScaling(rp, cfg);
        rp.put("rope_theta", cfg.ropeTheta());
        if (cfg.ropeScaling() != null) {
            writeScaling(o.putObject("rope_scaling"), cfg);
        }
        o.put("rope_theta", cfg.ropeTheta());
        o.put("tie_word_embeddings", cfg.tieWordEmbeddings());
        o.put("transformers_version", transformersVersion);
        putOpt(o, "unk_token_id", cfg.unkTokenId());
        o.put("use_cache", true);
        o.put("vocab_size", cfg.vocabSize());
        return o;
    }

    private static void writeScaling(ObjectNode n, LlamaConfig cfg) {
        LlamaConfig.RopeScaling s = cfg.ropeScaling();
        if (s == null) {
            n.put("rope_type", "default");
            return;
        }
        n.put("factor", s.factor());
        if (s.type().equals("llama3")) {
            n.put("high_freq_factor", s.highFreqFactor());
            n.put("low_freq_factor", s.lowFreqFactor());
            n.put("original_max_position_embeddings", s.originalMaxPositionEmbeddings());
        }
        n.put("rope_type", s.type());
    }

    private static void putOpt(ObjectNode o, String key, Integer v) {
        if (v != null) {
            o.put(key, v);
        }
    }
}
