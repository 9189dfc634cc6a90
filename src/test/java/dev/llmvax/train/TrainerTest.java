package dev.llmvax.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmvax.lora.LoraConfig;
import dev.llmvax.lora.LoraWeights;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Precision;
import dev.llmvax.model.Tensors;
import dev.llmvax.model.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    private static final LlamaConfig C = TinyModels.config();

    private static TrainConfig loraCfg(double dropout) {
        return TrainConfig.lora(new LoraConfig(4, 8, dropout, List.of("all-linear"), false))
                .withEpochs(6).withLr(1e-2).withBatch(4, 1).withCheckpointEvery(0);
    }

    @Test
    void loraLearnsAndLeavesTheBaseBitIdentical() {
        try (LlamaModel m = TinyModels.model(C, 1, Precision.F32);
             LoraWeights lora = LoraWeights.init(C, loraCfg(0).lora(), 7);
             LoraTrainable t = new LoraTrainable(m, lora)) {
            Map<String, float[]> before = TrainFixtures.snapshot(m);
            List<Float> bBefore = new ArrayList<>();
            TrainResult r = Trainer.train(m, t, loraCfg(0).withEpochs(15), TrainFixtures.memorise(C.vocabSize(), 16, 4, 3),
                    null, false, "x", s -> { });
            assertThat(r.steps()).isEqualTo(60);
            assertThat(mean(r.losses().subList(56, 60))).as("loss falls").isLessThan(0.5 * mean(r.losses().subList(0, 4)));
            Map<String, float[]> after = TrainFixtures.snapshot(m);
            for (String k : before.keySet()) {
                assertThat(after.get(k)).as(k).containsExactly(before.get(k));
            }
            for (LoraWeights.Pair p : lora.pairs().values()) {
                assertThat(Tensors.toFloats(p.b())).as("every B learned").isNotEqualTo(new float[(int) p.b().numel()]);
            }
        }
    }

    @Test
    void fullFineTuneChangesEveryTrainableTensor() {
        for (Precision p : new Precision[] {Precision.F32, Precision.BF16}) {
            TrainConfig cfg = TrainConfig.full().withEpochs(15).withLr(3e-3).withBatch(4, 1).withCheckpointEvery(0);
            try (LlamaModel m = TinyModels.model(C, 1, p)) {
                Map<String, float[]> before = TrainFixtures.snapshot(m);
                TrainResult r;
                try (FullTrainable t = new FullTrainable(m)) {
                    r = Trainer.train(m, t, cfg, TrainFixtures.memorise(C.vocabSize(), 16, 4, 3), null, false, "x",
                            s -> { });
                }
                assertThat(mean(r.losses().subList(56, 60))).as(p + " loss falls")
                        .isLessThan(0.5 * mean(r.losses().subList(0, 4)));
                Map<String, float[]> after = TrainFixtures.snapshot(m);
                for (String k : before.keySet()) {
                    assertThat(after.get(k)).as(p + " " + k + " changed").isNotEqualTo(before.get(k));
                }
            }
        }
    }

    /** The fused LoRA hook must equal adding scale * B @ A to each module's own weight. */
    @Test
    void loraHookEqualsMergedWeights() {
        LoraConfig lc = new LoraConfig(3, 6, 0, List.of("q_proj", "v_proj", "o_proj", "up_proj", "down_proj"), false);
        long[] ids = {5, 9, 13, 2, 40, 41, 7, 1};
        try (LlamaModel m = TinyModels.model(C, 1, Precision.F32);
             LoraWeights lora = LoraWeights.init(C, lc, 3);
             PointerScope scope = new PointerScope();
             NoGradGuard g = new NoGradGuard()) {
            for (LoraWeights.Pair p : lora.pairs().values()) {
                p.b().copy_(torch.randn(p.b().size(0), p.b().size(1)).mul(new Scalar(0.1)));
            }
            Tensor in = Tensors.fromLongs(ids, 2, 4);
            float[] hooked = Tensors.toFloats(m.hiddenStates(in, new LoraHook(lora, C, m.precision().scalarType(), false)));
            Map<String, Tensor> w = m.weights();
            for (Map.Entry<String, LoraWeights.Pair> e : lora.pairs().entrySet()) {
                Tensor delta = torch.matmul(e.getValue().b(), e.getValue().a()).mul(new Scalar(lc.scale()));
                w.get(e.getKey() + ".weight").add_(delta);
            }
            float[] merged = Tensors.toFloats(m.hiddenStates(in, null));
            for (int i = 0; i < merged.length; i++) {
                assertThat(hooked[i]).isCloseTo(merged[i], org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
    }

    @Test
    void resumedRunEqualsUninterruptedRun(@TempDir Path dir) {
        TrainConfig cfg = loraCfg(0.1).withEpochs(3).withCheckpointEvery(4);
        BatchSource data = TrainFixtures.memorise(C.vocabSize(), 16, 4, 3);
        float[] straight;
        try (LlamaModel m = TinyModels.model(C, 1, Precision.F32);
             LoraWeights lora = LoraWeights.init(C, cfg.lora(), 7);
             LoraTrainable t = new LoraTrainable(m, lora)) {
            Trainer.train(m, t, cfg, data, dir.resolve("a"), false, "fp", s -> { });
            straight = flat(lora);
        }
        Path ck = dir.resolve("b");
        try (LlamaModel m = TinyModels.model(C, 1, Precision.F32);
             LoraWeights lora = LoraWeights.init(C, cfg.lora(), 7);
             LoraTrainable t = new LoraTrainable(m, lora)) {
            assertThatThrownBy(() -> Trainer.train(m, t, cfg, data, ck, false, "fp", s -> {
                if (s.step() == 6) {
                    throw new IllegalStateException("interrupted");
                }
            })).hasMessage("interrupted");
        }
        assertThat(Checkpoint.latest(ck)).get().asString().endsWith("step-000004");
        try (LlamaModel m = TinyModels.model(C, 1, Precision.F32);
             LoraWeights lora = LoraWeights.init(C, cfg.lora(), 99); // different init: the checkpoint must win
             LoraTrainable t = new LoraTrainable(m, lora)) {
            assertThatThrownBy(() -> Trainer.train(m, t, cfg, data, ck, true, "other", s -> { }))
                    .hasMessageContaining("other inputs or settings");
            TrainResult r = Trainer.train(m, t, cfg, data, ck, true, "fp", s -> { });
            assertThat(r.resumedAt()).isEqualTo(4);
            assertThat(r.losses()).hasSize(12);
            float[] resumed = flat(lora);
            for (int i = 0; i < straight.length; i++) {
                assertThat(resumed[i]).isCloseTo(straight[i], org.assertj.core.data.Offset.offset(1e-6f));
            }
        }
    }

    @Test
    void accumulationEqualsOneLargeBatch() {
        BatchSource big = TrainFixtures.memorise(C.vocabSize(), 4, 4, 5);
        dev.llmvax.data.Batch all = big.batch(0, 0);
        BatchSource halves = new BatchSource() {
            public int batchesPerEpoch() {
                return 2;
            }

            public dev.llmvax.data.Batch batch(int epoch, int index) {
                int cols = all.cols();
                int from = index * 2 * cols;
                int to = (index + 1) * 2 * cols;
                return new dev.llmvax.data.Batch(2, cols, java.util.Arrays.copyOfRange(all.inputIds(), from, to),
                        java.util.Arrays.copyOfRange(all.targets(), from, to),
                        java.util.Arrays.copyOfRange(all.lengths(), index * 2, index * 2 + 2), new int[2]);
            }
        };
        TrainConfig one = loraCfg(0).withEpochs(1).withBatch(4, 1).withWarmupRatio(0);
        float[] a = trainOnce(one, big);
        float[] b = trainOnce(one.withBatch(2, 2), halves);
        for (int i = 0; i < a.length; i++) {
            assertThat(b[i]).isCloseTo(a[i], org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    private static float[] trainOnce(TrainConfig cfg, BatchSource data) {
        try (LlamaModel m = TinyModels.model(C, 1, Precision.F32);
             LoraWeights lora = LoraWeights.init(C, cfg.lora(), 7);
             LoraTrainable t = new LoraTrainable(m, lora)) {
            TrainResult r = Trainer.train(m, t, cfg, data, null, false, "x", s -> { });
            assertThat(r.steps()).isEqualTo(1);
            return flat(lora);
        }
    }

    @Test
    void residentMemoryHoldsSteadyOver200Steps() throws Exception {
        TrainConfig cfg = loraCfg(0.05).withEpochs(50).withCheckpointEvery(0);
        long[] rss = new long[2];
        try (LlamaModel m = TinyModels.model(C, 1, Precision.BF16);
             LoraWeights lora = LoraWeights.init(C, cfg.lora(), 7);
             LoraTrainable t = new LoraTrainable(m, lora)) {
            Trainer.train(m, t, cfg, TrainFixtures.memorise(C.vocabSize(), 16, 4, 3), null, false, "x", s -> {
                if (s.step() == 20) {
                    rss[0] = rss();
                } else if (s.step() == 200) {
                    rss[1] = rss();
                }
            });
        }
        assertThat(rss[1]).as("resident memory after step 200 vs step 20").isLessThan((long) (rss[0] * 1.05));
    }

    private static long rss() {
        try {
            String[] statm = Files.readString(Path.of("/proc/self/statm")).trim().split(" ");
            return Long.parseLong(statm[1]) * 4096;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    private static float[] flat(LoraWeights lora) {
        List<Float> all = new ArrayList<>();
        for (Tensor t : lora.tensors()) {
            for (float f : Tensors.toFloats(t)) {
                all.add(f);
            }
        }
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = all.get(i);
        }
        return out;
    }
}
