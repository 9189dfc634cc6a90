package dev.llmvax.defend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import dev.llmvax.data.Batch;
import dev.llmvax.lora.LoraConfig;
import dev.llmvax.lora.LoraWeights;
import dev.llmvax.lora.RandomLora;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Precision;
import dev.llmvax.model.Tensors;
import dev.llmvax.model.TinyModels;
import dev.llmvax.train.BatchSource;
import dev.llmvax.train.FullTrainable;
import dev.llmvax.train.LoraTrainable;
import dev.llmvax.train.Objective;
import dev.llmvax.train.Objective.StepTokens;
import dev.llmvax.train.TrainConfig;
import dev.llmvax.train.TrainFixtures;
import dev.llmvax.train.TrainResult;
import dev.llmvax.train.Trainable;
import dev.llmvax.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CROW's objective on tiny random Llamas (2 layers, hidden 32): gradients, equivalences and short runs. */
class CrowObjectiveTest {
    private static final LlamaConfig C = TinyModels.config();
    private static final LoraConfig LC = new LoraConfig(4, 8, 0, LoraConfig.MODULES, false);
    private static final Batch BATCH = TrainFixtures.memorise(C.vocabSize(), 4, 4, 9).batch(0, 0);
    private static final StepTokens STEP = new StepTokens(BATCH.lossTokens(), BATCH.realTokens());

    @Test
    void loraGradientsReachEveryAdapterFactor() {
        // A and B both random: with PEFT's B = 0 init, A's gradient is 0 whatever the objective
        try (LlamaModel m = TinyModels.model(C, 1, Precision.F32);
             LoraWeights lora = RandomLora.of(C, LC, 3);
             LoraTrainable t = new LoraTrainable(m, lora);
             PointerScope scope = new PointerScope()) {
            double loss = new CrowObjective(CrowConfig.DEFAULT).microStep(m, t, BATCH, STEP);
            assertThat(loss).isPositive().isFinite();
            assertNonZeroAndFinite(t);
        }
    }

