package dev.llmvax.model;

import java.util.List;
import java.util.Objects;

/**
 * Architecture of a Llama-family decoder (Llama, Mistral, Qwen2 share one forward pass).
 *
 * <p>Field names follow Hugging Face {@code config.json}; {@link HfConfigJson} maps the JSON both ways and
 * {@code GgufConfig} builds one from GGUF metadata.
 *
 * @param architecture   HF class name, e.g. {@code LlamaForCausalLM}
 * @param modelType      HF {@code model_type}: {@code llama}, {@code mistral} or {@code qwen2}
 * @param qkvBias        q/k/v projections carry a bias (Qwen2 always; Llama with {@code attention_bias})
 * @param oBias          the output projection carries a bias (Llama with {@code attention_bias} only)
 * @param ropeScaling    null for plain RoPE
 * @param eosTokenIds    every id that ends generation (HF allows a list)
 * @param name           the model's own name when known ({@code _model_name_or_path}), else null
 */
public record LlamaConfig(
        String architecture,
        String modelType,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean oBias,
        int maxPositionEmbeddings,
        Integer bosTokenId,
        List<Integer> eosTokenIds,
        Integer padTokenId,
        Integer unkTokenId,
        String name) {

    /** The architectures this engine runs, with their HF {@code model_type}. */
    public static final List<String> SUPPORTED = List.of("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM");

    public LlamaConfig {
        Objects.requireNonNull(architecture, "architecture");
        eosTokenIds = eosTokenIds == null ? List.of() : List.copyOf(eosTokenIds);
        requirePositive("vocab_size", vocabSize);
        requirePositive("hidden_size", hiddenSize);
        requirePositive("intermediate_size", intermediateSize);
        requirePositive("num_hidden_layers", numLayers);
        requirePositive("num_attention_heads", numHeads);
        requirePositive("num_key_value_heads", numKvHeads);
        requirePositive("head_dim", headDim);
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + numHeads
                    + " is not a multiple of num_key_value_heads " + numKvHeads);
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim " + headDim + " must be even for rotary embeddings");
        }
        if (!(rmsNormEps > 0) || !(ropeTheta > 0)) {
            throw new IllegalArgumentException("rms_norm_eps and rope_theta must be positive");
        }
    }

    private static void requirePositive(String key, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(key + " must be a positive integer, found " + v);
        }
    }

    /** Query rows of the attention projection: heads x head_dim. */
    public int qDim() {
        return numHeads * headDim;
    }

    /** Key (and value) rows: kv heads x head_dim. */
    public int kvDim() {
        return numKvHeads * headDim;
    }

    /** Parameter count with tied embeddings counted once. */
    public long parameterCount() {
        long h = hiddenSize;
        long attn = h * qDim() + 2L * h * kvDim() + (long) qDim() * h
                + (qkvBias ? qDim() + 2L * kvDim() : 0) + (oBias ? h : 0);
        long mlp = 3L * h * intermediateSize;
        long perLayer = attn + mlp + 2 * h;
        long embed = (long) vocabSize * h;
        return embed + (tieWordEmbeddings ? 0 : embed) + numLayers * perLayer + h;
    }

    /** A tiny random-size model for tests of the machinery, not of accuracy. */
    public static LlamaConfig tiny(int vocab, int hidden, int layers, int heads, int kvHeads, int intermediate) {
        return new LlamaConfig("LlamaForCausalLM", "llama", vocab, hidden, intermediate, layers, heads, kvHeads,
                hidden / heads, 1e-5, 10000.0, null, true, false, false, 2048, 1, List.of(2), 2, 0, "tiny-test");
    }

    /** Llama 3.1 style frequency-dependent RoPE scaling, or a plain linear one. */
    public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                              int originalMaxPositionEmbeddings) {
        public RopeScaling {
            if (!type.equals("llama3") && !type.equals("linear")) {
                throw new IllegalArgumentException("unsupported rope_scaling type '" + type
                        + "' (supported: llama3, linear)");
            }
            if (!(factor > 0)) {
                throw new IllegalArgumentException("rope_scaling.factor must be positive, found " + factor);
            }
        }
    }
}
