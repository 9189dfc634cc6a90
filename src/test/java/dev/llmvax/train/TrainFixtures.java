package dev.llmvax.train;

import dev.llmvax.data.Batch;
import dev.llmvax.data.Example;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Tensors;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;

/** Synthetic batches and weight snapshots for trainer tests. */
public final class TrainFixtures {
    private TrainFixtures() {}

    /**
     * A memorisation task: {@code n} fixed random rows of varying length over {@code vocab} tokens, answers
     * from position 3, served {@code batch} rows at a time in a seeded order per epoch.
     */
    public static BatchSource memorise(int vocab, int n, int batch, long seed) {
        Random r = new Random(seed);
        int[][] rows = new int[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = new int[6 + r.nextInt(6)];
            for (int j = 0; j < rows[i].length; j++) {
                rows[i][j] = r.nextInt(vocab);
            }
        }
        return new BatchSource() {
            @Override
            public int batchesPerEpoch() {
                return (n + batch - 1) / batch;
            }

            @Override
            public Batch batch(int epoch, int index) {
                java.util.List<Integer> order = new java.util.ArrayList<>();
                for (int i = 0; i < n; i++) {
                    order.add(i);
                }
                java.util.Collections.shuffle(order, new Random(seed + epoch));
                java.util.List<Example> picked = new java.util.ArrayList<>();
                for (int i = index * batch; i < Math.min(n, (index + 1) * batch); i++) {
                    picked.add(new Example(order.get(i), rows[order.get(i)], 3));
                }
                return Batch.of(picked, new int[picked.size()], 0);
            }
        };
    }

    /** Every HF-named weight of the model as floats. */
    public static Map<String, float[]> snapshot(LlamaModel m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        Map<String, Tensor> w = m.weights();
        for (Map.Entry<String, Tensor> e : w.entrySet()) {
            out.put(e.getKey(), Tensors.toFloats(e.getValue()));
            e.getValue().close();
        }
        return out;
    }
}