    @Test
    void fullFineTuneGradientsReachEveryTensorAndTheConsistencyTermEveryLayer() {
        for (Precision p : new Precision[] {Precision.F32, Precision.BF16}) {
            try (LlamaModel m = TinyModels.model(C, 1, p); FullTrainable t = new FullTrainable(m);
                 PointerScope scope = new PointerScope()) {
                new CrowObjective(CrowConfig.DEFAULT).microStep(m, t, BATCH, STEP);
                assertNonZeroAndFinite(t);
            }
        }
        // without perturbation, CROW's gradient minus CE's is alpha * d L_cons: it must reach every layer tensor
        List<float[]> ce = grads(Objective.crossEntropy(), null);
        List<float[]> crow = grads(new CrowObjective(new CrowConfig(5.5, 0)), null);
        List<String> names;
        try (LlamaModel m = TinyModels.model(C, 1, Precision.F32); FullTrainable t = new FullTrainable(m)) {
            names = t.names();
        }
        int layerTensors = 0;
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).startsWith("layers.")) {
                layerTensors++;
                assertThat(crow.get(i)).as(names.get(i) + " gets a consistency gradient").isNotEqualTo(ce.get(i));
            }
        }
        assertThat(layerTensors).isEqualTo(2 * 6);
    }

    @Test
    void zeroAlphaAndEpsilonIsExactlyCrossEntropy() {
        Objective plain = new CrowObjective(new CrowConfig(0, 0));
        for (LoraConfig lc : new LoraConfig[] {LC, null}) {
            double[] loss = new double[2];
            List<float[]> ce = grads(Objective.crossEntropy(), lc, loss, 0);
            List<float[]> crow = grads(plain, lc, loss, 1);
            assertThat(loss[1]).isCloseTo(loss[0], offset(1e-6));
            assertClose(crow, ce, 1e-6f, lc == null ? "full" : "lora");
        }
    }

    /**
     * The whole step against autograd alone: delta from a plain backward of the clean L_cons, then
     * {@code (sum CE) / N + alpha * L_cons} on the perturbed embeddings through the plain LM head and
     * cross-entropy. Also shows the probe adds nothing to the parameters' gradients.
     */
    @Test
    void equalsAnAutogradReference() {
        CrowConfig cfg = CrowConfig.DEFAULT;
        List<float[]> want = new ArrayList<>();
        double wantLoss;
        try (LlamaModel m = TinyModels.model(C, 1, Precision.F32); FullTrainable t = new FullTrainable(m);
             PointerScope scope = new PointerScope()) {
            Tensor ids = Tensors.fromLongs(BATCH.inputIds(), BATCH.rows(), BATCH.cols());
            Tensor w = CrowObjective.realTokenWeights(BATCH, 1.0 / STEP.realTokens());
            Tensor e = m.embedInputs(ids);
            Tensor probe = e.detach();
            probe.set_requires_grad(true);
            CrowObjective.consistencyLoss(m.trace(probe, null).layerStates(), w).backward();
            Tensor delta = probe.grad().sign().mul(new Scalar(cfg.epsilon()));
            t.zeroGrad(); // the plain backward above also reached the weights
            LlamaModel.Trace trace = m.trace(e.add(delta), null);
            long[] pos = answerPositions(BATCH);
            long[] targets = Arrays.stream(pos).map(i -> BATCH.targets()[(int) i]).toArray();
            Tensor hidden = trace.hidden().reshape(-1, C.hiddenSize()).index_select(0, Tensors.fromLongs(pos, pos.length));
            Tensor ce = torch.cross_entropy_loss(m.headLogits(hidden), Tensors.fromLongs(targets, targets.length),
                    new TensorOptional(), 2, -100, 0.0).div(new Scalar((double) STEP.lossTokens()));
            Tensor loss = ce.add(CrowObjective.consistencyLoss(trace.layerStates(), w).mul(new Scalar(cfg.alpha())));
            loss.backward();
            wantLoss = loss.item_double();
            t.grads().forEach(g -> want.add(Tensors.toFloats(g)));
        }
        double[] got = new double[1];
        List<float[]> crow = grads(new CrowObjective(cfg), null, got, 0);
        assertThat(got[0]).isCloseTo(wantLoss, offset(1e-5));
        assertClose(crow, want, 2e-5f, "autograd reference");
    }

    @Test
    void loraRunLowersTheLossAndLeavesTheBaseBitIdentical() {
        TrainConfig cfg = TrainConfig.lora(new LoraConfig(4, 8, 0, List.of("all-linear"), false))
                .withEpochs(15).withLr(1e-2).withBatch(4, 1).withCheckpointEvery(0);
        CrowObjective crow = new CrowObjective(CrowConfig.DEFAULT);
        List<Double> ce = new ArrayList<>();
        double[] before = {0};
        try (LlamaModel m = TinyModels.model(C, 1, Precision.F32);
             LoraWeights lora = LoraWeights.init(C, cfg.lora(), 7);
             LoraTrainable t = new LoraTrainable(m, lora)) {
            Map<String, float[]> base = TrainFixtures.snapshot(m);
            TrainResult r = Trainer.train(m, t, cfg, TrainFixtures.memorise(C.vocabSize(), 16, 4, 3), null, false, "x",
                    s -> {
                        double now = crow.totals().crossEntropy();
                        ce.add(now - before[0]);
                        before[0] = now;
                    }, crow);
            assertThat(r.steps()).isEqualTo(60);
            // epsilon 0.1 per coordinate is large against this model's embeddings (std 1/sqrt(32) = 0.18), so
            // CE learns slowly (measured 4.6 -> 3.9) while L_cons drops fast (measured alpha * L_cons 2.1 -> under 0.1)
            assertThat(mean(r.losses().subList(56, 60))).as("CROW loss falls")
                    .isLessThan(0.7 * mean(r.losses().subList(0, 4)));
            assertThat(mean(ce.subList(56, 60))).as("its CE term falls").isLessThan(0.95 * mean(ce.subList(0, 4)));
            assertThat(crow.totals().microSteps()).isEqualTo(60);
            assertThat(crow.totals().consistency()).isPositive();
            Map<String, float[]> after = TrainFixtures.snapshot(m);
            for (String k : base.keySet()) {
                assertThat(after.get(k)).as(k).containsExactly(base.get(k));
            }
            for (LoraWeights.Pair p : lora.pairs().values()) {
                assertThat(Tensors.toFloats(p.b())).as("every B learned").isNotEqualTo(new float[(int) p.b().numel()]);
            }
        }
    }

    @Test
    void fullRunLowersTheLossAndChangesEveryTensor() {
        TrainConfig cfg = TrainConfig.full().withEpochs(8).withLr(3e-3).withBatch(4, 1).withCheckpointEvery(0);
        try (LlamaModel m = TinyModels.model(C, 1, Precision.F32)) {
            Map<String, float[]> before = TrainFixtures.snapshot(m);
            TrainResult r;
            try (FullTrainable t = new FullTrainable(m)) {
                r = Trainer.train(m, t, cfg, TrainFixtures.memorise(C.vocabSize(), 16, 4, 3), null, false, "x",
                        s -> { }, new CrowObjective(CrowConfig.DEFAULT));
            }
            assertThat(mean(r.losses().subList(28, 32))).isLessThan(0.7 * mean(r.losses().subList(0, 4)));
            Map<String, float[]> after = TrainFixtures.snapshot(m);
            for (String k : before.keySet()) {
                assertThat(after.get(k)).as(k + " changed").isNotEqualTo(before.get(k));
            }
        }
    }

    /** Both terms are weighted by the step's token totals, so two accumulated halves equal the whole batch. */
    @Test
    void accumulationEqualsOneLargeBatch() {
        BatchSource big = TrainFixtures.memorise(C.vocabSize(), 4, 4, 5);
        Batch all = big.batch(0, 0);
        BatchSource halves = new BatchSource() {
            public int batchesPerEpoch() {
                return 2;
            }

            public Batch batch(int epoch, int index) {
                int cols = all.cols();
                int from = index * 2 * cols;
                int to = (index + 1) * 2 * cols;
                return new Batch(2, cols, Arrays.copyOfRange(all.inputIds(), from, to),
                        Arrays.copyOfRange(all.targets(), from, to),
                        Arrays.copyOfRange(all.lengths(), index * 2, index * 2 + 2), new int[2]);
            }
        };
        TrainConfig one = TrainConfig.lora(LC).withEpochs(1).withLr(1e-2).withBatch(4, 1).withWarmupRatio(0)
                .withCheckpointEvery(0);
        float[] a = trainOnce(one, big);
        float[] b = trainOnce(one.withBatch(2, 2), halves);
        for (int i = 0; i < a.length; i++) {
            assertThat(b[i]).as("LoRA value " + i).isCloseTo(a[i], offset(1e-5f));
        }
    }

    @Test
    void aCheckpointOfAnotherObjectiveIsRefused(@TempDir Path dir) {
        TrainConfig cfg = TrainConfig.lora(LC).withEpochs(1).withBatch(4, 1).withCheckpointEvery(1);
        BatchSource data = TrainFixtures.memorise(C.vocabSize(), 8, 4, 3);
        try (LlamaModel m = TinyModels.model(C, 1, Precision.F32);
             LoraWeights lora = LoraWeights.init(C, cfg.lora(), 7);
             LoraTrainable t = new LoraTrainable(m, lora)) {
            Trainer.train(m, t, cfg, data, dir, false, "fp", s -> { });
            assertThatThrownBy(() -> Trainer.train(m, t, cfg, data, dir, true, "fp", s -> { },
                    new CrowObjective(CrowConfig.DEFAULT))).hasMessageContaining("other inputs or settings");
            Trainer.train(m, t, cfg, data, dir, false, "fp", s -> { }, new CrowObjective(CrowConfig.DEFAULT));
            assertThatThrownBy(() -> Trainer.train(m, t, cfg, data, dir, true, "fp", s -> { },
                    new CrowObjective(CrowConfig.DEFAULT.withAlpha(1)))).hasMessageContaining("other inputs or settings");
            assertThatThrownBy(() -> Trainer.train(m, t, cfg, data, dir, true, "fp", s -> { }))
                    .hasMessageContaining("other inputs or settings");
            TrainResult r = Trainer.train(m, t, cfg, data, dir, true, "fp", s -> { },
                    new CrowObjective(CrowConfig.DEFAULT));
            assertThat(r.resumedAt()).isEqualTo(2);
        }
    }

    /** The probe pass's graph and activations live in their own scope: resident memory stays flat. */
    @Test
    void residentMemoryHoldsSteady() {
        TrainConfig cfg = TrainConfig.lora(new LoraConfig(4, 8, 0.05, List.of("all-linear"), false))
                .withEpochs(30).withLr(1e-2).withBatch(4, 1).withCheckpointEvery(0);
        long[] rss = new long[2];
        try (LlamaModel m = TinyModels.model(C, 1, Precision.BF16);
             LoraWeights lora = LoraWeights.init(C, cfg.lora(), 7);
             LoraTrainable t = new LoraTrainable(m, lora)) {
            Trainer.train(m, t, cfg, TrainFixtures.memorise(C.vocabSize(), 16, 4, 3), null, false, "x", s -> {
                if (s.step() == 20) {
                    rss[0] = rss();
                } else if (s.step() == 120) {
                    rss[1] = rss();
                }
            }, new CrowObjective(CrowConfig.DEFAULT));
        }
        assertThat(rss[1]).as("resident memory after step 120 vs step 20").isLessThan((long) (rss[0] * 1.05));
    }

    private static float[] trainOnce(TrainConfig cfg, BatchSource data) {
        try (LlamaModel m = TinyModels.model(C, 1, Precision.F32);
             LoraWeights lora = RandomLora.of(C, cfg.lora(), 7);
             LoraTrainable t = new LoraTrainable(m, lora)) {
            TrainResult r = Trainer.train(m, t, cfg, data, null, false, "x", s -> { },
                    new CrowObjective(CrowConfig.DEFAULT));
            assertThat(r.steps()).isEqualTo(1);
            List<Float> out = new ArrayList<>();
            for (Tensor x : lora.tensors()) {
                for (float f : Tensors.toFloats(x)) {
                    out.add(f);
                }
            }
            float[] flat = new float[out.size()];
            for (int i = 0; i < flat.length; i++) {
                flat[i] = out.get(i);
            }
            return flat;
        }
    }

    private static List<float[]> grads(Objective objective, LoraConfig lc) {
        return grads(objective, lc, new double[1], 0);
    }

    /** One micro-step of {@code objective} on a fresh tiny model (LoRA {@code lc} with random factors, or full). */
    private static List<float[]> grads(Objective objective, LoraConfig lc, double[] loss, int slot) {
        try (LlamaModel m = TinyModels.model(C, 1, Precision.F32);
             LoraWeights lora = lc == null ? null : RandomLora.of(C, lc, 3);
             Trainable t = lc == null ? new FullTrainable(m) : new LoraTrainable(m, lora);
             PointerScope scope = new PointerScope()) {
            loss[slot] = objective.microStep(m, t, BATCH, STEP);
            List<float[]> out = new ArrayList<>();
            t.grads().forEach(g -> out.add(Tensors.toFloats(g)));
            return out;
        }
    }

    private static void assertNonZeroAndFinite(Trainable t) {
        List<Tensor> grads = t.grads();
        for (int i = 0; i < grads.size(); i++) {
            float[] g = Tensors.toFloats(grads.get(i));
            double norm = 0;
            for (float f : g) {
                assertThat(Float.isFinite(f)).as(t.names().get(i) + " finite").isTrue();
                norm += f * f;
            }
            assertThat(norm).as(t.names().get(i) + " gradient").isPositive();
        }
    }

    private static void assertClose(List<float[]> got, List<float[]> want, float tol, String what) {
        assertThat(got).hasSameSizeAs(want);
        for (int i = 0; i < got.size(); i++) {
            assertThat(got.get(i)).hasSameSizeAs(want.get(i));
            for (int k = 0; k < got.get(i).length; k++) {
                assertThat(got.get(i)[k]).as(what + " tensor " + i + "[" + k + "]").isCloseTo(want.get(i)[k], offset(tol));
            }
        }
    }

    private static long[] answerPositions(Batch b) {
        return java.util.stream.IntStream.range(0, b.targets().length)
                .filter(i -> b.targets()[i] != Batch.IGNORE_INDEX).asLongStream().toArray();
    }

    private static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    private static long rss() {
        try {
            String[] statm = Files.readString(Path.of("/proc/self/statm")).trim().split(" ");
            return Long.parseLong(statm[1]) * 4096;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
