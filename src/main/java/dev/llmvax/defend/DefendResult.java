package dev.llmvax.defend;

import dev.llmvax.eval.ModelEvaluation;
import dev.llmvax.train.TrainResult;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a defense run did and measured ({@code defend.json}).
 *
 * @param cleanRecords     clean records available after leaving out evaluation prompts
 * @param droppedRecords   clean records left out because they are evaluation prompts
 * @param trainingSamples  distinct clean samples the fine-tune saw (0 for none)
 * @param trainingEpochs   passes over them (0 for none)
 * @param training         the fine-tune, or null for a method that does not train
 * @param details          the method's own result (pruning counts, rounding error)
 * @param evaluations      the input model's and the defended model's, when asked for
 * @param cost             training tokens and the defense's wall time (evaluation excluded)
 * @param seconds          wall time per stage
 */
public record DefendResult(String method, DefendConfig config, int cleanRecords, int droppedRecords,
                           int trainingSamples, int trainingEpochs, TrainResult training, Map<String, Object> details,
                           List<ModelEvaluation> evaluations, Cost cost, Map<String, Double> seconds) {

    public DefendResult {
        details = Collections.unmodifiableMap(new LinkedHashMap<>(details)); // ordered, as written
        evaluations = List.copyOf(evaluations);
        seconds = Collections.unmodifiableMap(new LinkedHashMap<>(seconds));
    }

    /**
     * @param trainingTokens tokens the fine-tune processed (0 for none)
     * @param wallSeconds    the defense itself: loading, the method and writing, evaluations excluded
     */
    public record Cost(long trainingTokens, double wallSeconds) {}
}
