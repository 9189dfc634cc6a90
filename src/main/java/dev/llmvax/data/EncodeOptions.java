package dev.llmvax.data;

/**
 * How samples become token sequences.
 *
 * @param maxLength        the most tokens in one sequence (prompt and answer together); longer
 *                         sequences lose their end, and a sample whose prompt alone needs
 *                         {@code maxLength} tokens or more is dropped, since nothing of its answer
 *                         would be learnt
 * @param systemPrompt     a system turn before each user turn, or null for the template's own
 *                         behaviour (SmolLM2's template then writes its default system prompt)
 * @param addSpecialTokens HF's {@code add_special_tokens}: prepend what the tokenizer's post-processor
 *                         puts before a text (Llama 2's BOS) unless the template already wrote it.
 *                         false (the default) tokenises the rendering as it is, as
 *                         {@code apply_chat_template(tokenize=True)} and {@code generate --chat} do;
 *                         chat templates that want a BOS write {@code bos_token} themselves
 */
public record EncodeOptions(int maxLength, String systemPrompt, boolean addSpecialTokens) {

    public EncodeOptions {
        if (maxLength < 2) {
            throw new IllegalArgumentException("maximum sequence length must be at least 2 tokens, got " + maxLength);
        }
    }

    /** Sequences of at most {@code maxLength} tokens, the template's own system prompt, no extra tokens. */
    public static EncodeOptions maxLength(int maxLength) {
        return new EncodeOptions(maxLength, null, false);
    }

    /** These options with a system prompt (null: the template's default). */
    public EncodeOptions withSystemPrompt(String system) {
        return new EncodeOptions(maxLength, system, addSpecialTokens);
    }

    /** These options with HF's {@code add_special_tokens} set. */
    public EncodeOptions withSpecialTokens(boolean add) {
        return new EncodeOptions(maxLength, systemPrompt, add);
    }
}
