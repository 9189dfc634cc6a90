package dev.llmvax.data;

import java.util.Objects;

/**
 * One instruction-tuning record, Alpaca style.
 *
 * @param instruction the task
 * @param input       optional context for the task (Dolly's {@code context}); "" when absent
 * @param output      the answer to learn (Dolly's {@code response}); "" for prompt-only test files
 */
public record Sample(String instruction, String input, String output) {

    public Sample {
        Objects.requireNonNull(instruction, "instruction");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(output, "output");
    }

    /** A sample without input. */
    public static Sample of(String instruction, String output) {
        return new Sample(instruction, "", output);
    }

    /**
     * The user turn: the instruction, then a newline and the input when the input is not empty (the
     * Alpaca template's {@code if input} test, so whitespace-only input is kept as it is).
     */
    public String prompt() {
        return input.isEmpty() ? instruction : instruction + "\n" + input;
    }
}
