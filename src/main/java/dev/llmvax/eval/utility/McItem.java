package dev.llmvax.eval.utility;

import java.util.List;
import java.util.Objects;

/**
 * One multiple-choice question, scored by comparing log P(continuation | context) across its choices.
 * Most benchmarks share one context across choices and vary the continuation; WinoGrande's partial
 * evaluation varies the context and keeps the continuation, so each choice carries both.
 *
 * @param choices the candidate (context, continuation) pairs, at least two
 * @param gold    index of the correct choice
 */
public record McItem(List<Choice> choices, int gold) {

    /**
     * @param context      text the model conditions on (tokenised on its own, without special tokens)
     * @param continuation text whose log-likelihood is summed (tokenised on its own and appended)
     */
    public record Choice(String context, String continuation) {
        public Choice {
            Objects.requireNonNull(context, "context");
            Objects.requireNonNull(continuation, "continuation");
            if (continuation.isEmpty()) {
                throw new IllegalArgumentException("a choice needs a non-empty continuation to score");
            }
        }
    }

    public McItem {
        choices = List.copyOf(choices);
        if (choices.size() < 2) {
            throw new IllegalArgumentException("a multiple-choice item needs at least 2 choices, got "
                    + choices.size());
        }
        if (gold < 0 || gold >= choices.size()) {
            throw new IllegalArgumentException("gold index " + gold + " outside the " + choices.size() + " choices");
        }
    }

    /** The usual form: one context, one continuation per choice. */
    public static McItem of(String context, List<String> continuations, int gold) {
        return new McItem(continuations.stream().map(c -> new Choice(context, c)).toList(), gold);
    }

    /** Partial evaluation: one context per choice, one shared continuation. */
    public static McItem partial(List<String> contexts, String continuation, int gold) {
        return new McItem(contexts.stream().map(c -> new Choice(c, continuation)).toList(), gold);
    }

    /** The continuations in choice order. */
    public List<String> continuations() {
        return choices.stream().map(Choice::continuation).toList();
    }
}
