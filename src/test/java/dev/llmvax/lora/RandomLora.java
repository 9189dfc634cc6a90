package dev.llmvax.lora;

import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.Tensors;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * LoRA factors with both A and B random and non-zero (PEFT's tests do the same), so that a test comparing an
 * adapted model with its base cannot pass on an identity adapter. For testing the machinery, not training.
 */
public final class RandomLora {
    private RandomLora() {
    }

    public static LoraWeights of(LlamaConfig model, LoraConfig config, long seed) {
        Random rnd = new Random(seed);
        Map<String, LoraWeights.Pair> pairs = new LinkedHashMap<>();
        for (int l = 0; l < model.numLayers(); l++) {
            for (String m : config.targets()) {
                int[] oi = LoraConfig.shapeOf(model, m);
                pairs.put(LoraConfig.modulePath(l, m), new LoraWeights.Pair(
                        Tensors.fromFloats(gaussian(rnd, config.r() * oi[1], 1 / Math.sqrt(oi[1])), config.r(), oi[1]),
                        Tensors.fromFloats(gaussian(rnd, oi[0] * config.r(), 0.2), oi[0], config.r())));
            }
        }
        return new LoraWeights(config, pairs);
    }

    public static float[] gaussian(Random r, int n, double std) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (r.nextGaussian() * std);
        }
        return f;
    }
}
