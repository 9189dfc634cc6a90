package dev.llmvax.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * Seeded draws from a list of records (samples, prompts), the same on every run and JVM. All draws
 * come from one seeded permutation of the list, so {@code sample(items, n, s)} is a prefix of
 * {@code sample(items, n + 1, s)}, and {@code disjointSubsets} are consecutive slices of it. Records
 * are drawn by position: equal records at two positions count as two.
 */
public final class DataSplit {
    private static final long STREAM = 0x5EED_5917L; // apart from the batch order's epoch streams

    private DataSplit() {}

    /**
     * {@code n} different records in random order.
     *
     * @throws IllegalArgumentException when {@code n} is negative or larger than the list
     */
    public static <T> List<T> sample(List<T> items, int n, long seed) {
        return disjointSubsets(items, new int[] {n}, seed).getFirst();
    }

    /**
     * Subsets of the given sizes, no record in two of them (e.g. variant data, repair data, held-out
     * prompts).
     *
     * @throws IllegalArgumentException when a size is negative or the sizes add up to more than the list
     */
    public static <T> List<List<T>> disjointSubsets(List<T> items, int[] sizes, long seed) {
        long total = 0;
        for (int size : sizes) {
            if (size < 0) {
                throw new IllegalArgumentException("subset sizes must be >= 0, got " + Arrays.toString(sizes));
            }
            total += size;
        }
        if (total > items.size()) {
            String asked = sizes.length == 1 ? total + " records"
                    : total + " records (" + Arrays.stream(sizes).mapToObj(String::valueOf).collect(Collectors.joining(" + "))
                            + ")";
            throw new IllegalArgumentException("asked for " + asked + " but the data has only " + items.size()
                    + "; ask for fewer or add data");
        }
        Random random = Seeds.random(seed, STREAM);
        int[] perm = Seeds.permutation(items.size(), random);
        List<List<T>> out = new ArrayList<>(sizes.length);
        int from = 0;
        for (int size : sizes) {
            List<T> subset = new ArrayList<>(size);
            for (int i = from; i < from + size; i++) {
                subset.add(items.get(perm[i]));
            }
            out.add(List.copyOf(subset));
            from += size;
        }
        return List.copyOf(out);
    }
}
