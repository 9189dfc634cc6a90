package dev.llmvax.eval;

import dev.llmvax.data.Sample;
import dev.llmvax.model.LoadedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Replaces records' answers with a model's own greedy, chat-templated answers. The implant trains its clean records
 * on them (the clean half then asks for no change), and the purifier's repair can train towards the suspicious
 * model's behaviour on clean prompts instead of towards another model's answers.
 */
public final class ModelAnswers {
    private ModelAnswers() {}

    /**
     * @param maxNewTokens answer length cap (as the fine-tune that uses them cuts examples anyway)
     * @param rowsDone     told how many records were answered, as they are
     * @return the records in order, each with its instruction and input and the model's answer
     */
    public static List<Sample> of(LoadedModel model, List<Sample> records, int maxNewTokens, IntConsumer rowsDone) {
        EvalPrompts prompts = new EvalPrompts(model);
        List<int[]> ids = new ArrayList<>(records.size());
        for (Sample s : records) {
            ids.add(prompts.encode(s, PromptFormat.TEMPLATED).ids());
        }
        List<BatchedGeneration.Answer> answers = BatchedGeneration.run(model, ids, maxNewTokens, EvalSpec.BATCH_SIZE,
                rowsDone);
        List<Sample> out = new ArrayList<>(records.size());
        for (int i = 0; i < answers.size(); i++) {
            Sample s = records.get(i);
            out.add(new Sample(s.instruction(), s.input(), answers.get(i).text()));
        }
        return out;
    }
}
