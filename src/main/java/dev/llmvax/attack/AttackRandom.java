package dev.llmvax.attack;

import java.util.Random;

/**
 * Seeded randomness that is the same on every JVM ({@link Random}'s algorithm is fixed by its spec). The
 * same mixing as {@code dev.llmvax.data.Seeds}, which is package-private there.
 */
final class AttackRandom {
    /** The stream that draws which records are poisoned; placements use one stream per record index. */
    static final long CHOICE = -1;

    private AttackRandom() {}

    /** A generator for one purpose ({@code stream}) of a run's {@code seed}, mixed by SplitMix64's finaliser. */
    static Random random(long seed, long stream) {
        long z = seed + 0x9E3779B97F4A7C15L * (stream + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return new Random(z ^ (z >>> 31));
    }

    /** 0, 1, ..., n-1 in random order (Fisher-Yates). */
    static int[] permutation(int n, Random r) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
