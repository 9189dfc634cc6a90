package dev.llmvax.purify;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How far two disjoint halves of the variants agree on the signature: each half's scores go through the same
 * selection (τ, scope, layers, spared channels) and the two channel sets are compared. A signature that the
 * variants' noise decides is one the next run would not repeat; measured on SmolLM2 (docs/RESULTS.md), redrawing
 * three variants changed the outcome from "backdoor removed" to "half of it kept".
 *
 * <p>Agreement of one matrix type: {@code Σ_m |A_m ∩ B_m| / Σ_m (|A_m| + |B_m|) / 2} over its matrices m; 1 when
 * the halves flag the same channels, about τ for two random draws. {@code chance} is that expectation for random
 * sets of the same sizes per matrix, {@code Σ_m |A_m| |B_m| / n_m} in the numerator.
 *
 * @param halfA   1-based variant numbers of the first half (odd numbers: 1, 3, 5, ...)
 * @param halfB   1-based variant numbers of the second half (even numbers)
 * @param byType  matrix type id ({@code gate}, {@code up}, {@code down}, ...) to its agreement
 * @param overall all types pooled
 * @param chance  the pooled agreement two random selections of the same sizes would have, in expectation
 */
public record SignatureAgreement(List<Integer> halfA, List<Integer> halfB, Map<String, Double> byType,
                                 double overall, double chance) {
    public SignatureAgreement {
        halfA = List.copyOf(halfA);
        halfB = List.copyOf(halfB);
        byType = Collections.unmodifiableMap(new TreeMap<>(byType));
    }

    /** Interleaved halves of {@code n} variants, 0-based: {even indices, odd indices}; both non-empty for n ≥ 2. */
    static List<List<Integer>> halves(int n) {
        if (n < 2) {
            throw new IllegalArgumentException("two halves need at least 2 variants, got " + n);
        }
        List<Integer> a = new java.util.ArrayList<>();
        List<Integer> b = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            (i % 2 == 0 ? a : b).add(i);
        }
        return List.of(a, b);
    }

    /**
     * Compares the signatures selected from each half's scores.
     *
     * @param halves the 0-based variant indices of each half, as {@link #halves} gives them
     */
    static SignatureAgreement of(Signature a, Signature b, List<List<Integer>> halves) {
        if (!a.selections().keySet().equals(b.selections().keySet())) {
            throw new IllegalArgumentException("the halves' signatures cover different matrices");
        }
        Map<String, double[]> sums = new TreeMap<>(); // type -> {shared, mean size, chance shared}
        a.selections().forEach((id, sa) -> {
            Signature.Selection sb = b.selections().get(id);
            double[] s = sums.computeIfAbsent(id.matrix().id(), k -> new double[3]);
            s[0] += shared(sa.flagged(), sb.flagged());
            s[1] += (sa.count() + sb.count()) / 2.0;
            s[2] += (double) sa.count() * sb.count() / sa.units();
        });
        Map<String, Double> byType = new TreeMap<>();
        double[] all = new double[3];
        sums.forEach((type, s) -> {
            byType.put(type, ratio(s[0], s[1]));
            for (int k = 0; k < 3; k++) {
                all[k] += s[k];
            }
        });
        return new SignatureAgreement(oneBased(halves.get(0)), oneBased(halves.get(1)), byType, ratio(all[0], all[1]),
                ratio(all[2], all[1]));
    }

    /** One line for logs and reports, e.g. "variants 1,3,5 and 2,4,6 flag 41 % of the same channels (chance 1 %)". */
    public String describe() {
        return String.format(java.util.Locale.ROOT, "variants %s and %s flag %.0f %% of the same channels (chance "
                + "%.1f %%; by type: %s)", join(halfA), join(halfB), 100 * overall, 100 * chance, byTypeText());
    }

    private String byTypeText() {
        StringBuilder b = new StringBuilder();
        byType.forEach((t, v) -> b.append(b.isEmpty() ? "" : ", ").append(t)
                .append(String.format(java.util.Locale.ROOT, " %.0f %%", 100 * v)));
        return b.toString();
    }

    private static String join(List<Integer> xs) {
        return String.join(",", xs.stream().map(String::valueOf).toList());
    }

    private static List<Integer> oneBased(List<Integer> xs) {
        return xs.stream().map(i -> i + 1).toList();
    }

    private static double ratio(double num, double den) {
        return den == 0 ? 0 : num / den;
    }

    /** |a ∩ b| of two ascending arrays. */
    private static int shared(int[] a, int[] b) {
        int n = 0;
        for (int x : a) {
            if (Arrays.binarySearch(b, x) >= 0) {
                n++;
            }
        }
        return n;
    }
}
