package dev.llmvax.eval.utility;

import java.util.List;

/**
 * Multiple-choice accuracy over {@code n} items.
 *
 * @param n       items scored
 * @param acc     share of items whose highest summed log-likelihood is the gold choice (0 to 1)
 * @param accNorm the same with each log-likelihood divided by its continuation's UTF-8 byte length
 * @param items   per-item scores, in item order
 */
public record McResult(int n, double acc, double accNorm, List<ItemScore> items) {

    public McResult {
        items = List.copyOf(items);
    }

    /**
     * One item's scores.
     *
     * @param gold     index of the correct choice
     * @param pred     choice with the highest log-likelihood (the first on a tie, as numpy's argmax)
     * @param predNorm choice with the highest log-likelihood per byte
     * @param logliks  summed log P(continuation | context) per choice
     * @param bytes    UTF-8 byte length of each continuation, leading space included
     */
    public record ItemScore(int gold, int pred, int predNorm, double[] logliks, int[] bytes) {}

    /** Scores items from their choices' log-likelihoods. */
    static McResult of(List<McItem> items, double[][] logliks) {
        List<ItemScore> scores = new java.util.ArrayList<>(items.size());
        int hits = 0;
        int hitsNorm = 0;
        for (int i = 0; i < items.size(); i++) {
            McItem item = items.get(i);
            double[] ll = logliks[i];
            int[] bytes = new int[ll.length];
            double[] norm = new double[ll.length];
            for (int c = 0; c < ll.length; c++) {
                String continuation = item.choices().get(c).continuation();
                bytes[c] = continuation.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
                norm[c] = ll[c] / bytes[c];
            }
            int pred = argmax(ll);
            int predNorm = argmax(norm);
            hits += pred == item.gold() ? 1 : 0;
            hitsNorm += predNorm == item.gold() ? 1 : 0;
            scores.add(new ItemScore(item.gold(), pred, predNorm, ll.clone(), bytes));
        }
        int n = items.size();
        return new McResult(n, n == 0 ? 0 : (double) hits / n, n == 0 ? 0 : (double) hitsNorm / n, scores);
    }

    static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
