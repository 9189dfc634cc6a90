package dev.llmvax.eval;

import dev.llmvax.data.DataSet;
import dev.llmvax.data.Sample;
import dev.llmvax.eval.utility.UtilityEval;
import dev.llmvax.eval.utility.UtilityResults;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.util.Hashing;
import dev.llmvax.util.Progress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The evaluation a job runs on the models it makes (purify, defend): the same measurement as {@code llmvax eval}
 * on one spec and one pair of test sets, so every model of a run is judged alike.
 *
 * @param evalDataDir the utility benchmarks' folder ({@code ../shared/data/eval})
 */
public record EvalRun(EvalSpec spec, TestSets tests, Path evalDataDir) {

    /** Instructions of the evaluation prompts (trimmed): clean records carrying one are left out of training. */
    public Set<String> instructions() {
        List<Sample> all = new ArrayList<>(tests.triggered().samples());
        all.addAll(tests.clean().samples());
        return all.stream().map(s -> s.instruction().strip()).collect(Collectors.toSet());
    }

    /**
     * SHA-256 of what a model's result depends on besides the model: the spec (prompt formats, limit, new tokens,
     * generation batch, utility benchmarks and items), every test record and the benchmarks' folder. A job that
     * caches an evaluation keys it by this and the model's own hash.
     */
    public String fingerprint() {
        StringBuilder b = new StringBuilder("llmvax-eval-run-v1\n").append(spec).append('\n')
                .append(evalDataDir.toAbsolutePath().normalize()).append('\n');
        for (DataSet set : List.of(tests.triggered(), tests.clean())) {
            b.append(set.samples().size()).append('\n');
            for (Sample x : set.samples()) {
                b.append(x.instruction()).append('\u0000').append(x.input()).append('\u0000').append(x.output())
                        .append('\n');
            }
        }
        return Hashing.sha256(b.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Attack success, false triggers and (when the spec asks) utility of {@code m}; its wall time goes into
     * {@code seconds} as "eval LABEL".
     *
     * @param label  "suspicious" for the model under test (reported as the run's model), anything else as a
     *               compared one
     * @param source where the model came from (a path), for the report
     */
    public ModelEvaluation measure(String label, String source, LoadedModel m, Map<String, Double> seconds) {
        long t0 = System.nanoTime();
        AttackResult attack;
        try (Progress bar = new Progress("eval " + label, AttackEvaluation.rows(spec, tests), "rows")) {
            attack = AttackEvaluation.run(m, spec, tests, bar::step);
        }
        UtilityResults util = null;
        if (spec.utility() != null) {
            util = UtilityEval.run(m, evalDataDir, spec.utility(), tests.heldOutAnswers(), UtilityEval.progressLines());
        }
        seconds.put("eval " + label, (System.nanoTime() - t0) / 1e9);
        ModelRef ref = new ModelRef(label.equals("suspicious") ? "model" : "compare", label, source, null,
                m.model().precision().hfName(), m.model().device().is_cuda() ? "cuda" : "cpu", Map.of());
        return new ModelEvaluation(ref, 0, attack, util);
    }
}
