package dev.llmvax.purify;

import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.IntStream;

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
        return like(signature, seed, null);
    }

    /**
     * As {@link #like(Signature, long)}, drawing an MLP matrix's channels only from those {@code spared} leaves
     * eligible (per layer, true = never flagged), as the signature itself was drawn: the control then differs from
     * the signature only in which eligible channels it takes. A null mask gives the same draw as without one.
     */
    public static Signature like(Signature signature, long seed, boolean[][] spared) {
        Random r = new Random(seed);
        Map<MatrixId, Signature.Selection> out = new TreeMap<>();
        signature.selections().forEach((id, s) -> out.put(id, new Signature.Selection(s.units(),
                draw(eligible(id, s.units(), spared), s.count(), r))));
        return new Signature(out);
    }

    /** The units of {@code id} a draw may take: all of them, or an MLP matrix's channels not spared. */
    private static int[] eligible(MatrixId id, int units, boolean[][] spared) {
        boolean[] layer = spared == null || id.matrix().isAttention() ? null : spared[id.layer()];
        if (layer != null && layer.length != units) {
            throw new IllegalArgumentException("the spared-channel mask of layer " + id.layer() + " has "
                    + layer.length + " channels, " + id + " has " + units);
        }
        return IntStream.range(0, units).filter(i -> layer == null || !layer[i]).toArray();
    }

    /** {@code k} distinct values of {@code pool}: the first k of a partial Fisher-Yates shuffle. */
    private static int[] draw(int[] pool, int k, Random r) {
        int n = pool.length;
        if (k > n) {
            throw new IllegalArgumentException("cannot draw " + k + " units from " + n + " eligible ones");
        }
        int[] a = pool.clone();
        for (int i = 0; i < k; i++) {
            int j = i + r.nextInt(n - i);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return java.util.Arrays.copyOf(a, k);
    }
}
