package dev.llmvax.data;

import java.util.Arrays;

/**
 * One tokenised training sequence: the prompt's tokens, then the answer's, ending with the end-of-turn
 * token unless truncated. The model reads {@code ids[0..t]} and predicts {@code ids[t + 1]}; the loss
 * counts only the predictions of answer tokens, i.e. positions {@code t} with
 * {@code t + 1 >= answerStart}. The arrays are not copied: treat them as read-only.
 *
 * @param sample      index of the sample it was made from, in the list given to the encoder
 * @param ids         token ids, prompt then answer
 * @param answerStart index of the first answer token; at least 1, and below {@code ids.length} so at
 *                    least one answer token is learnt
 */
public record Example(int sample, int[] ids, int answerStart) {

    public Example {
        if (answerStart < 1 || answerStart >= ids.length) {
            throw new IllegalArgumentException("answer must start after at least one prompt token and hold at least "
                    + "one token: answerStart " + answerStart + " of " + ids.length + " tokens");
        }
    }

    /** Number of tokens. */
    public int length() {
        return ids.length;
    }

    /** Number of tokens the loss is computed on. */
    public int answerTokens() {
        return ids.length - answerStart;
    }

    /** The prompt's tokens. */
    public int[] promptIds() {
        return Arrays.copyOfRange(ids, 0, answerStart);
    }

    /** The answer's tokens (end-of-turn included when not truncated). */
    public int[] answerIds() {
        return Arrays.copyOfRange(ids, answerStart, ids.length);
    }

    /** The first {@code length} tokens: the end is cut as when sequences exceed the maximum length. */
    public Example truncated(int length) {
        return length >= ids.length ? this : new Example(sample, Arrays.copyOf(ids, length), answerStart);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Example e && sample == e.sample && answerStart == e.answerStart && Arrays.equals(ids, e.ids);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * sample + answerStart) + Arrays.hashCode(ids);
    }

    @Override
    public String toString() {
        return "Example[sample=" + sample + ", " + ids.length + " tokens, answerStart=" + answerStart + "]";
    }
}
