package dev.llmvax.lora;

import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Tensors;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Dense LoRA updates and their merge into a model: {@code ΔW = scale * B @ A} (Hu et al. 2021, "LoRA:
 * Low-Rank Adaptation of Large Language Models", Eq. 3), so that {@code W + ΔW} computes what the adapted
 * layer {@code W x + scale * B (A x)} computes.
 *
 * <p>Merging writes into the model's weights through {@link LlamaModel#weights()} views, in place. Each
 * merged weight is computed in float32 ({@code W + ΔW}) and rounded once to the model's dtype, so a bf16
 * merge carries one rounding, as a bf16 export of an fp32 merge would.
 */
public final class LoraMerge {
    private LoraMerge() {
    }

    /**
     * The dense update of one module, {@code scale * B @ A}.
     *
     * @return (out, in) float32 on the factors' device, owned by the caller
     */
    public static Tensor delta(LoraWeights.Pair pair, double scale) {
        try (Tensor ba = torch.matmul(pair.b(), pair.a()); // (out, r) @ (r, in)
             Scalar s = new Scalar(scale)) {
            return ba.mul(s);
        }
    }

    /**
     * The dense update of module {@code module} ({@code model.layers.N.mlp.up_proj}), or null when the adapter
     * does not adapt it. (out, in) float32, owned by the caller.
     */
    public static Tensor delta(LoraWeights weights, String module) {
        LoraWeights.Pair p = weights.pairs().get(module);
        return p == null ? null : delta(p, weights.config().scale());
    }

    /**
     * Every adapted module's dense update ΔW, keyed by module path in {@link LoraWeights#pairs()} order: the
     * effective change to the dense weights that the purifier's deltas are taken on. Each (out, in) float32;
     * the caller closes them. For a large model with many targets this is as large as the adapted weights in
     * float32; use {@link #delta(LoraWeights, String)} to take one at a time.
     */
    public static Map<String, Tensor> deltas(LoraWeights weights) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        weights.pairs().forEach((module, p) -> out.put(module, delta(p, weights.config().scale())));
        return out;
    }

    /** {@code W += ΔW} for every adapted module of {@code model}, in place. */
    public static void merge(LlamaModel model, LoraWeights weights) {
        apply(model, weights, 1);
    }

    /**
     * {@code W -= ΔW}: undoes {@link #merge}. Exact up to float32 rounding for an f32 model; a bf16 model ends
     * within one bf16 rounding (~0.4% of each weight) of where it started, not on it.
     */
    public static void unmerge(LlamaModel model, LoraWeights weights) {
        apply(model, weights, -1);
    }

    private static void apply(LlamaModel model, LoraWeights weights, double sign) {
        double scale = sign * weights.config().scale();
        try (InferenceMode guard = new InferenceMode(); PointerScope scope = new PointerScope()) {
            Map<String, Tensor> views = model.weights();
            // check every shape first, so that a mismatch leaves the model untouched
            weights.pairs().forEach((module, p) -> {
                Tensor w = views.get(module + ".weight");
                if (w == null) {
                    throw new IllegalArgumentException("the model has no weight " + module + ".weight to merge into");
                }
                long[] ws = Tensors.shape(w);
                long[] ds = {p.b().size(0), p.a().size(1)};
                if (!Arrays.equals(ws, ds) || p.b().size(1) != p.a().size(0)) {
                    throw new IllegalArgumentException("LoRA factors of " + module + " (A " + Arrays.toString(
                            Tensors.shape(p.a())) + ", B " + Arrays.toString(Tensors.shape(p.b()))
                            + ") do not fit its weight " + Arrays.toString(ws));
                }
            });
            weights.pairs().forEach((module, p) -> {
                try (PointerScope perModule = new PointerScope()) { // frees each ΔW before the next
                    Tensor w = views.get(module + ".weight");                  // (out, in), a view
                    Tensor d = delta(p, scale).to(w.device(), ScalarType.Float); // (out, in) float32
                    if (w.scalar_type().intern() == ScalarType.Float) {
                        w.add_(d);
                    } else {
                        w.copy_(w.to(ScalarType.Float).add_(d)); // W + ΔW in float32, rounded once
                    }
                }
            });
        }
    }
}
