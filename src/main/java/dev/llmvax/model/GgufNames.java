package dev.llmvax.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** llama.cpp tensor names to Hugging Face names and back. */
public final class GgufNames {
    private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d+)\\.([a-z_]+)\\.(weight|bias)");
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.([a-z_.]+)\\.(weight|bias)");
    private static final String[][] PER_LAYER = {
        {"attn_norm", "input_layernorm"},
        {"attn_q", "self_attn.q_proj"},
        {"attn_k", "self_attn.k_proj"},
        {"attn_v", "self_attn.v_proj"},
        {"attn_output", "self_attn.o_proj"},
        {"ffn_norm", "post_attention_layernorm"},
        {"ffn_gate", "mlp.gate_proj"},
        {"ffn_up", "mlp.up_proj"},
        {"ffn_down", "mlp.down_proj"},
    };

    private GgufNames() {
    }

    /** The HF name of a GGUF tensor, or null when it has none. */
    public static String toHf(String gguf) {
        switch (gguf) {
            case "token_embd.weight":
                return "model.embed_tokens.weight";
            case "output_norm.weight":
                return "model.norm.weight";
            case "output.weight":
                return "lm_head.weight";
            default:
                break;
        }
        Matcher m = BLOCK.matcher(gguf);
        if (!m.matches()) {
            return null;
        }
        for (String[] pair : PER_LAYER) {
            if (pair[0].equals(m.group(2))) {
                return "model.layers." + m.group(1) + "." + pair[1] + "." + m.group(3);
            }
        }
        return null;
    }

    /** The GGUF name of an HF tensor, or null when it has none. */
    public static String fromHf(String hf) {
        switch (hf) {
            case "model.embed_tokens.weight":
                return "token_embd.weight";
            case "model.norm.weight":
                return "output_norm.weight";
            case "lm_head.weight":
                return "output.weight";
            default:
                break;
        }
        Matcher m = LAYER.matcher(hf);
        if (!m.matches()) {
            return null;
        }
        for (String[] pair : PER_LAYER) {
            if (pair[1].equals(m.group(2))) {
                return "blk." + m.group(1) + "." + pair[0] + "." + m.group(3);
            }
        }
        return null;
    }
}
