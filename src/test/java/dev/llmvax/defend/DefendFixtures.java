package dev.llmvax.defend;

import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.bytedeco.pytorch.Tensor;

/** Tiny models and random data for the defenses, for testing the machinery rather than accuracy. */
final class DefendFixtures {
    /** 2 layers, hidden 32, 4 heads of 8 over 2 kv heads, intermediate 64 (every width a multiple of 32). */
    static final LlamaConfig C = LlamaConfig.tiny(64, 32, 2, 4, 2, 64);

    private DefendFixtures() {
    }

    /** Every HF-named tensor of {@code m} as floats, by name. */
    static Map<String, float[]> snapshot(LlamaModel m) {
        Map<String, Tensor> w = m.weights();
        Map<String, float[]> out = new TreeMap<>();
        try {
            w.forEach((k, t) -> out.put(k, Tensors.toFloats(t)));
        } finally {
            w.values().forEach(Tensor::close);
        }
        return out;
    }

    /** {@code n} rows of random token ids below {@code vocab}, lengths 1 to {@code maxLen}. */
    static List<int[]> rows(long seed, int n, int maxLen, int vocab) {
        Random r = new Random(seed);
        List<int[]> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] ids = new int[1 + r.nextInt(maxLen)];
            for (int j = 0; j < ids.length; j++) {
                ids[j] = r.nextInt(vocab);
            }
            rows.add(ids);
        }
        return rows;
    }

    static float[] gaussian(Random r, int n, double std) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (r.nextGaussian() * std);
        }
        return f;
    }

    /** Norms in [0.1, 2.1), the kind of spread activation norms have. */
    static float[] positive(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = 0.1f + 2 * r.nextFloat();
        }
        return f;
    }
}
