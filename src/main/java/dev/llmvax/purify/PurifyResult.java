package dev.llmvax.purify;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.llmvax.eval.ModelEvaluation;
import java.util.List;
import java.util.Map;

/**
 * What a purify run did, as written into {@code purify.json} (with the provenance beside it).
 *
 * @param cleanRecords   clean records available to the stages after dropping evaluation prompts
 * @param droppedRecords clean records left out because their instruction is an evaluation prompt
 * @param signatureFile  the stored channel scores the signature was selected from
 * @param agreement      how far two halves of the variants agree on the signature; null with one variant
 * @param adapterCoverage in adapter mode, the suspicious adapter's share in the signature's units; else null
 * @param scoresCached   whether the scores (and so the variants) came from an earlier run
 * @param arms           the purified model first, then any controls
 * @param evaluations    the suspicious model first, then the purified one and the controls (empty without eval)
 * @param seconds        wall time per stage and in total
 * @param scores         the channel scores (in signature.safetensors, not in the JSON)
 * @param selected       the signature (its counts are in {@code signature})
 */
public record PurifyResult(PurifyConfig config, boolean adapterMode, int cleanRecords, int droppedRecords,
                           List<Purifier.VariantResult> variants, String signatureFile, boolean scoresCached,
                           SignatureCounts signature, SignatureAgreement agreement,
                           AdapterCoverage adapterCoverage, List<Purifier.ArmResult> arms,
                           List<ModelEvaluation> evaluations, Map<String, Double> seconds,
                           @JsonIgnore ChannelScores scores, @JsonIgnore Signature selected) {
    public PurifyResult {
        variants = List.copyOf(variants);
        arms = List.copyOf(arms);
        evaluations = List.copyOf(evaluations);
        seconds = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(seconds));
    }
}
