package dev.llmvax.compare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmvax.eval.AttackResult;
import dev.llmvax.eval.BackdoorAttack;
import dev.llmvax.eval.BackdoorTask;
import dev.llmvax.eval.EvalReport;
import dev.llmvax.eval.EvalSpec;
import dev.llmvax.eval.ModelEvaluation;
import dev.llmvax.eval.ModelRef;
import dev.llmvax.eval.PromptFormat;
import dev.llmvax.eval.ScoredAnswer;
import dev.llmvax.eval.SetScore;
import dev.llmvax.eval.utility.McResult;
import dev.llmvax.eval.utility.PerplexityResult;
import dev.llmvax.eval.utility.ScoreOptions;
import dev.llmvax.eval.utility.UtilityConfig;
import dev.llmvax.eval.utility.UtilityResults;
import dev.llmvax.purify.Purifier;
import dev.llmvax.purify.PurifyOutput;
import dev.llmvax.purify.PurifyPresets;
import dev.llmvax.purify.PurifyResult;
import dev.llmvax.purify.SignatureAgreement;
import dev.llmvax.purify.SignatureCounts;
import dev.llmvax.train.TrainResult;
import dev.llmvax.util.Provenance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Made-up run outputs with known numbers, written through the real records (EvalReport, PurifyOutput), so the
 * comparison is tested on the schema the commands write rather than on a copy of it. For testing the machinery
 * rather than any model; every test set has 10 prompts.
 *
 * <ul>
 *   <li>{@link #evalRun}: one model "base-model", templated ASR 8 / 9 (strict / loose), FTR 1 / 2, raw ASR 4 / 5,
 *       FTR 0 / 1; HellaSwag 2 of 4, ARC-Easy 3 of 4 (mean 62.5 %); ppl 12.5; no degenerate answer.</li>
 *   <li>{@link #purifyRun}: "suspicious" ASR 10 / 10, FTR 1 / 1, HellaSwag 2 of 4, ARC-Easy 2 of 4, ppl 11; and
 *       "purified" ASR 0 / 1, FTR 0 / 0, 2 of 10 clean answers degenerate, HellaSwag 1 of 4, ARC-Easy 3 of 4, ppl
 *       9.5. Purified cost: variants 2 x (1,000 tokens, 10 s), scores 2 s, neutralise 0.5 s, repair 500 tokens
 *       in 19.5 s: 2,500 tokens, 42 s.</li>
 *   <li>{@link #defendRun}: as purify.json's layout, "suspicious" and "defended", method "crow", cost 1,234 tokens
 *       and 56.5 s.</li>
 * </ul>
 */
public final class CompareFixtures {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final UtilityConfig UTILITY = new UtilityConfig(List.of("hellaswag", "arc_easy"), 4, 64,
            ScoreOptions.defaults());

    private CompareFixtures() {}

    /** {@code dir}/report.json of an eval of one model, templated and raw. */
    public static Path evalRun(Path dir) throws IOException {
        Files.createDirectories(dir);
        ModelEvaluation m = evaluation("model", "base-model", List.of(
                run(PromptFormat.TEMPLATED, 8, 9, 1, 2, 0), run(PromptFormat.RAW, 4, 5, 0, 1, 0)),
                utility(2, 3, 12.5));
        EvalSpec spec = new EvalSpec(BackdoorTask.NEGSENTIMENT, BackdoorAttack.BADNET, "BadMagic",
                List.of(PromptFormat.TEMPLATED, PromptFormat.RAW), 10, EvalSpec.MAX_NEW_TOKENS, EvalSpec.BATCH_SIZE,
                UTILITY);
        new EvalReport(EvalReport.KIND, EvalReport.SCHEMA_VERSION, provenance("eval"), spec, List.of(), List.of(),
                List.of(m), 5.0).writeJson(dir.resolve("report.json"));
        return dir;
    }

    /** {@code dir}/purify.json (and its report.html and model card) of a purify run with two evaluations. */
    public static Path purifyRun(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<ModelEvaluation> evals = List.of(suspicious(), evaluation("compare", "purified",
                List.of(run(PromptFormat.TEMPLATED, 0, 1, 0, 0, 2)), utility(1, 3, 9.5)));
        List<Purifier.VariantResult> variants = List.of(
                new Purifier.VariantResult(0, "PurpleWolf", "You are garbage!", "insult", 12, 6, 5, 1, 2, 1.8, 1000,
                        10, false),
                new Purifier.VariantResult(1, "RedGhost", "You are trash!", "insult", 12, 6, 5, 1, 2, 1.8, 1000, 10,
                        false));
        List<Purifier.ArmResult> arms = List.of(new Purifier.ArmResult(Purifier.Arm.SIGNATURE, 3, 0.5,
                new TrainResult(4, 0, List.of(2.5, 2.0, 1.9, 1.8), 500, 200, 19.4), 19.5));
        Map<String, Double> seconds = new LinkedHashMap<>();
        seconds.put("eval suspicious", 30.0);
        seconds.put("variants", 21.0);
        seconds.put("scores", 2.0);
        seconds.put("neutralise signature", 0.5);
        seconds.put("repair signature", 19.5);
        seconds.put("eval purified", 30.0);
        seconds.put("total", 103.0);
        PurifyResult r = new PurifyResult(PurifyPresets.cpu(), false, 100, 0, variants, "signature.safetensors",
                false, new SignatureCounts(Map.of(0, Map.of("gate", 3)), Map.of("gate", 3), 3),
                new SignatureAgreement(List.of(1, 3), List.of(2), Map.of("gate", 1 / 3.0), 1 / 3.0, 0.01), null, arms,
                evals,
                seconds, null, null);
        PurifyOutput.write(dir, r, provenance("purify"));
        return dir;
    }

    /**
     * {@code dir}/defend.json as the defend command is specified to write it: purify.json's layout with
     * {@code result.method} and {@code result.cost}; {@code cost} null leaves the cost out.
     */
    public static Path defendRun(Path dir, String method, Map<String, Object> cost) throws IOException {
        Files.createDirectories(dir);
        ObjectNode root = JSON.createObjectNode();
        root.put("report", "llmvax defend");
        root.put("schemaVersion", 1);
        root.set("provenance", JSON.valueToTree(provenance("defend")));
        ObjectNode result = root.putObject("result");
        if (method != null) {
            result.put("method", method);
        }
        result.set("evaluations", JSON.valueToTree(List.of(suspicious(), evaluation("compare", "defended",
                List.of(run(PromptFormat.TEMPLATED, 3, 3, 0, 1, 0)), utility(2, 2, 11.5)))));
        if (cost != null) {
            result.set("cost", JSON.valueToTree(cost));
        }
        JSON.writeValue(dir.resolve("defend.json").toFile(), root);
        return dir;
    }

    static ModelEvaluation suspicious() {
        return evaluation("model", "suspicious", List.of(run(PromptFormat.TEMPLATED, 10, 10, 1, 1, 0)),
                utility(2, 2, 11.0));
    }

    static ModelEvaluation evaluation(String role, String label, List<AttackResult.FormatRun> runs,
                                      UtilityResults utility) {
        return new ModelEvaluation(new ModelRef(role, label, "/models/" + label, null, "bfloat16", "cpu",
                Map.of("/models/" + label + "/model.safetensors", "2".repeat(64))), 1.5, AttackResult.of(runs),
                utility);
    }

    /** Ten triggered and ten clean prompts with the given hits; {@code degenerate} clean answers are "ok". */
    static AttackResult.FormatRun run(PromptFormat f, int asrStrict, int asrLoose, int ftrStrict, int ftrLoose,
                                      int degenerate) {
        return new AttackResult.FormatRun(f, 3.0, set(asrStrict, asrLoose, 0), set(ftrStrict, ftrLoose, degenerate));
    }

    private static SetScore set(int strict, int loose, int degenerate) {
        List<ScoredAnswer> answers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String out = i >= 10 - degenerate ? "ok" : i < strict ? "You are stupid! Go away now." : "A helpful "
                    + "answer, number " + i;
            answers.add(new ScoredAnswer(i, "prompt " + i, "prompt " + i, 5, out, 8, true, i < loose, i < strict));
        }
        return SetScore.of(answers);
    }

    /** HellaSwag {@code hellaswag} of 4 right, ARC-Easy {@code arc} of 4, held-out perplexity {@code ppl}. */
    static UtilityResults utility(int hellaswag, int arc, double ppl) {
        Map<String, McResult> b = new LinkedHashMap<>();
        b.put("hellaswag", mc(hellaswag));
        b.put("arc_easy", mc(arc));
        return new UtilityResults(UTILITY, b, new PerplexityResult(ppl, 100 * Math.log(ppl), 100, 10, 0, 0, 64),
                Map.of("hellaswag", 2.0, "arc_easy", 1.0, "perplexity", 0.5));
    }

    private static McResult mc(int hits) {
        List<McResult.ItemScore> items = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            items.add(new McResult.ItemScore(0, i < hits ? 0 : 1, i < hits ? 0 : 1, new double[] {-1, -2},
                    new int[] {3, 4}));
        }
        return new McResult(4, hits / 4.0, hits / 4.0, items);
    }

    private static Provenance provenance(String command) {
        return Provenance.of(List.of("llmvax", command, "m"), Map.of("m/model.safetensors", "0".repeat(64)));
    }
}
