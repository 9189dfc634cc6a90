package dev.llmvax.train;

import dev.llmvax.io.DType;
import dev.llmvax.lora.BaseFingerprint;
import dev.llmvax.lora.LoraMerge;
import dev.llmvax.lora.PeftAdapter;
import dev.llmvax.model.HfExport;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.Precision;
import dev.llmvax.util.Provenance;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes a finished fine-tune into a (temporary) output folder: weights, model card, run.json. */
public final class FineTuneOutput {
    private FineTuneOutput() {}

    /**
     * @param adapterOnly LoRA: write a PEFT adapter; else the model as a Hugging Face folder, with a LoRA
     *                    outcome merged into it first (this changes {@code m}'s weights)
     * @param baseFp      the base's weight fingerprint, taken before any weight changed
     * @param notice      a paragraph for the top of the model card, or null
     * @param extra       more facts for run.json
     */
    public static void write(Path dir, LoadedModel m, FineTune.Outcome outcome, TrainConfig cfg, Provenance prov,
                             Map<String, String> baseSha, BaseFingerprint baseFp, boolean adapterOnly, String notice,
                             Map<String, Object> extra) throws IOException {
        BaseModelFacts facts = BaseModelFacts.of(m);
        boolean merged = cfg.isLora() && !adapterOnly;
        FineTuneReport report = new FineTuneReport(prov, facts, baseSha, outcome, cfg, m.model().precision().hfName(),
                adapterOnly, merged, notice, extra);
        if (adapterOnly) {
            PeftAdapter.writeFiles(dir, outcome.lora(), new PeftAdapter.Meta(facts.id(), baseFp, Map.of()));
        } else {
            if (merged) {
                LoraMerge.merge(m.model(), outcome.lora());
            }
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("llmvax_version", prov.version());
            meta.put("llmvax_base_model", facts.id());
            HfExport.write(m, dir, m.model().precision() == Precision.F32 ? DType.F32 : DType.BF16, meta);
        }
        report.writeModelCard(dir.resolve("README.md"));
        report.writeRunJson(dir.resolve("run.json"));
    }
}
