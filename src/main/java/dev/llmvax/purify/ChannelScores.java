package dev.llmvax.purify;

import dev.llmvax.io.DType;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.Tensors;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * Eq. 2 of method.md §3, per unit j of every matrix (a channel of an MLP matrix, a head of an attention one):
 *
 * <pre>
 *   s_j = mean_i ||Δ_{i,j}||_2  +  λ · mean_{i&lt;l} max(0, cos(Δ_{i,j}, Δ_{l,j}))
 * </pre>
 *
 * the magnitude (how hard the variants pushed the unit) plus λ times the cross-variant alignment (whether they
 * pushed it the same way). Both terms are kept, so λ can be changed after the fact ({@link #withLambda}). With one
 * variant there is no pair and the alignment term is 0.
 *
 * @param magnitude mean_i ||Δ_{i,j}|| per unit, keyed by matrix in {@link MatrixId} order
 * @param alignment mean over pairs i &lt; l of the clamped cosine per unit
 * @param variants  N, the variants averaged over
 * @param lambda    λ
 */
public record ChannelScores(Map<MatrixId, float[]> magnitude, Map<MatrixId, float[]> alignment, int variants,
                            double lambda) {

    public ChannelScores {
        magnitude = Collections.unmodifiableMap(new TreeMap<>(magnitude));
        alignment = Collections.unmodifiableMap(new TreeMap<>(alignment));
        if (!magnitude.keySet().equals(alignment.keySet())) {
            throw new IllegalArgumentException("magnitude and alignment cover different matrices");
        }
        for (Map.Entry<MatrixId, float[]> e : magnitude.entrySet()) {
            int a = alignment.get(e.getKey()).length;
            if (e.getValue().length != a) {
                throw new IllegalArgumentException(e.getKey() + ": " + e.getValue().length + " magnitudes but " + a
                        + " alignments");
            }
        }
        if (variants < 1) {
            throw new IllegalArgumentException("scores need at least one variant, got " + variants);
        }
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda must be a finite number >= 0, got " + lambda);
        }
    }

    /** The scored matrices, in order. */
    public List<MatrixId> matrices() {
        return List.copyOf(magnitude.keySet());
    }

    /** s_j of every unit of {@code id}: magnitude + λ · alignment, a new array. */
    public float[] scores(MatrixId id) {
        float[] m = magnitude.get(id);
        if (m == null) {
            throw new IllegalArgumentException("no scores for " + id);
        }
        float[] a = alignment.get(id);
        float[] s = new float[m.length];
        for (int j = 0; j < s.length; j++) {
            s[j] = (float) (m[j] + lambda * a[j]);
        }
        return s;
    }

    /** The same terms combined with another λ. */
    public ChannelScores withLambda(double other) {
        return new ChannelScores(magnitude, alignment, variants, other);
    }

    /** Scores over {@code variants}, each opened, fed and closed in turn; earlier ones kept in memory as bf16. */
    public static ChannelScores compute(List<Supplier<Deltas>> variants, double lambda) {
        try (Accumulator acc = accumulator(UnitStore.memory(DType.BF16))) {
            for (Supplier<Deltas> s : variants) {
                try (Deltas d = s.get()) {
                    acc.add(d);
                }
            }
            return acc.finish(lambda);
        }
    }

    /** An accumulator fed one variant at a time, keeping earlier variants' unit deltas in {@code store}. */
    public static Accumulator accumulator(UnitStore store) {
        return new Accumulator(store);
    }

    /**
     * Eq. 2 built up one variant at a time, so the orchestrator can fine-tune variant i, feed its deltas and free
     * them before training variant i+1. Per matrix it holds the running sums (two doubles per unit); per variant
     * it stores each matrix's unit-normalised deltas in the {@link UnitStore}, and a new variant is compared with
     * the stored ones one matrix and one earlier variant at a time: at most two variants' worth of one matrix
     * is in memory while scoring. Closing it closes the store.
     */
    public static final class Accumulator implements AutoCloseable {
        private final UnitStore store;
        private final Map<MatrixId, double[]> normSum = new TreeMap<>();
        private final Map<MatrixId, double[]> cosSum = new TreeMap<>();
        private List<MatrixId> matrices;
        private int count;

        private Accumulator(UnitStore store) {
            this.store = store;
        }

        /** Variants fed so far. */
        public int variants() {
            return count;
        }

        /** Adds one variant: its norms, and its clamped cosines with every earlier variant. */
        public void add(Deltas variant) {
            if (matrices == null) {
                matrices = variant.matrices();
            } else if (!matrices.equals(variant.matrices())) {
                throw new IllegalArgumentException("variant " + (count + 1) + " has deltas of other matrices than "
                        + "variant 1 (attention on in one and off in the other?)");
            }
            for (MatrixId id : matrices) {
                try (PointerScope scope = new PointerScope(); InferenceMode guard = new InferenceMode();
                     Tensor delta = variant.delta(id)) {
                    Tensor units = unitView(delta, id.matrix(), variant.config()); // (units, features)
                    Tensor norms = units.mul(units).sum(new long[] {1}, false, new ScalarTypeOptional()).sqrt();
                    // a unit the variant did not move has no direction: its unit vector is 0, its cosines 0
                    Tensor unit = units.div(norms.clamp_min(new Scalar(1e-30)).unsqueeze(1));
                    add(normSum, id, Tensors.toFloats(norms));
                    for (int p = 0; p < count; p++) {
                        try (PointerScope perPair = new PointerScope()) {
                            Tensor earlier = store.get(p, id);
                            Tensor cos = unit.mul(earlier).sum(new long[] {1}, false, new ScalarTypeOptional())
                                    .clamp_min(new Scalar(0)); // max(0, cos): opposite pushes do not count
                            add(cosSum, id, Tensors.toFloats(cos));
                        }
                    }
                    store.put(count, id, unit);
                }
            }
            count++;
        }

        /** The scores so far, with {@code lambda}. */
        public ChannelScores finish(double lambda) {
            if (count == 0) {
                throw new IllegalStateException("no variant was added");
            }
            long pairs = (long) count * (count - 1) / 2;
            Map<MatrixId, float[]> mag = new TreeMap<>();
            Map<MatrixId, float[]> align = new TreeMap<>();
            for (MatrixId id : matrices) {
                double[] n = normSum.get(id);
                double[] c = cosSum.computeIfAbsent(id, k -> new double[n.length]);
                float[] m = new float[n.length];
                float[] a = new float[n.length];
                for (int j = 0; j < n.length; j++) {
                    m[j] = (float) (n[j] / count);
                    a[j] = pairs == 0 ? 0f : (float) (c[j] / pairs);
                }
                mag.put(id, m);
                align.put(id, a);
            }
            return new ChannelScores(mag, align, count, lambda);
        }

        private static void add(Map<MatrixId, double[]> sums, MatrixId id, float[] values) {
            double[] s = sums.computeIfAbsent(id, k -> new double[values.length]);
            for (int j = 0; j < s.length; j++) {
                s[j] += values[j];
            }
        }

        @Override
        public void close() {
            store.close();
        }
    }

    /**
     * Δ (out, in) rearranged so that each row is one unit's values: gate/up/q/k/v rows as they are (a head's
     * head_dim rows joined), down/o transposed first so that a column (or a head's columns) becomes a row.
     *
     * @return (units, features), contiguous, in the current PointerScope
     */
    static Tensor unitView(Tensor delta, Matrix m, LlamaConfig c) {
        Tensor rows = m.axis() == Matrix.Axis.ROW ? delta : delta.t().contiguous();
        return rows.reshape(m.units(c), -1).contiguous();
    }
}
