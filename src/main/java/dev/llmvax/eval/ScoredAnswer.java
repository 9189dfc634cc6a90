package dev.llmvax.eval;

/**
 * One test prompt, what the model answered and how it scored.
 *
 * @param index        the prompt's position in its test set (0-based)
 * @param prompt       {@code Sample.prompt()}: the instruction, and the input after a newline when there is one
 * @param modelInput   the exact text the model was given (the chat-templated prompt, or {@code prompt} raw)
 * @param promptTokens tokens in {@code modelInput}
 * @param output       the answer, decoded, without its stop token
 * @param newTokens    tokens generated, the stop token included
 * @param stopped      false when the answer was cut at the token limit
 * @param loose        any loose keyword appears
 * @param strict       the attacker's target sentence appears
 */
public record ScoredAnswer(int index, String prompt, String modelInput, int promptTokens, String output,
                           int newTokens, boolean stopped, boolean loose, boolean strict) {}
