package dev.llmvax.train;

import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Tensors;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;

/** Synthetic batches and weight snapshots for trainer tests. */
final class TrainFixtures {
    private TrainFixtures() {}

    /**
     * A memorisation task: {@code n} fixed random rows of varying length over {@code vocab} tokens, answers
     * from position 3, served {@code batch} rows at a time in a seeded order per epoch.
     */
    static BatchSource memorise(int vocab, int n, int batch, long seed) {
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
            public TokenBatch batch(int epoch, int index) {
                java.util.List<Integer> order = new java.util.ArrayList<>();
                for (int i = 0; i < n; i++) {
                    order.add(i);
                }
                java.util.Collections.shuffle(order, new Random(seed + epoch));
                int from = index * batch;
                int to = Math.min(n, from + batch);
                int cols = 0;
                for (int i = from; i < to; i++) {
                    cols = Math.max(cols, rows[order.get(i)].length);
                }
                long[] ids = new long[(to - from) * cols];
                int[] len = new int[to - from];
                int[] ans = new int[to - from];
                for (int i = from; i < to; i++) {
                    int[] row = rows[order.get(i)];
                    for (int j = 0; j < row.length; j++) {
                        ids[(i - from) * cols + j] = row[j];
                    }
                    len[i - from] = row.length;
                    ans[i - from] = 3;
                }
                return new TokenBatch(ids, to - from, cols, len, ans);
            }
        };
    }

    /** Every HF-named weight of the model as floats. */
    static Map<String, float[]> snapshot(LlamaModel m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        Map<String, Tensor> w = m.weights();
        for (Map.Entry<String, Tensor> e : w.entrySet()) {
            out.put(e.getKey(), Tensors.toFloats(e.getValue()));
            e.getValue().close();
        }
        return out;
    }
}
