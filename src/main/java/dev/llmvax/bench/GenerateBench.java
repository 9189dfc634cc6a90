package dev.llmvax.bench;

import dev.llmvax.generate.GenerationOptions;
import dev.llmvax.generate.Generator;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Precision;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;

/**
 * Generation throughput of llmvax, measured as {@code tools/torch_reference_generate.py} measures PyTorch:
 * one prefill of B prompts of P tokens (logits at the last position only), then N greedy decode steps
 * against the KV cache; decode tokens/s = B*N / decode time.
 */
public final class GenerateBench {
    /** One measurement. */
    public record Result(String dtype, int batch, int promptLen, int newTokens, double prefillSeconds,
                         double decodeSeconds) {
        public double prefillTokensPerSecond() {
            return batch * promptLen / prefillSeconds;
        }

        public double decodeTokensPerSecond() {
            return batch * newTokens / decodeSeconds;
        }

        /** The faster of two measurements of the same configuration, phase by phase. */
        public Result best(Result other) {
            return new Result(dtype, batch, promptLen, newTokens, Math.min(prefillSeconds, other.prefillSeconds),
                    Math.min(decodeSeconds, other.decodeSeconds));
        }

        /** One JSON line of {@code torch_reference_generate.py}. */
        public static Result fromReference(com.fasterxml.jackson.databind.JsonNode n) {
            return new Result(n.path("dtype").asText(), n.path("batch").asInt(), n.path("prompt_len").asInt(),
                    n.path("new_tokens").asInt(), n.path("prefill_s").asDouble(), n.path("decode_s").asDouble());
        }

        /** 400 prompts at this batch (13 batches at 32, the last costed as full), decode scaled to 128 tokens. */
        public double projectedEvalSeconds() {
            int batches = (int) Math.ceil(400.0 / batch);
            return batches * (prefillSeconds + decodeSeconds * 128.0 / newTokens);
        }
    }

    private GenerateBench() {
    }

    public static Result run(LlamaModel model, int batch, int promptLen, int newTokens) {
        Random r = new Random(batch * 31L + promptLen);
        List<int[]> prompts = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            int[] p = new int[promptLen];
            for (int i = 0; i < promptLen; i++) {
                p[i] = r.nextInt(model.config().vocabSize());
            }
            prompts.add(p);
        }
        Generator g = new Generator(model);
        g.generate(prompts, GenerationOptions.greedy(5, Set.of()), (row, id, stop) -> { }); // warm-up, same shapes
        long t0 = System.nanoTime();
        long[] firstToken = {0};
        // N + 1 tokens: the prefill yields the first, then N decode steps, as in the reference.
        g.generate(prompts, GenerationOptions.greedy(newTokens + 1, Set.of()), (row, id, stop) -> {
            if (firstToken[0] == 0) {
                firstToken[0] = System.nanoTime();
            }
        });
        long t1 = System.nanoTime();
        return new Result(model.precision() == Precision.BF16 ? "bf16" : "fp32", batch, promptLen, newTokens,
                (firstToken[0] - t0) / 1e9, (t1 - firstToken[0]) / 1e9);
    }

    /** Builds a random model of {@code cfg}'s shape per dtype and measures each batch size. */
    public static List<Result> runAll(LlamaConfig cfg, List<Precision> dtypes, List<Integer> batches, int promptLen,
                                      int newTokens, java.util.function.Consumer<Result> onResult) {
        List<Result> out = new ArrayList<>();
        for (Precision p : dtypes) {
            try (LlamaModel m = RandomLlama.build(cfg, 0, p, new Device(DeviceType.CPU))) {
                for (int b : batches) {
                    Result res = run(m, b, promptLen, newTokens);
                    onResult.accept(res);
                    out.add(res);
                }
            }
        }
        return out;
    }
}
