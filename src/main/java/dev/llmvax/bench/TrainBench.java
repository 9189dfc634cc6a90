package dev.llmvax.bench;

import dev.llmvax.data.Batch;
import dev.llmvax.data.Example;
import dev.llmvax.lora.LoraConfig;
import dev.llmvax.lora.LoraWeights;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Precision;
import dev.llmvax.train.BatchSource;
import dev.llmvax.train.FullTrainable;
import dev.llmvax.train.LoraTrainable;
import dev.llmvax.train.StepStats;
import dev.llmvax.train.TrainConfig;
import dev.llmvax.train.Trainable;
import dev.llmvax.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;

/**
 * Training-step throughput of llmvax, measured as {@code tools/torch_reference_step.py} measures PyTorch: a
 * SmolLM2-shaped random model, random token rows, loss on every position, one AdamW step per batch; the
 * median step time over the steps after the first; tokens/s = batch * seq / median.
 */
public final class TrainBench {
    /** One measurement. */
    public record Result(String mode, String dtype, int batch, int seq, double stepSecondsMedian) {
        public double tokensPerSecond() {
            return batch * seq / stepSecondsMedian;
        }

        public Result best(Result other) {
            return stepSecondsMedian <= other.stepSecondsMedian ? this : other;
        }

        /** One JSON line of {@code torch_reference_step.py}. */
        public static Result fromReference(com.fasterxml.jackson.databind.JsonNode n) {
            return new Result(n.path("mode").asText(), n.path("dtype").asText(), n.path("batch").asInt(),
                    n.path("seq").asInt(), n.path("step_s_median").asDouble());
        }
    }

    private TrainBench() {}

    /**
     * @param mode {@code full} or {@code lora} (rank 8, alpha 16, all linear modules: the reference's adapter
     *             sits on the same seven projections)
     */
    public static Result run(LlamaConfig shape, String mode, Precision precision, int batch, int seq, int steps,
                             Consumer<StepStats> onStep) {
        boolean lora = mode.equals("lora");
        LoraConfig lc = new LoraConfig(8, 16, 0, List.of("all-linear"), false);
        TrainConfig cfg = (lora ? TrainConfig.lora(lc).withLr(1e-5) : TrainConfig.full().withLr(1e-5))
                .withEpochs(1).withBatch(batch, 1).withWarmupRatio(0).withCheckpointEvery(0);
        List<Double> times = new ArrayList<>();
        try (LlamaModel model = RandomLlama.build(shape, 0, precision, new Device(DeviceType.CPU));
             LoraWeights weights = lora ? LoraWeights.init(shape, lc, 0) : null;
             Trainable t = lora ? new LoraTrainable(model, weights) : new FullTrainable(model)) {
            Trainer.train(model, t, cfg, randomRows(shape.vocabSize(), batch, seq, steps), null, false, "bench", s -> {
                times.add(s.seconds());
                onStep.accept(s);
            });
        }
        List<Double> steady = new ArrayList<>(times.subList(1, times.size()));
        steady.sort(null);
        return new Result(mode, precision == Precision.BF16 ? "bf16" : "fp32", batch, seq, steady.get(steady.size() / 2));
    }

    /** {@code steps} batches of random rows, every position after the first carrying loss. */
    static BatchSource randomRows(int vocab, int batch, int seq, int steps) {
        return new BatchSource() {
            @Override
            public int batchesPerEpoch() {
                return steps;
            }

            @Override
            public Batch batch(int epoch, int index) {
                Random r = new Random(index);
                List<Example> rows = new ArrayList<>();
                for (int b = 0; b < batch; b++) {
                    int[] ids = new int[seq + 1];  // seq inputs, seq targets: the reference's ids[:, :-1] / [:, 1:]
                    for (int i = 0; i < ids.length; i++) {
                        ids[i] = r.nextInt(vocab);
                    }
                    rows.add(new Example(b, ids, 1));
                }
                return Batch.of(rows, new int[batch], 0);
            }
        };
    }
}
