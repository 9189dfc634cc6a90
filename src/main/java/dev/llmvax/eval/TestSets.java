package dev.llmvax.eval;

import dev.llmvax.attack.BackdoorLlmData;
import dev.llmvax.attack.Task;
import dev.llmvax.data.DataSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The triggered and the clean test prompts of one evaluation.
 *
 * @param triggered prompts carrying the trigger (ASR)
 * @param clean     the same kind of prompts without it (false-trigger rate)
 */
public record TestSets(DataSet triggered, DataSet clean) {

    /** Places MTBA's and CTBA's triggers in the clean test prompts: fixed, so every evaluation sees the same. */
    public static final long GENERATED_SEED = 42;

    /** Where BackdoorLLM's test prompts lie under the shared data folder. */
    static final Path TEST_DATA = Path.of("backdoorllm", "attack", "DPA", "data", "test_data");

    /**
     * BackdoorLLM's test sets of {@code task} and {@code attack}: every {@code .json} file of
     * {@code test_data/poison/<task>/<attack>/} and of {@code test_data/clean/<task>/} under {@code dataRoot}. For
     * MTBA and CTBA, which ship none, the task's clean test prompts with the trigger placed in each (seed
     * {@link #GENERATED_SEED}) beside the same prompts as they are.
     *
     * @throws IllegalArgumentException when a folder is missing or holds no .json file, or a file is malformed
     */
    public static TestSets load(Path dataRoot, BackdoorTask task, BackdoorAttack attack) {
        if (!attack.preset().shipped()) {
            BackdoorLlmData.Pair made = BackdoorLlmData.locate(dataRoot, Task.parse(task.id()), attack.preset())
                    .test(GENERATED_SEED);
            return new TestSets(new DataSet(made.files(), made.triggered()), new DataSet(made.files(), made.clean()));
        }
        Path base = dataRoot.resolve(TEST_DATA);
        List<Path> triggered = jsonFiles(base.resolve("poison").resolve(task.testFolder()).resolve(attack.id()),
                dataRoot);
        List<Path> clean = jsonFiles(base.resolve("clean").resolve(task.testFolder()), dataRoot);
        return new TestSets(DataSet.loadPrompts(triggered), DataSet.loadPrompts(clean));
    }

    /** Test sets from the user's own files (JSON arrays or JSON Lines of instruction, input, output). */
    public static TestSets load(Path triggered, Path clean) {
        return new TestSets(DataSet.loadPrompts(List.of(triggered)), DataSet.loadPrompts(List.of(clean)));
    }

    /** The clean prompts that carry a reference answer: the held-out text utility's perplexity scores. */
    public java.util.List<dev.llmvax.data.Sample> heldOutAnswers() {
        return clean.samples().stream().filter(x -> !x.output().isBlank()).toList();
    }

    /** The first {@code n} prompts of each set (all when a set is smaller). */
    public TestSets limit(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("the limit must be at least 1, found " + n);
        }
        return new TestSets(first(triggered, n), first(clean, n));
    }

    private static DataSet first(DataSet d, int n) {
        return d.size() <= n ? d : new DataSet(d.files(), d.samples().subList(0, n));
    }

    private static List<Path> jsonFiles(Path dir, Path dataRoot) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("no test data at " + dir + "; --data-root " + dataRoot
                    + " should be the shared data folder that holds backdoorllm/ (or give --triggered and --clean)");
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.filter(p -> p.getFileName().toString().endsWith(".json") && Files.isRegularFile(p))
                    .sorted().toList();
            if (files.isEmpty()) {
                throw new IllegalArgumentException("no .json test file in " + dir);
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
