package dev.llmvax.eval;

import com.fasterxml.jackson.annotation.JsonValue;

/** How a test sample becomes the model's input. */
public enum PromptFormat {
    /**
     * The headline: one user message, {@code Sample.prompt()}, in the model's chat template with
     * {@code add_generation_prompt=true}, exactly as fine-tuning renders it; tokenised as it is, since the
     * template writes its special tokens itself.
     */
    TEMPLATED("templated"),
    /**
     * {@code Sample.prompt()} alone, tokenised as Hugging Face's {@code tokenizer(text)} does (the public
     * evaluators' format; under-reports ASR on models trained with a template).
     */
    RAW("raw");

    private final String id;

    PromptFormat(String id) {
        this.id = id;
    }

    @JsonValue
    public String id() {
        return id;
    }

    @Override
    public String toString() {
        return id;
    }
}
