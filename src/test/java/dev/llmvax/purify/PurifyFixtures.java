package dev.llmvax.purify;

import dev.llmvax.lora.LoraConfig;
import dev.llmvax.lora.LoraWeights;
import dev.llmvax.lora.RandomLora;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.Tensors;
import java.util.HashMap;
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
        return RandomLora.of(model, config, seed);
    }

    static float[] gaussian(Random r, int n, double std) {
        return RandomLora.gaussian(r, n, std);
    }
}
