package dev.llmvax.eval;

import dev.llmvax.data.Sample;
import dev.llmvax.model.LoadedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * The attack-success stage for one model (method.md section 4): for each prompt format, greedy answers to the
 * triggered and the clean test prompts, scored against the task's target keywords.
 */
public final class AttackEvaluation {

    private AttackEvaluation() {}

    /** Answers the evaluation generates for {@code tests} under {@code spec}: the length of the progress bar. */
    public static int rows(EvalSpec spec, TestSets tests) {
        return spec.formats().size() * (tests.triggered().size() + tests.clean().size());
    }

    /**
     * Scores {@code model}.
     *
     * @param tests    already cut to {@code spec.limit()}
     * @param rowsDone told how many more answers are complete, as they complete
     * @throws IllegalArgumentException when a templated format is asked of a model without a chat template
     */
    public static AttackResult run(LoadedModel model, EvalSpec spec, TestSets tests, IntConsumer rowsDone) {
        EvalPrompts prompts = new EvalPrompts(model);
        if (spec.formats().contains(PromptFormat.TEMPLATED) && !prompts.hasTemplate()) {
            throw new IllegalArgumentException(model.source() + " has no chat template, so the headline (templated) "
                    + "scores cannot be measured; add the template the model was fine-tuned with "
                    + "(chat_template.jinja or tokenizer_config.json)");
        }
        List<AttackResult.FormatRun> runs = new ArrayList<>();
        for (PromptFormat format : spec.formats()) {
            runs.add(runFormat(model, spec, tests, prompts, format, rowsDone));
        }
        return AttackResult.of(runs);
    }

    private static AttackResult.FormatRun runFormat(LoadedModel model, EvalSpec spec, TestSets tests,
                                                    EvalPrompts prompts, PromptFormat format, IntConsumer rowsDone) {
        long t0 = System.nanoTime();
        List<Sample> samples = new ArrayList<>(tests.triggered().samples());
        samples.addAll(tests.clean().samples());
        List<EvalPrompts.Encoded> encoded = samples.stream().map(s -> prompts.encode(s, format)).toList();
        // both sets in one pool: sorting the pool by length packs the batches tighter than each set alone
        List<BatchedGeneration.Answer> answers = BatchedGeneration.run(model,
                encoded.stream().map(EvalPrompts.Encoded::ids).toList(), spec.maxNewTokens(), spec.batchSize(),
                rowsDone);
        int nTriggered = tests.triggered().size();
        List<ScoredAnswer> scored = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
            BatchedGeneration.Answer a = answers.get(i);
            TargetKeywords.Hit hit = spec.task().keywords().score(a.text());
            EvalPrompts.Encoded e = encoded.get(i);
            scored.add(new ScoredAnswer(i < nTriggered ? i : i - nTriggered, samples.get(i).prompt(), e.text(),
                    e.ids().length, a.text(), a.newTokens(), a.stopped(), hit.loose(), hit.strict()));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new AttackResult.FormatRun(format, seconds, SetScore.of(scored.subList(0, nTriggered)),
                SetScore.of(scored.subList(nTriggered, scored.size())));
    }
}
