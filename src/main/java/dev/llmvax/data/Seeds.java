package dev.llmvax.data;

import java.util.Random;

/** Seeded randomness that is the same on every JVM: {@link Random}'s algorithm is fixed by its spec. */
final class Seeds {
    private Seeds() {}

    /**
     * A generator for one purpose ({@code stream}: an epoch, a split) of a run's {@code seed}. Mixing
     * (SplitMix64's finaliser) keeps seed s, epoch e+1 from repeating seed s+1, epoch e.
     */
    static Random random(long seed, long stream) {
        long z = seed + 0x9E3779B97F4A7C15L * (stream + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return new Random(z ^ (z >>> 31));
    }

    /** Fisher-Yates shuffle in place. */
    static void shuffle(int[] a, Random r) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** 0, 1, ..., n-1 in random order. */
    static int[] permutation(int n, Random r) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        shuffle(a, r);
        return a;
    }
}
