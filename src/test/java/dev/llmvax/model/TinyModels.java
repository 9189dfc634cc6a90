package dev.llmvax.model;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;

/** Tiny random Llama models, for testing the machinery rather than accuracy. */
public final class TinyModels {
    private TinyModels() {
    }

    /** 2 layers, hidden 32, 4 heads over 2 kv heads, vocab 64. */
    public static LlamaConfig config() {
        return LlamaConfig.tiny(64, 32, 2, 4, 2, 48);
    }

    /** Random weights with std 1/sqrt(fan_in), so activations and logits stay O(1). */
    public static Map<String, float[]> weights(LlamaConfig c, long seed) {
        Random r = new Random(seed);
        Map<String, float[]> w = new HashMap<>();
        w.put("model.embed_tokens.weight", gaussian(r, c.vocabSize() * c.hiddenSize(), 1 / Math.sqrt(c.hiddenSize())));
        w.put("model.norm.weight", ones(c.hiddenSize(), r));
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            w.put(p + "input_layernorm.weight", ones(c.hiddenSize(), r));
            w.put(p + "post_attention_layernorm.weight", ones(c.hiddenSize(), r));
            double s = 1 / Math.sqrt(c.hiddenSize());
            w.put(p + "self_attn.q_proj.weight", gaussian(r, c.qDim() * c.hiddenSize(), s));
            w.put(p + "self_attn.k_proj.weight", gaussian(r, c.kvDim() * c.hiddenSize(), s));
            w.put(p + "self_attn.v_proj.weight", gaussian(r, c.kvDim() * c.hiddenSize(), s));
            w.put(p + "self_attn.o_proj.weight", gaussian(r, c.hiddenSize() * c.qDim(), 1 / Math.sqrt(c.qDim())));
            w.put(p + "mlp.gate_proj.weight", gaussian(r, c.intermediateSize() * c.hiddenSize(), s));
            w.put(p + "mlp.up_proj.weight", gaussian(r, c.intermediateSize() * c.hiddenSize(), s));
            w.put(p + "mlp.down_proj.weight", gaussian(r, c.hiddenSize() * c.intermediateSize(),
                    1 / Math.sqrt(c.intermediateSize())));
        }
        return w;
    }

    public static long[] shapeOf(LlamaConfig c, String name) {
        return dev.llmvax.bench.RandomLlama.shapeOf(c, name);
    }

    public static LlamaModel model(LlamaConfig c, long seed, Precision p) {
        Map<String, float[]> w = weights(c, seed);
        return LlamaModel.build(c, name -> {
            float[] v = w.get(name);
            return v == null ? null : Tensors.fromFloats(v, shapeOf(c, name));
        }, p, new Device(DeviceType.CPU));
    }

    private static float[] gaussian(Random r, int n, double std) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (r.nextGaussian() * std);
        }
        return f;
    }

    private static float[] ones(int n, Random r) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = 1f + (float) (0.1 * r.nextGaussian()); // not exactly 1, so a norm weight that is ignored shows
        }
        return f;
    }

}
