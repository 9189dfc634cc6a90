package dev.llmvax.lora;

import dev.llmvax.model.LlamaConfig;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A LoRA adapter's shape and scaling, as PEFT's {@code LoraConfig} describes it.
 *
 * @param r       rank
 * @param alpha   {@code lora_alpha}; the update is {@code scale() * B @ A}
 * @param dropout dropout on the adapter's input during training (0 disables it)
 * @param targets short module names ({@code q_proj} ... {@code down_proj}), in {@link #MODULES} order
 * @param rslora  PEFT's {@code use_rslora}: scale alpha / sqrt(r) instead of alpha / r
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targets, boolean rslora) {

    /** Every linear module of a Llama block, in the order llmvax lays them out. */
    public static final List<String> MODULES =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    public LoraConfig {
        if (r <= 0) {
            throw new IllegalArgumentException("LoRA rank must be a positive integer, got " + r);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("LoRA alpha must be a positive number, got " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
        }
        targets = normalise(targets);
    }

    /** The factor applied to {@code B @ A}. */
    public double scale() {
        return rslora ? alpha / Math.sqrt(r) : alpha / r;
    }

    /** Whether {@code module} (a short name such as {@code q_proj}) carries an adapter. */
    public boolean targets(String module) {
        return targets.contains(module);
    }

    /**
     * Expands {@code all-linear} and checks every name against {@link #MODULES}, keeping {@link #MODULES} order.
     *
     * @throws IllegalArgumentException naming the first module a Llama block does not have
     */
    public static List<String> normalise(List<String> names) {
        if (names == null || names.isEmpty()) {
            throw new IllegalArgumentException("no LoRA target modules given");
        }
        Set<String> wanted = new LinkedHashSet<>();
        for (String n : names) {
            String s = n.strip();
            if (s.equals("all-linear")) {
                wanted.addAll(MODULES);
            } else if (MODULES.contains(s)) {
                wanted.add(s);
            } else {
                throw new IllegalArgumentException("unknown LoRA target module '" + s + "': this model's linear modules are "
                        + String.join(", ", MODULES) + " (or all-linear)");
            }
        }
        List<String> out = new ArrayList<>();
        for (String m : MODULES) {
            if (wanted.contains(m)) {
                out.add(m);
            }
        }
        return List.copyOf(out);
    }

    /** (out, in) of module {@code name} (short name) in a model of config {@code c}. */
    public static int[] shapeOf(LlamaConfig c, String name) {
        return switch (name) {
            case "q_proj" -> new int[] {c.qDim(), c.hiddenSize()};
            case "k_proj", "v_proj" -> new int[] {c.kvDim(), c.hiddenSize()};
            case "o_proj" -> new int[] {c.hiddenSize(), c.qDim()};
            case "gate_proj", "up_proj" -> new int[] {c.intermediateSize(), c.hiddenSize()};
            case "down_proj" -> new int[] {c.hiddenSize(), c.intermediateSize()};
            default -> throw new IllegalArgumentException("unknown module " + name);
        };
    }

    /** The HF module path of {@code name} in layer {@code layer}, e.g. {@code model.layers.3.mlp.up_proj}. */
    public static String modulePath(int layer, String name) {
        String block = switch (name) {
            case "q_proj", "k_proj", "v_proj", "o_proj" -> "self_attn.";
            default -> "mlp.";
        };
        return "model.layers." + layer + "." + block + name;
    }
}
