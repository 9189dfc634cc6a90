package dev.llmvax.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmvax.generate.GenerationOptions;
import dev.llmvax.generate.Generator;
import dev.llmvax.generate.TokenListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.assertj.core.data.Offset;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class LlamaModelTest {
    private static float[] fullLogitsLast(LlamaModel m, int[] ids) {
        try (PointerScope s = new PointerScope(); InferenceMode g = new InferenceMode()) {
            long[] pos = new long[ids.length];
            for (int i = 0; i < pos.length; i++) {
                pos[i] = i;
            }
            Tensor logits = m.forward(Tensors.fromInts(ids, 1, ids.length), Tensors.fromLongs(pos, 1, ids.length),
                    null, 0, null, true);
            float[] f = Tensors.toFloats(logits);
            logits.close();
            return f;
        }
    }

    @Test
    void cachedDecodeEqualsFullForward() {
        LlamaConfig c = TinyModels.config();
        try (LlamaModel m = TinyModels.model(c, 1, Precision.F32)) {
            int[] prompt = {5, 9, 13, 2, 40, 7, 33};
            List<int[]> out = new Generator(m).generate(List.of(prompt), GenerationOptions.greedy(6, Set.of()),
                    TokenListener.NONE);
            // Re-derive each greedy token from a cache-free forward over the whole prefix.
            List<Integer> seq = new ArrayList<>();
            for (int id : prompt) {
                seq.add(id);
            }
            for (int tok : out.getFirst()) {
                float[] logits = fullLogitsLast(m, seq.stream().mapToInt(Integer::intValue).toArray());
                int best = 0;
                for (int i = 1; i < logits.length; i++) {
                    if (logits[i] > logits[best]) {
                        best = i;
                    }
                }
                assertThat(tok).isEqualTo(best);
                seq.add(tok);
            }
            assertThat(out.getFirst()).hasSize(6);
        }
    }

    /**
     * A single float32 row takes the matrix-vector path in every projection and the head (LlamaModel.project),
     * a batch of two the matmul path: the same token must give the same logits either way.
     */
    @Test
    void aSingleRowGivesTheLogitsOfTheSameRowInABatch() {
        LlamaConfig c = TinyModels.config();
        try (LlamaModel m = TinyModels.model(c, 3, Precision.F32);
             PointerScope s = new PointerScope(); InferenceMode g = new InferenceMode()) {
            Tensor one = m.forward(Tensors.fromInts(new int[] {17}, 1, 1), Tensors.fromLongs(new long[] {0}, 1, 1),
                    null, 0, null, true);
            Tensor two = m.forward(Tensors.fromInts(new int[] {17, 4}, 2, 1),
                    Tensors.fromLongs(new long[] {0, 0}, 2, 1), null, 0, null, true);
            float[] single = Tensors.toFloats(one);
            float[] batched = Tensors.toFloats(two.narrow(0, 0, 1));
            assertThat(single).hasSize(c.vocabSize());
            assertThat(single).containsExactly(batched, Offset.offset(1e-5f));
            // the two rows differ, so the comparison above is not trivially true
            assertThat(Tensors.toFloats(two.narrow(0, 1, 1))).isNotEqualTo(single);
            one.close();
            two.close();
        }
    }

    @Test
    void leftPaddedBatchEqualsSeparateRuns() {
        LlamaConfig c = TinyModels.config();
        try (LlamaModel m = TinyModels.model(c, 2, Precision.F32)) {
            Generator g = new Generator(m);
            List<int[]> prompts = List.of(new int[] {3, 4, 5, 6, 7, 8, 9}, new int[] {10, 11}, new int[] {12, 13, 14});
            GenerationOptions opts = GenerationOptions.greedy(8, Set.of());
            List<int[]> batched = g.generate(prompts, opts, TokenListener.NONE);
            for (int i = 0; i < prompts.size(); i++) {
                assertThat(batched.get(i)).containsExactly(g.generate(List.of(prompts.get(i)), opts,
                        TokenListener.NONE).getFirst());
            }
        }
    }

    /** Rows that stop early leave the batch (the cache is compacted); the others must not notice. */
    @Test
    void rowsLeavingTheBatchDoNotChangeTheOthers() {
        LlamaConfig c = TinyModels.config();
        try (LlamaModel m = TinyModels.model(c, 2, Precision.F32)) {
            Generator g = new Generator(m);
            List<int[]> prompts = List.of(new int[] {3, 4, 5, 6, 7, 8, 9}, new int[] {10, 11}, new int[] {12, 13, 14},
                    new int[] {20, 21, 22, 23}); // 4 rows: one stopping leaves 3 = 3/4, which compacts
            int[] free = g.generate(List.of(prompts.getFirst()), GenerationOptions.greedy(12, Set.of()),
                    TokenListener.NONE).getFirst();
            GenerationOptions opts = GenerationOptions.greedy(12, Set.of(free[2]));
            List<int[]> batched = g.generate(prompts, opts, TokenListener.NONE);
            List<int[]> alone = new java.util.ArrayList<>();
            for (int[] p : prompts) {
                alone.add(g.generate(List.of(p), opts, TokenListener.NONE).getFirst());
            }
            for (int i = 0; i < prompts.size(); i++) {
                assertThat(batched.get(i)).as("row " + i).containsExactly(alone.get(i));
            }
            // the case under test happened: row 0 stopped at step 3 while another row went on to the limit
            assertThat(alone.getFirst()).hasSizeLessThanOrEqualTo(3);
            assertThat(alone.stream().mapToInt(a -> a.length).max().orElseThrow()).isEqualTo(12);
        }
    }

    @Test
    void stopTokenEndsOnlyItsRow() {
        LlamaConfig c = TinyModels.config();
        try (LlamaModel m = TinyModels.model(c, 3, Precision.F32)) {
            Generator g = new Generator(m);
            int[] prompt = {1, 2, 3};
            int[] free = g.generate(List.of(prompt), GenerationOptions.greedy(5, Set.of()), TokenListener.NONE).getFirst();
            int stop = free[1];
            int[] stopped = g.generate(List.of(prompt), GenerationOptions.greedy(5, Set.of(stop)),
                    TokenListener.NONE).getFirst();
            int firstStop = free[0] == stop ? 0 : 1;
            assertThat(stopped).hasSize(firstStop + 1).endsWith(stop);
        }
    }

    @Test
    void seededSamplingRepeatsAndDiffersAcrossSeeds() {
        LlamaConfig c = TinyModels.config();
        try (LlamaModel m = TinyModels.model(c, 4, Precision.F32)) {
            Generator g = new Generator(m);
            List<int[]> p = List.of(new int[] {1, 2, 3});
            int[] a = g.generate(p, new GenerationOptions(20, 1.5, 0.95, 7, Set.of()), TokenListener.NONE).getFirst();
            int[] b = g.generate(p, new GenerationOptions(20, 1.5, 0.95, 7, Set.of()), TokenListener.NONE).getFirst();
            int[] d = g.generate(p, new GenerationOptions(20, 1.5, 0.95, 8, Set.of()), TokenListener.NONE).getFirst();
            assertThat(a).containsExactly(b);
            assertThat(a).isNotEqualTo(d);
        }
    }

    @Test
    void bf16RunsAndStaysCloseToF32() {
        LlamaConfig c = TinyModels.config();
        try (LlamaModel f = TinyModels.model(c, 5, Precision.F32);
             LlamaModel h = TinyModels.model(c, 5, Precision.BF16)) {
            int[] ids = {4, 8, 15, 16, 23, 42};
            float[] a = fullLogitsLast(f, ids);
            float[] b = fullLogitsLast(h, ids);
            double maxDiff = 0;
            double scale = 0;
            for (int i = 0; i < a.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
                scale = Math.max(scale, Math.abs(a[i]));
            }
            assertThat(maxDiff).isGreaterThan(0).isLessThan(0.1 * scale);
        }
    }

    @Test
    void weightsRoundTripUnderHfNames() {
        LlamaConfig c = TinyModels.config();
        var src = TinyModels.weights(c, 6);
        try (LlamaModel m = TinyModels.model(c, 6, Precision.F32)) {
            var w = m.weights();
            assertThat(w.keySet()).containsExactlyInAnyOrderElementsOf(src.keySet());
            w.forEach((name, t) -> {
                assertThat(Tensors.toFloats(t)).as(name).containsExactly(src.get(name));
                t.close();
            });
        }
    }

    @Test
    void wrongShapeIsNamed() {
        LlamaConfig c = TinyModels.config();
        var w = TinyModels.weights(c, 7);
        assertThatThrownBy(() -> LlamaModel.build(c, name -> name.endsWith("layers.1.mlp.up_proj.weight")
                ? Tensors.fromFloats(new float[6], 2, 3) : Tensors.fromFloats(w.get(name), TinyModels.shapeOf(c, name)),
                Precision.F32, new org.bytedeco.pytorch.Device(org.bytedeco.pytorch.global.torch.DeviceType.CPU)))
                .hasMessageContaining("model.layers.1.mlp.up_proj.weight").hasMessageContaining("[2, 3]");
    }

    @Test
    void emptyPromptIsRefused() {
        try (LlamaModel m = TinyModels.model(TinyModels.config(), 8, Precision.F32)) {
            assertThatThrownBy(() -> new Generator(m).generate(List.of(new int[0]),
                    GenerationOptions.greedy(3, Set.of()), TokenListener.NONE)).hasMessageContaining("empty prompt");
        }
    }

    /** Resident memory of this process in bytes (Linux). */
    private static long rss() throws Exception {
        String[] statm = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/statm")).trim().split(" ");
        return Long.parseLong(statm[1]) * 4096;
    }

    @Test
    void aBuildThatFailsHalfwayFreesWhatItConverted() throws Exception {
        // 32 MB of embedding per attempt: 20 leaked attempts would add 640 MB
        LlamaConfig c = LlamaConfig.tiny(32000, 256, 2, 4, 2, 512);
        java.util.function.Function<String, Tensor> source = name -> name.equals("model.norm.weight")
                ? null : torch.randn(TinyModels.shapeOf(c, name));
        org.bytedeco.pytorch.Device cpu = new org.bytedeco.pytorch.Device(torch.DeviceType.CPU);
        assertThatThrownBy(() -> LlamaModel.build(c, source, Precision.F32, cpu)).hasMessageContaining("model.norm");
        long before = rss();
        for (int i = 0; i < 20; i++) {
            assertThatThrownBy(() -> LlamaModel.build(c, source, Precision.F32, cpu))
                    .hasMessageContaining("missing tensor model.norm.weight");
        }
        assertThat(rss() - before).as("resident growth over 20 failed builds").isLessThan(200L << 20);
    }
}
