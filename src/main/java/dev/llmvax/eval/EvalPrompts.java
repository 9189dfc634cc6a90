package dev.llmvax.eval;

import dev.llmvax.data.ChatEncoder;
import dev.llmvax.data.ChatFormat;
import dev.llmvax.data.EncodeOptions;
import dev.llmvax.data.Sample;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.tokenizer.Tokenizer;
import java.util.Optional;

/**
 * Turns test samples into model input in each {@link PromptFormat}. The templated prompt comes from the same
 * {@link ChatEncoder} fine-tuning uses, so evaluation sees byte for byte the prompt training taught the answer
 * after.
 */
public final class EvalPrompts {

    /** One prompt as the model gets it. */
    public record Encoded(String text, int[] ids) {}

    private final Tokenizer tokenizer;
    private final Optional<ChatEncoder> chat; // empty: the model has no chat template

    /** Prompts for {@code model}, whose tokenizer and chat template they use. */
    public EvalPrompts(LoadedModel model) {
        this(model.tokenizer(), model.chatTemplate().map(t -> ChatFormat.of(t, model.bosToken(), model.eosToken())));
    }

    /** Prompts in {@code format} (empty: raw prompts only) for {@code tokenizer}. */
    public EvalPrompts(Tokenizer tokenizer, Optional<ChatFormat> format) {
        this.tokenizer = tokenizer;
        // the fine-tuner's encoder with its defaults: the template's own system prompt, no extra special tokens
        this.chat = format.map(f -> new ChatEncoder(tokenizer, f, EncodeOptions.maxLength(Integer.MAX_VALUE)));
    }

    /** Whether {@link PromptFormat#TEMPLATED} is possible. */
    public boolean hasTemplate() {
        return chat.isPresent();
    }

    /**
     * The text and ids of {@code s} in {@code format}.
     *
     * @throws IllegalArgumentException for {@link PromptFormat#TEMPLATED} on a model without a chat template
     */
    public Encoded encode(Sample s, PromptFormat format) {
        return switch (format) {
            case TEMPLATED -> {
                ChatEncoder encoder = chat.orElseThrow(() -> new IllegalArgumentException(
                        "the model has no chat template, so its templated prompts cannot be built"));
                String text = encoder.render(s).prompt();
                yield new Encoded(text, tokenizer.encode(text));
            }
            case RAW -> new Encoded(s.prompt(), tokenizer.encodePrompt(s.prompt()));
        };
    }
}
