package dev.llmvax.model;

import dev.llmvax.io.GgufFile;
import dev.llmvax.io.ModelFormatException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Builds a {@link LlamaConfig} from GGUF metadata ({@code <arch>.*} keys) as llama.cpp's converter writes them. */
public final class GgufConfig {
    private GgufConfig() {
    }

    /** llama.cpp architecture name to the HF class that runs it here. */
    static String hfArchitecture(String ggufArch) {
        return switch (ggufArch) {
            case "llama" -> "LlamaForCausalLM";
            case "mistral" -> "MistralForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            default -> null;
        };
    }

    public static LlamaConfig read(GgufFile g) {
        String arch = g.getString("general.architecture");
        String hfArch = hfArchitecture(arch);
        if (hfArch == null) {
            throw new ModelFormatException(g.path(), "unknown architecture '" + arch
                    + "'; llmvax runs GGUF architectures llama, mistral and qwen2");
        }
        if (g.tensors().containsKey("rope_freqs.weight")) {
            throw new ModelFormatException(g.path(), "tensor rope_freqs.weight (Llama 3.1 RoPE scaling baked into "
                    + "the GGUF) is not supported yet; load the Hugging Face folder instead");
        }
        String p = arch + ".";
        int hidden = (int) g.getLong(p + "embedding_length");
        int heads = (int) g.getLong(p + "attention.head_count");
        int kvHeads = g.get(p + "attention.head_count_kv").isPresent()
                ? (int) g.getLong(p + "attention.head_count_kv") : heads;
        int headDim = g.get(p + "attention.key_length").isPresent()
                ? (int) g.getLong(p + "attention.key_length") : hidden / heads;
        Optional<Object> tokens = g.get("tokenizer.ggml.tokens");
        int vocab = g.get(p + "vocab_size").isPresent() ? (int) g.getLong(p + "vocab_size")
                : tokens.map(t -> ((List<?>) t).size()).orElseGet(
                        () -> (int) g.tensors().get("token_embd.weight").shape()[0]);
        double theta = g.get(p + "rope.freq_base").isPresent() ? g.getDouble(p + "rope.freq_base") : 10000.0;
        double eps = g.getDouble(p + "attention.layer_norm_rms_epsilon");
        boolean tied = !g.tensors().containsKey("output.weight");
        boolean qwen = hfArch.equals("Qwen2ForCausalLM");
        boolean bias = g.tensors().containsKey("blk.0.attn_q.bias");
        List<Integer> eos = new ArrayList<>();
        optInt(g, "tokenizer.ggml.eos_token_id").ifPresent(eos::add);
        return new LlamaConfig(hfArch, arch.equals("llama") ? "llama" : arch, vocab, hidden,
                (int) g.getLong(p + "feed_forward_length"), (int) g.getLong(p + "block_count"), heads, kvHeads,
                headDim, eps, theta, null, tied, qwen || bias, !qwen && g.tensors().containsKey("blk.0.attn_output.bias"),
                g.get(p + "context_length").isPresent() ? (int) g.getLong(p + "context_length") : 4096,
                optInt(g, "tokenizer.ggml.bos_token_id").orElse(null), eos,
                optInt(g, "tokenizer.ggml.padding_token_id").orElse(null),
                optInt(g, "tokenizer.ggml.unknown_token_id").orElse(null),
                g.get("general.name").map(Object::toString).orElse(null));
    }

    private static Optional<Integer> optInt(GgufFile g, String key) {
        return g.get(key).map(v -> ((Number) v).intValue());
    }
}
