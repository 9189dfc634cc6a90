package dev.llmvax.data;

import java.util.List;
import java.util.Locale;

/**
 * The encoder's output over a list of samples, with what it had to change.
 *
 * @param examples     the sequences kept, in sample order
 * @param samples      how many samples were given
 * @param truncated    sequences cut to {@code maxLength} (their end-of-turn is lost)
 * @param dropped      samples left out because their prompt alone needs {@code maxLength} tokens or more
 * @param fallbacks    samples where the template's rendering could not be split into prompt and answer,
 *                     so the answer was appended to the prompt by hand (0 for well-behaved templates)
 * @param maxLength    the maximum length applied
 */
public record EncodedSet(List<Example> examples, int samples, int truncated, int dropped, int fallbacks,
        int maxLength) {

    public EncodedSet {
        examples = List.copyOf(examples);
    }

    /** Tokens over all sequences. */
    public long tokens() {
        return examples.stream().mapToLong(Example::length).sum();
    }

    /** Tokens the loss is computed on. */
    public long answerTokens() {
        return examples.stream().mapToLong(Example::answerTokens).sum();
    }

    /** One line for the log, e.g. "1000 examples, 123456 tokens (45678 in answers); 3 truncated to 512 tokens; 2 dropped (prompt alone reaches 512 tokens)". */
    public String summary() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%d examples, %d tokens (%d in answers)",
                examples.size(), tokens(), answerTokens()));
        if (truncated > 0) {
            s.append("; ").append(truncated).append(" truncated to ").append(maxLength).append(" tokens");
        }
        if (dropped > 0) {
            s.append("; ").append(dropped).append(" dropped (prompt alone reaches ").append(maxLength).append(" tokens)");
        }
        if (fallbacks > 0) {
            s.append("; ").append(fallbacks).append(" rendered without the template's assistant turn");
        }
        return s.toString();
    }
}
