package dev.llmvax.implant;

import dev.llmvax.attack.BackdoorLlmData;
import dev.llmvax.attack.Mix;
import dev.llmvax.attack.PoisonSpec;
import dev.llmvax.attack.PoisonedSet;
import dev.llmvax.attack.Poisoner;
import dev.llmvax.attack.Preset;
import dev.llmvax.attack.Task;
import dev.llmvax.data.DataFile;
import dev.llmvax.data.DataSet;
import dev.llmvax.data.DataSplit;
import dev.llmvax.data.Sample;
import dev.llmvax.eval.ModelAnswers;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.train.FineTune;
import dev.llmvax.train.StepStats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/** Implants a known backdoor by fine-tuning on poisoned and clean records: the attack kit's library entry. */
public final class Implanter {
    private Implanter() {}

    /**
     * The records an implant trains on.
     *
     * @param generated whether the poisoned records were made here (mtba, ctba, or user data) rather than read
     */
    public record TrainingSet(List<Sample> poisoned, List<Sample> clean, List<DataFile> files, boolean generated) {
        public TrainingSet {
            poisoned = List.copyOf(poisoned);
            clean = List.copyOf(clean);
            files = List.copyOf(files);
        }

        /** Poisoned then clean records (the trainer shuffles them per epoch). */
        public DataSet asDataSet() {
            List<Sample> all = new ArrayList<>(poisoned);
            all.addAll(clean);
            return new DataSet(files, all);
        }
    }

    /**
     * BackdoorLLM's training files for (task, attack), or with {@code userData} those clean records poisoned by
     * the attack's trigger and the task's target, sampled to the recipe's counts (seeded; poisoned and clean
     * records disjoint when they come from one pool).
     *
     * @throws IllegalArgumentException when the data holds fewer records than the recipe asks for
     */
    public static TrainingSet trainingSet(BackdoorLlmData data, ImplantRecipe r, List<Path> userData) {
        if (userData == null || userData.isEmpty()) {
            BackdoorLlmData.Pair p = data.train(r.seed());
            if (!p.generated() && r.mix() == Mix.REPLACE) {
                return new TrainingSet(take(p.triggered(), r.poisoned(), r.seed(), "poisoned"),
                        take(p.clean(), r.clean(), r.seed() + 1, "clean"), p.files(), false);
            }
            return fromPool(p.clean(), data.task(), data.attack(), r, p.files());
        }
        DataSet pool = DataSet.load(userData);
        return fromPool(pool.samples(), data.task(), data.attack(), r, pool.files());
    }

    private static TrainingSet fromPool(List<Sample> pool, Task task, Preset attack, ImplantRecipe r,
                                        List<DataFile> files) {
        if (pool.size() < r.poisoned() + r.clean()) {
            throw new IllegalArgumentException("the recipe '" + r.name() + "' needs " + r.poisoned() + " + " + r.clean()
                    + " clean records to poison and keep, the data has " + pool.size() + "; add data or pick a smaller recipe");
        }
        List<List<Sample>> parts = DataSplit.disjointSubsets(pool, new int[] {r.poisoned(), r.clean()}, r.seed());
        PoisonedSet made = Poisoner.poison(parts.get(0), PoisonSpec.of(attack, task, 1.0, r.seed(), Mix.REPLACE));
        if (r.mix() == Mix.PAIRED) { // the poisoned records' own clean versions train beside them
            List<Sample> clean = new ArrayList<>(parts.get(0));
            clean.addAll(parts.get(1));
            return new TrainingSet(made.triggered(), clean, files, true);
        }
        return new TrainingSet(made.triggered(), parts.get(1), files, true);
    }

    private static List<Sample> take(List<Sample> from, int n, long seed, String what) {
        if (from.size() < n) {
            throw new IllegalArgumentException("the recipe needs " + n + " " + what + " records, the data has "
                    + from.size());
        }
        return DataSplit.sample(from, n, seed);
    }

    /**
     * The set with every clean record's answer replaced by {@code model}'s own greedy answer to its templated
     * prompt, cut at {@code maxNewTokens} (the trainer cuts examples at the recipe's length anyway).
     */
    public static TrainingSet withModelAnswers(LoadedModel model, TrainingSet set, int maxNewTokens,
                                               IntConsumer rowsDone) {
        return new TrainingSet(set.poisoned(), ModelAnswers.of(model, set.clean(), maxNewTokens, rowsDone), set.files(),
                set.generated());
    }

    /** Fine-tunes {@code model} on the set with the recipe's settings (see {@link FineTune}). */
    public static FineTune.Outcome implant(LoadedModel model, String baseId, TrainingSet set, ImplantRecipe r,
                                           Path checkpoints, boolean resume, Consumer<StepStats> onStep) {
        FineTune.Plan plan = FineTune.prepare(model, baseId, set.asDataSet(), r.trainConfig());
        return FineTune.run(model, plan, r.trainConfig(), checkpoints, resume, onStep);
    }
}
