package dev.llmvax.eval.utility;

/**
 * Perplexity of held-out answers under the chat template.
 *
 * @param ppl       exp(nll / tokens)
 * @param nll       summed negative log-likelihood of the answer tokens (nats)
 * @param tokens    answer tokens scored (end-of-turn tokens included)
 * @param samples   samples given
 * @param truncated samples whose answer was cut at the maximum length
 * @param dropped   samples left out because their prompt alone reached the maximum length
 * @param maxLength the maximum sequence length applied, as in training
 */
public record PerplexityResult(double ppl, double nll, long tokens, int samples, int truncated, int dropped,
                               int maxLength) {
}
