package dev.llmvax.purify;

import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * The random-channel control (method.md §4–5): as many units per matrix as a signature flags, chosen uniformly
 * at random, to be neutralised the same way. A purifier result means something only beside it.
 */
public final class RandomChannels {
    private RandomChannels() {
    }

    /**
     * A signature with the same matrices and counts as {@code signature}, its units drawn uniformly without
     * replacement: one {@link Random} seeded with {@code seed}, matrices in {@link MatrixId} order (its algorithm
     * is specified, so the draw is the same on every JVM).
     */
    public static Signature like(Signature signature, long seed) {
        Random r = new Random(seed);
        Map<MatrixId, Signature.Selection> out = new TreeMap<>();
        signature.selections().forEach((id, s) -> out.put(id, new Signature.Selection(s.units(),
                draw(s.units(), s.count(), r))));
        return new Signature(out);
    }

    /** {@code k} distinct values of [0, n): the first k of a partial Fisher-Yates shuffle. */
    private static int[] draw(int n, int k, Random r) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = 0; i < k; i++) {
            int j = i + r.nextInt(n - i);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return java.util.Arrays.copyOf(a, k);
    }
}
