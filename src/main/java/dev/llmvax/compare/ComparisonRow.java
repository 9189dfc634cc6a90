package dev.llmvax.compare;

import dev.llmvax.eval.AttackResult;
import dev.llmvax.eval.Fluency;
import dev.llmvax.eval.ModelEvaluation;
import dev.llmvax.eval.PromptFormat;
import dev.llmvax.eval.utility.McResult;
import dev.llmvax.eval.utility.UtilityResults;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One evaluated model in a comparison: its headline numbers, as compare.json holds them. Rates are in [0, 1]; null
 * where the run did not measure it.
 *
 * @param label      unique in the comparison: "prefix: model label"
 * @param run        the JSON file it came from
 * @param kind       which command wrote that file
 * @param model      the model's label in that file ("suspicious", "purified", ...)
 * @param method     the defense of a defend run's defended models, else null
 * @param triggered  triggered test prompts scored (templated)
 * @param clean      clean test prompts scored (templated)
 * @param templated  ASR and FTR, strict and loose, in the chat template (the headline), or null if not run
 * @param raw        the same on raw prompts, or null if not run
 * @param degenerate share of the templated clean answers that are degenerate ({@link Fluency}), or null without
 *                   answers
 * @param accuracy   acc per utility benchmark, in the run's order (empty without utility)
 * @param meanAcc    the unweighted mean of {@code accuracy}, or null without utility
 * @param ppl        held-out answer perplexity, or null
 * @param cost       what making the model took, or null where not known (the suspicious model, eval runs)
 */
public record ComparisonRow(String label, String run, RunKind kind, String model, String method, int triggered,
                            int clean, AttackResult.Rates templated, AttackResult.Rates raw, Double degenerate,
                            Map<String, Double> accuracy, Double meanAcc, Double ppl, Cost cost) {

    public ComparisonRow {
        accuracy = Collections.unmodifiableMap(new LinkedHashMap<>(accuracy));
    }

    /** The row of {@code m}, from {@code run}, labelled {@code prefix + ": " + model label}. */
    static ComparisonRow of(String prefix, EvaluatedRun run, EvaluatedRun.Model m) {
        ModelEvaluation e = m.evaluation();
        AttackResult a = e.attack();
        AttackResult.FormatRun headline = a.run(PromptFormat.TEMPLATED).orElse(null);
        Double degenerate = headline == null || headline.clean().answers().isEmpty() ? null
                : Fluency.degenerateRate(headline.clean().answers());
        Map<String, Double> accuracy = new LinkedHashMap<>();
        Double meanAcc = null;
        Double ppl = null;
        UtilityResults u = e.utility();
        if (u != null) {
            u.benchmarks().forEach((name, r) -> accuracy.put(name, r.acc()));
            meanAcc = u.benchmarks().isEmpty() ? null
                    : u.benchmarks().values().stream().mapToDouble(McResult::acc).average().orElseThrow();
            ppl = u.perplexity() == null ? null : u.perplexity().ppl();
        }
        return new ComparisonRow(prefix + ": " + e.model().label(), run.file().toString(), run.kind(),
                e.model().label(), m.method(),
                headline == null ? 0 : headline.triggered().n(), headline == null ? 0 : headline.clean().n(),
                rates(a, PromptFormat.TEMPLATED), rates(a, PromptFormat.RAW), degenerate, accuracy, meanAcc, ppl,
                m.cost());
    }

    private static AttackResult.Rates rates(AttackResult a, PromptFormat f) {
        return a.headline().stream().filter(r -> r.format() == f).findFirst().orElse(null);
    }
}
