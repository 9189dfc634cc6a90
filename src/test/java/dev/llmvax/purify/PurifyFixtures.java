package dev.llmvax.purify;

import dev.llmvax.lora.LoraConfig;
import dev.llmvax.lora.LoraWeights;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.Tensors;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;

/** Hand-made deltas and random adapters, for testing the machinery rather than purification. */
final class PurifyFixtures {
    /** One layer, hidden 4, intermediate 6, 2 heads of width 2 over 1 kv head. */
    static final LlamaConfig SMALL = LlamaConfig.tiny(8, 4, 1, 2, 1, 6);

    private PurifyFixtures() {
    }

    /** Deltas from float arrays (row-major (out, in)); matrices not given are zero. */
    static Deltas deltas(LlamaConfig c, Map<MatrixId, float[]> given, boolean attention) {
        Map<MatrixId, Tensor> dense = new HashMap<>();
        for (MatrixId id : Deltas.matrices(c, attention)) {
            long[] shape = id.matrix().shape(c);
            float[] v = given.getOrDefault(id, new float[(int) (shape[0] * shape[1])]);
            dense.put(id, Tensors.fromFloats(v, shape));
        }
        return Deltas.of(c, dense, attention);
    }

    /** A zero (out, in) array of {@code m} with row {@code row} set to {@code values}. */
    static float[] row(LlamaConfig c, Matrix m, int row, float... values) {
        long[] shape = m.shape(c);
        float[] a = new float[(int) (shape[0] * shape[1])];
        System.arraycopy(values, 0, a, (int) (row * shape[1]), values.length);
        return a;
    }

    /** A zero (out, in) array of {@code m} with column {@code col} set to {@code values}. */
    static float[] column(LlamaConfig c, Matrix m, int col, float... values) {
        long[] shape = m.shape(c);
        float[] a = new float[(int) (shape[0] * shape[1])];
        for (int i = 0; i < values.length; i++) {
            a[(int) (i * shape[1] + col)] = values[i];
        }
        return a;
    }

    /** LoRA factors with A and B both random and non-zero, so no test passes on an identity adapter. */
    static LoraWeights randomLora(LlamaConfig model, LoraConfig config, long seed) {
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

    static float[] gaussian(Random r, int n, double std) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (r.nextGaussian() * std);
        }
        return f;
    }
}
