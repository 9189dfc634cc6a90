package dev.llmvax.purify;

import dev.llmvax.purify.PurifyConfig.Tau;
import dev.llmvax.purify.PurifyConfig.TauScope;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * The backdoor signature S (method.md §3 step 4): per matrix, the units to neutralise. MLP matrices flag the
 * top-τ fraction of their own channels (ranked within each matrix, the authors' rule) or, with τ's scope
 * {@code model}, the top-τ fraction of all channels of their type across the layers (one ranking, so a layer may
 * give up none or many). MLP matrices of layers outside τ's layer range are not in S. Attention matrices, when
 * heads are scored, their top {@code heads} heads (in every layer).
 *
 * <p>How many: {@link #count}, {@code round(τ · units)} (halves up) and at least one, since τ &gt; 0 asks for
 * something to be flagged. Rounding rather than ceil keeps the count nearest the requested share and is immune
 * to τ · n landing a hair above a whole number in floating point. Ties are broken by the lower index.
 *
 * @param selections per matrix, which units are flagged
 */
public record Signature(Map<MatrixId, Selection> selections) {

    public Signature {
        selections = Collections.unmodifiableMap(new TreeMap<>(selections));
    }

    /**
     * One matrix's flagged units.
     *
     * @param units   how many units the matrix has
     * @param flagged the flagged unit indices, ascending
     */
    public record Selection(int units, int[] flagged) {
        public Selection {
            flagged = flagged.clone();
            Arrays.sort(flagged);
            for (int i = 0; i < flagged.length; i++) {
                if (flagged[i] < 0 || flagged[i] >= units || (i > 0 && flagged[i] == flagged[i - 1])) {
                    throw new IllegalArgumentException("flagged units must be distinct and in [0, " + units
                            + "), got " + Arrays.toString(flagged));
                }
            }
        }

        @Override
        public int[] flagged() {
            return flagged.clone();
        }

        public int count() {
            return flagged.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Selection s && s.units == units && Arrays.equals(s.flagged, flagged);
        }

        @Override
        public int hashCode() {
            return 31 * units + Arrays.hashCode(flagged);
        }

        @Override
        public String toString() {
            return count() + "/" + units + " " + Arrays.toString(flagged);
        }
    }

    /** S from stored or fresh scores: top-τ channels of each MLP matrix; attention matrices are left out. */
    public static Signature select(ChannelScores scores, Tau tau) {
        return select(scores, tau, 0);
    }

    /**
     * S from scores: top-τ channels of each MLP matrix and, when {@code heads} &gt; 0, the top {@code heads}
     * heads of each scored attention matrix (all of them if it has fewer).
     *
     * @throws IllegalArgumentException if a score is NaN (the deltas were broken)
     */
    public static Signature select(ChannelScores scores, Tau tau, int heads) {
        return select(scores, tau, heads, null);
    }

    /**
     * As {@link #select(ChannelScores, Tau, int)}, never flagging an MLP channel marked in {@code spared} (per
     * layer, per intermediate channel; null spares none): the count stays round(τ · units), taken from the rest.
     */
    public static Signature select(ChannelScores scores, Tau tau, int heads, boolean[][] spared) {
        if (heads < 0) {
            throw new IllegalArgumentException("heads must be >= 0, got " + heads);
        }
        Map<MatrixId, Selection> out = new TreeMap<>();
        if (tau.scope() == TauScope.MODEL) {
            out.putAll(acrossLayers(scores, tau, spared));
        }
        for (MatrixId id : scores.matrices()) {
            float[] s = scores.scores(id);
            if (!id.matrix().isAttention()) {
                if (tau.scope() == TauScope.MATRIX && tau.covers(id.layer())) {
                    out.put(id, new Selection(s.length, top(spare(s, id, spared), count(s.length,
                            tau.of(id.matrix())), id)));
                }
            } else if (heads > 0) {
                out.put(id, new Selection(s.length, top(s, Math.min(heads, s.length), id)));
            }
        }
        return new Signature(out);
    }

    /**
     * Scope {@code model}: per MLP matrix type, the top {@code count(all units of the type, τ)} channels of all its
     * matrices in one ranking (ties: lower layer, then lower index), split back into per-matrix selections.
     */
    private static Map<MatrixId, Selection> acrossLayers(ChannelScores scores, Tau tau, boolean[][] spared) {
        Map<Matrix, Map<MatrixId, float[]>> byType = new TreeMap<>();
        for (MatrixId id : scores.matrices()) {
            if (!id.matrix().isAttention() && tau.covers(id.layer())) {
                byType.computeIfAbsent(id.matrix(), m -> new TreeMap<>()).put(id, spare(scores.scores(id), id,
                        spared));
            }
        }
        Map<MatrixId, Selection> out = new TreeMap<>();
        byType.forEach((type, matrices) -> {
            // one flat array over the type's matrices, in MatrixId order, so top() ranks them together
            float[] all = new float[matrices.values().stream().mapToInt(s -> s.length).sum()];
            int at = 0;
            for (float[] s : matrices.values()) {
                System.arraycopy(s, 0, all, at, s.length);
                at += s.length;
            }
            int[] picked = top(all, count(all.length, tau.of(type)), matrices.keySet().iterator().next());
            int start = 0;
            for (Map.Entry<MatrixId, float[]> e : matrices.entrySet()) {
                int from = start;
                int n = e.getValue().length;
                int[] local = Arrays.stream(picked).filter(i -> i >= from && i < from + n).map(i -> i - from)
                        .toArray();
                out.put(e.getKey(), new Selection(n, local));
                start += n;
            }
        });
        return out;
    }

    /** {@code s} with the spared channels of {@code id}'s layer ranked below every other (at -∞). */
    private static float[] spare(float[] s, MatrixId id, boolean[][] spared) {
        if (spared == null) {
            return s;
        }
        boolean[] layer = spared[id.layer()];
        if (layer.length != s.length) {
            throw new IllegalArgumentException("the spared-channel mask of layer " + id.layer() + " has " + layer.length
                    + " channels, " + id + " has " + s.length);
        }
        float[] out = s.clone();
        for (int j = 0; j < out.length; j++) {
            if (layer[j]) {
                out[j] = Float.NEGATIVE_INFINITY;
            }
        }
        return out;
    }

    /** Units flagged at fraction {@code tau} of {@code units}: {@code round(tau · units)}, at least 1. */
    public static int count(int units, double tau) {
        if (!(tau > 0 && tau < 1)) {
            throw new IllegalArgumentException("τ must be in (0, 1), got " + tau);
        }
        return (int) Math.min(units, Math.max(1, Math.round(tau * units)));
    }

    /** The {@code k} highest-scored indices; equal scores rank the lower index first. */
    static int[] top(float[] s, int k, MatrixId id) {
        for (int j = 0; j < s.length; j++) {
            if (Float.isNaN(s[j])) {
                throw new IllegalArgumentException("score of unit " + j + " of " + id + " is NaN: the deltas hold"
                        + " NaN or infinite values; check the variant fine-tunes");
            }
        }
        Comparator<Integer> byScoreDown = (a, b) -> Float.compare(s[b], s[a]);
        return IntStream.range(0, s.length).boxed().sorted(byScoreDown.thenComparing(Comparator.naturalOrder()))
                .limit(k).mapToInt(Integer::intValue).toArray();
    }

    /** The flagged units of {@code id} (ascending), empty when the matrix is not in S. */
    public int[] flagged(MatrixId id) {
        Selection s = selections.get(id);
        return s == null ? new int[0] : s.flagged();
    }

    /** Flagged units per matrix, in order: the per-layer, per-matrix counts a report shows. */
    public Map<MatrixId, Integer> counts() {
        Map<MatrixId, Integer> out = new TreeMap<>();
        selections.forEach((id, s) -> out.put(id, s.count()));
        return Collections.unmodifiableMap(out);
    }

    /** Flagged units in all. */
    public int total() {
        return selections.values().stream().mapToInt(Selection::count).sum();
    }
}
