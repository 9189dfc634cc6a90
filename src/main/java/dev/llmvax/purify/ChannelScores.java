package dev.llmvax.purify;

import dev.llmvax.io.DType;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.Tensors;
import dev.llmvax.purify.PurifyConfig.Score;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * <p>A second rule, {@link Score#RELATIVE} (method.md §4, end), divides the magnitude by a third term, the
 * {@code reference} mean_i ||U^clean_{i,j}||_2: how far the clean twin itself moved the unit away from the
 * suspicious weights. On a small model the units with the largest Δ are ones whose updates are large in every
 * fine-tune (bd − clean is large by noise alone), and the model cannot lose them; relative to the clean twin's
 * own update they no longer stand out:
 *
 * <pre>
 *   s_j = mean_i ||Δ_{i,j}|| / (reference_j + ε)  +  λ · alignment_j,   ε = 0.1 · mean_j reference_j
 * </pre>
 *
 * ε is a share of the matrix's own mean reference (so it is in the same units, and the rule is scale-free): units
 * the clean twins barely moved must not blow up to the top of the ranking on a tiny denominator; with ε they are
 * scored at most as if their reference were a tenth of the matrix's mean. A matrix no clean twin moved at all
 * (mean reference 0: a module no adapter touches) has no scale to divide by; its units are then ranked by
 * magnitude alone (ε = 1). The rule, like λ, can be changed after the fact ({@link #withRule}).
 *
 * @param magnitude mean_i ||Δ_{i,j}|| per unit, keyed by matrix in {@link MatrixId} order
 * @param alignment mean over pairs i &lt; l of the clamped cosine per unit
 * @param reference mean_i ||U^clean_{i,j}|| per unit (the clean twin's own update), or null when not computed
 *                  (scores fed by {@link Accumulator#add(Deltas)}, or a signature file from before the term)
 * @param variants  N, the variants averaged over
 * @param lambda    λ
 * @param rule      how the terms are combined
 */
public record ChannelScores(Map<MatrixId, float[]> magnitude, Map<MatrixId, float[]> alignment,
                            Map<MatrixId, float[]> reference, int variants, double lambda, Score rule) {
    /** ε of the relative rule as a share of the matrix's mean reference. */
    public static final double RELATIVE_EPSILON_SHARE = 0.1;

    /**
     * @throws IllegalStateException when {@code rule} is relative and there is no reference term
     */
    public ChannelScores {
        magnitude = Collections.unmodifiableMap(new TreeMap<>(magnitude));
        alignment = Collections.unmodifiableMap(new TreeMap<>(alignment));
        if (!magnitude.keySet().equals(alignment.keySet())) {
            throw new IllegalArgumentException("magnitude and alignment cover different matrices");
        }
        if (reference != null) {
            reference = Collections.unmodifiableMap(new TreeMap<>(reference));
            if (!magnitude.keySet().equals(reference.keySet())) {
                throw new IllegalArgumentException("magnitude and reference cover different matrices");
            }
        }
        for (Map.Entry<MatrixId, float[]> e : magnitude.entrySet()) {
            int a = alignment.get(e.getKey()).length;
            if (e.getValue().length != a) {
                throw new IllegalArgumentException(e.getKey() + ": " + e.getValue().length + " magnitudes but " + a
                        + " alignments");
            }
            if (reference != null && reference.get(e.getKey()).length != a) {
                throw new IllegalArgumentException(e.getKey() + ": " + a + " magnitudes but "
                        + reference.get(e.getKey()).length + " references");
            }
        }
        if (variants < 1) {
            throw new IllegalArgumentException("scores need at least one variant, got " + variants);
        }
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda must be a finite number >= 0, got " + lambda);
        }
        Objects.requireNonNull(rule, "rule");
        if (rule == Score.RELATIVE && reference == null) {
            throw new IllegalStateException("the relative score needs the clean twins' own update norms (the "
                    + "reference term), and these scores have none: they were fed without a reference, or read from a "
                    + "signature file written before the term existed; recompute the scores (or use score: eq2)");
        }
    }

    /** Eq. 2 scores without a reference term. */
    public ChannelScores(Map<MatrixId, float[]> magnitude, Map<MatrixId, float[]> alignment, int variants,
                         double lambda) {
        this(magnitude, alignment, null, variants, lambda, Score.EQ2);
    }

    /** The scored matrices, in order. */
    public List<MatrixId> matrices() {
        return List.copyOf(magnitude.keySet());
    }

    /** Whether the reference term (the clean twins' own update norms) is present. */
    public boolean hasReference() {
        return reference != null;
    }

    /**
     * s_j of every unit of {@code id} under {@link #rule}, a new array: magnitude + λ · alignment (eq2), or
     * magnitude / (reference + ε) + λ · alignment (relative).
     */
    public float[] scores(MatrixId id) {
        float[] m = magnitude.get(id);
        if (m == null) {
            throw new IllegalArgumentException("no scores for " + id);
        }
        float[] a = alignment.get(id);
        float[] s = new float[m.length];
        if (rule == Score.RELATIVE) {
            float[] r = reference.get(id);
            double eps = relativeEpsilon(r);
            for (int j = 0; j < s.length; j++) {
                s[j] = (float) (m[j] / (r[j] + eps) + lambda * a[j]);
            }
        } else {
            for (int j = 0; j < s.length; j++) {
                s[j] = (float) (m[j] + lambda * a[j]);
            }
        }
        return s;
    }

    /** ε of the relative rule for one matrix's references: a share of their mean, or 1 when they are all 0. */
    static double relativeEpsilon(float[] reference) {
        double sum = 0;
        for (float x : reference) {
            sum += x;
        }
        double eps = reference.length == 0 ? 0 : RELATIVE_EPSILON_SHARE * sum / reference.length;
        return eps > 0 ? eps : 1;
    }

    /** The same terms combined with another λ. */
    public ChannelScores withLambda(double other) {
        return new ChannelScores(magnitude, alignment, reference, variants, other, rule);
    }

    /**
     * The same terms combined by another rule.
     *
     * @throws IllegalStateException when {@code other} is relative and there is no reference term
     */
    public ChannelScores withRule(Score other) {
        return new ChannelScores(magnitude, alignment, reference, variants, lambda, other);
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
     * them before training variant i+1. Per matrix it holds the running sums (two doubles per unit, three with the
     * reference term); per variant it stores each matrix's unit-normalised deltas in the {@link UnitStore}, and a
     * new variant is compared with the stored ones one matrix and one earlier variant at a time: at most two
     * variants' worth of one matrix is in memory while scoring. Closing it closes the store.
     */
    public static final class Accumulator implements AutoCloseable {
        private final UnitStore store;
        private final Map<MatrixId, double[]> normSum = new TreeMap<>();
        private final Map<MatrixId, double[]> cosSum = new TreeMap<>();
        private final Map<MatrixId, double[]> referenceSum = new TreeMap<>();
        private List<MatrixId> matrices;
        private boolean withReference;
        private int count;

        private Accumulator(UnitStore store) {
            this.store = store;
        }

        /** Variants fed so far. */
        public int variants() {
            return count;
        }

        /** Adds one variant without a reference term (the scores then support only {@link Score#EQ2}). */
        public void add(Deltas variant) {
            add(variant, null);
        }

        /**
         * Adds one variant: its norms, its clamped cosines with every earlier variant and, when {@code reference}
         * is given, the norms of the clean twin's own update U^clean (the relative rule's denominator). Every
         * variant must be fed alike: all with a reference or all without.
         *
         * @param reference the clean twin's update from the suspicious weights, over the same matrices, or null
         */
        public void add(Deltas variant, Deltas reference) {
            if (matrices == null) {
                matrices = variant.matrices();
                withReference = reference != null;
            } else if (!matrices.equals(variant.matrices())) {
                throw new IllegalArgumentException("variant " + (count + 1) + " has deltas of other matrices than "
                        + "variant 1 (attention on in one and off in the other?)");
            } else if (withReference != (reference != null)) {
                throw new IllegalArgumentException("variant " + (count + 1) + (withReference ? " has no" : " has a")
                        + " reference (clean-twin update) and variant 1 " + (withReference ? "had one" : "had none")
                        + ": feed every variant alike");
            }
            if (reference != null && !matrices.equals(reference.matrices())) {
                throw new IllegalArgumentException("variant " + (count + 1) + ": the reference covers other matrices "
                        + "than the deltas");
            }
            for (MatrixId id : matrices) {
                try (PointerScope scope = new PointerScope(); InferenceMode guard = new InferenceMode();
                     Tensor delta = variant.delta(id)) {
                    Tensor units = unitView(delta, id.matrix(), variant.config()); // (units, features)
                    Tensor norms = norms(units);
                    // a unit the variant did not move has no direction: its unit vector is 0, its cosines 0
                    Tensor unit = units.div(norms.clamp_min(new Scalar(1e-30)).unsqueeze(1));
                    add(normSum, id, Tensors.toFloats(norms));
                    if (reference != null) {
                        try (Tensor u = reference.delta(id)) {
                            add(referenceSum, id, Tensors.toFloats(norms(unitView(u, id.matrix(),
                                    reference.config()))));
                        }
                    }
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

        /** The scores so far, with {@code lambda}, under the {@link Score#EQ2} rule ({@link #withRule} for others). */
        public ChannelScores finish(double lambda) {
            if (count == 0) {
                throw new IllegalStateException("no variant was added");
            }
            long pairs = (long) count * (count - 1) / 2;
            Map<MatrixId, float[]> mag = new TreeMap<>();
            Map<MatrixId, float[]> align = new TreeMap<>();
            Map<MatrixId, float[]> ref = withReference ? new TreeMap<>() : null;
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
                if (ref != null) {
                    double[] u = referenceSum.get(id);
                    float[] r = new float[u.length];
                    for (int j = 0; j < u.length; j++) {
                        r[j] = (float) (u[j] / count);
                    }
                    ref.put(id, r);
                }
            }
            return new ChannelScores(mag, align, ref, count, lambda, Score.EQ2);
        }

        /** Per-row L2 norms of (units, features). */
        private static Tensor norms(Tensor units) {
            return units.mul(units).sum(new long[] {1}, false, new ScalarTypeOptional()).sqrt();
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
