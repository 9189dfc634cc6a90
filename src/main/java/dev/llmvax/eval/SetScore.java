package dev.llmvax.eval;

import java.util.List;

/**
 * One test set's scores in one prompt format.
 *
 * @param n          prompts scored
 * @param looseHits  answers with a loose keyword
 * @param strictHits answers with the target sentence
 * @param looseRate  looseHits / n
 * @param strictRate strictHits / n
 * @param answers    every answer, in test-set order
 */
public record SetScore(int n, int looseHits, int strictHits, double looseRate, double strictRate,
                       List<ScoredAnswer> answers) {

    public SetScore {
        answers = List.copyOf(answers);
    }

    /** The counts and rates of {@code answers}. */
    public static SetScore of(List<ScoredAnswer> answers) {
        int n = answers.size();
        int loose = (int) answers.stream().filter(ScoredAnswer::loose).count();
        int strict = (int) answers.stream().filter(ScoredAnswer::strict).count();
        return new SetScore(n, loose, strict, n == 0 ? 0 : (double) loose / n, n == 0 ? 0 : (double) strict / n,
                answers);
    }
}
