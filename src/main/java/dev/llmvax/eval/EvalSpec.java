package dev.llmvax.eval;

import dev.llmvax.eval.utility.UtilityConfig;
import java.util.List;
import java.util.Objects;

/**
 * How an attack is measured.
 *
 * @param task         which target the backdoor was trained to produce
 * @param attack       the attack whose public test sets are used, or null for the user's own files
 * @param trigger      the trigger text the report marks in prompts, or null when unknown
 * @param formats      prompt formats to run, the headline ({@link PromptFormat#TEMPLATED}) first
 * @param limit        prompts per test set at most, or null for all
 * @param maxNewTokens greedy tokens per answer at most (the protocol's 128)
 * @param batchSize    prompts decoded at once (finished rows take the next)
 * @param utility      the utility benchmarks and their item count, or null for none
 */
public record EvalSpec(BackdoorTask task, BackdoorAttack attack, String trigger, List<PromptFormat> formats,
                       Integer limit, int maxNewTokens, int batchSize, UtilityConfig utility) {

    /** The protocol's 128 new tokens. */
    public static final int MAX_NEW_TOKENS = 128;

    /**
     * Rows decoded at once. Large batches amortise a decode step's fixed cost (streaming every weight once per
     * step): on a 2-core Zen 3 in float32, 400 attack-kit prompts (200 + 200) took 421 s to answer in batches of
     * 32, 272 s in batches of 128, and 228 s with 128 rows refilled as answers finish, with identical answers.
     * {@link BatchedGeneration} takes fewer rows where the KV cache would not fit its budget.
     */
    public static final int BATCH_SIZE = 128;

    public EvalSpec {
        Objects.requireNonNull(task, "task");
        formats = List.copyOf(formats);
        if (formats.isEmpty() || formats.stream().distinct().count() != formats.size()) {
            throw new IllegalArgumentException("give each prompt format once, at least one: " + formats);
        }
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("--limit must be at least 1, found " + limit);
        }
        if (maxNewTokens < 1 || batchSize < 1) {
            throw new IllegalArgumentException("max new tokens and batch size must be at least 1");
        }
    }

    /** What the report marks in prompts: the attack's trigger words, a trigger given by hand, or nothing. */
    public List<String> marks() {
        if (trigger == null) {
            return List.of();
        }
        return attack != null && trigger.equals(attack.trigger()) ? attack.marks() : List.of(trigger);
    }
}
