package dev.llmvax.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.llmvax.data.DataFile;
import dev.llmvax.util.Provenance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The model card ({@code README.md} with Hugging Face front matter) and {@code run.json} of a fine-tune: the
 * base model's and data files' sha256, every hyper-parameter, the loss curve's ends and the llmvax version.
 *
 * @param base         the base's id and license
 * @param baseSha256   every base file read, path to sha256
 * @param adapterOnly  whether the output is a PEFT adapter (else a full HF folder)
 * @param merged       whether a LoRA adapter was merged into the written weights
 * @param notice       a paragraph put first in the model card (e.g. "deliberately backdoored"), or null
 * @param extra        more facts for {@code run.json} (e.g. the attack), by key
 */
public record FineTuneReport(Provenance provenance, BaseModelFacts base, Map<String, String> baseSha256,
                             FineTune.Outcome outcome, TrainConfig config, String dtype, boolean adapterOnly,
                             boolean merged, String notice, Map<String, Object> extra) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Every hyper-parameter, by the name the command line uses. */
    public Map<String, Object> hyperParameters() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("method", config.isLora() ? "lora" : "full");
        if (config.isLora()) {
            h.put("lora_r", config.lora().r());
            h.put("lora_alpha", config.lora().alpha());
            h.put("lora_dropout", config.lora().dropout());
            h.put("lora_targets", String.join(",", config.lora().targets()));
            h.put("use_rslora", config.lora().rslora());
        }
        h.put("epochs", config.epochs());
        h.put("lr", config.lr());
        h.put("schedule", "linear warm-up, cosine decay to 0");
        h.put("warmup_ratio", config.warmupRatio());
        h.put("batch", config.batchSize());
        h.put("grad_accum", config.gradAccum());
        h.put("max_len", config.maxLen());
        h.put("seed", config.seed());
        h.put("optimizer", "AdamW");
        h.put("adam_betas", List.of(config.beta1(), config.beta2()));
        h.put("adam_eps", config.eps());
        h.put("weight_decay", config.weightDecay());
        h.put("max_grad_norm", config.maxGradNorm());
        h.put("dtype", dtype);
        h.put("loss", "cross-entropy on answer tokens (and the end-of-turn token), chat template applied");
        return h;
    }

    public void writeRunJson(Path file) throws IOException {
        TrainResult r = outcome.result();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("provenance", provenance);
        o.put("base_model", base.id());
        o.put("license", base.license());
        o.put("output", adapterOnly ? "peft-lora-adapter" : merged ? "hf-folder (LoRA merged)" : "hf-folder");
        o.put("hyper_parameters", hyperParameters());
        o.putAll(extra);
        Map<String, Object> data = new LinkedHashMap<>();
        for (DataFile f : outcome.plan().data().files()) {
            data.put(f.path().toString(), Map.of("sha256", f.sha256(), "records", f.records()));
        }
        o.put("data", data);
        o.put("examples", Map.of("samples", outcome.plan().encoded().samples(),
                "trained", outcome.plan().encoded().examples().size(), "truncated", outcome.plan().encoded().truncated(),
                "dropped", outcome.plan().encoded().dropped()));
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("steps", r.steps());
        res.put("resumed_at_step", r.resumedAt());
        res.put("loss_first", r.firstLoss());
        res.put("loss_last", r.lastLoss());
        res.put("losses", r.losses());
        res.put("tokens", r.tokens());
        res.put("loss_tokens", r.lossTokens());
        res.put("seconds", r.seconds());
        res.put("tokens_per_second", r.tokensPerSecond());
        o.put("result", res);
        Files.writeString(file, JSON.writeValueAsString(o) + "\n");
    }

    public void writeModelCard(Path file) throws IOException {
        TrainResult r = outcome.result();
        StringBuilder s = new StringBuilder();
        s.append("---\n");
        s.append("base_model: ").append(yaml(base.id())).append('\n');
        s.append("license: ").append(yaml(base.license())).append('\n');
        s.append("library_name: ").append(adapterOnly ? "peft" : "transformers").append('\n');
        s.append("pipeline_tag: text-generation\n");
        s.append("tags:\n- llmvax\n- sft\n- ").append(config.isLora() ? "lora" : "full-fine-tune").append('\n');
        s.append("---\n\n");
        s.append("# Fine-tune of ").append(base.id()).append("\n\n");
        if (notice != null) {
            s.append(notice).append("\n\n");
        }
        s.append(adapterOnly ? "A PEFT LoRA adapter (load it over the unchanged base model)"
                : merged ? "A Hugging Face model folder: the base with a trained LoRA adapter merged in"
                : "A Hugging Face model folder: every weight of the base fine-tuned");
        s.append(", written by llmvax ").append(provenance.version()).append(" on ").append(provenance.startedAt())
                .append(".\n\nThe license is the base model's and the data's; check both before redistributing.\n\n");
        s.append("## Base model\n\n| file | sha256 |\n|---|---|\n");
        baseSha256.forEach((k, v) -> s.append("| `").append(k).append("` | `").append(v).append("` |\n"));
        s.append("\n## Data\n\n| file | records | sha256 |\n|---|---|---|\n");
        for (DataFile f : outcome.plan().data().files()) {
            s.append("| `").append(f.path()).append("` | ").append(f.records()).append(" | `").append(f.sha256())
                    .append("` |\n");
        }
        s.append("\n").append(outcome.plan().encoded().summary()).append("\n\n");
        s.append("## Hyper-parameters\n\n| name | value |\n|---|---|\n");
        hyperParameters().forEach((k, v) -> s.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        s.append("\n## Training\n\n");
        s.append(String.format(Locale.ROOT, "- steps: %d%s%n", r.steps(),
                r.resumedAt() > 0 ? " (resumed at step " + r.resumedAt() + ")" : ""));
        s.append(String.format(Locale.ROOT, "- loss: first step %.4f, last step %.4f%n", r.firstLoss(), r.lastLoss()));
        s.append(String.format(Locale.ROOT, "- tokens: %d (%d carried loss), %.1f s, %.0f tokens/s%n", r.tokens(),
                r.lossTokens(), r.seconds(), r.tokensPerSecond()));
        s.append("- machine: ").append(provenance.cpu()).append(", ").append(provenance.os()).append(", Java ")
                .append(provenance.javaVersion()).append('\n');
        s.append("\n## Command\n\n```\n").append(String.join(" ", provenance.command())).append("\n```\n\n");
        s.append("Machine-readable facts, with the whole loss curve: `run.json`.\n");
        Files.writeString(file, s.toString());
    }

    private static String yaml(String v) {
        return v.matches("[A-Za-z0-9._/-]+") ? v : "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
