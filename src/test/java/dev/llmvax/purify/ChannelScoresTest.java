package dev.llmvax.purify;

import static dev.llmvax.purify.PurifyFixtures.SMALL;
import static dev.llmvax.purify.PurifyFixtures.column;
import static dev.llmvax.purify.PurifyFixtures.deltas;
import static dev.llmvax.purify.PurifyFixtures.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.llmvax.io.DType;
import dev.llmvax.lora.LoraConfig;
import dev.llmvax.lora.LoraMerge;
import dev.llmvax.lora.LoraWeights;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Precision;
import dev.llmvax.model.Tensors;
import dev.llmvax.model.TinyModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Eq. 2 on hand-made deltas, unit orientation, and the LoRA effective delta. */
class ChannelScoresTest {
    static final MatrixId GATE = new MatrixId(0, Matrix.GATE);
    static final MatrixId UP = new MatrixId(0, Matrix.UP);
    static final MatrixId DOWN = new MatrixId(0, Matrix.DOWN);

    @TempDir
    Path tmp;

    /** Scores with an exact (float32) store, so that cosines are exact. */
    static ChannelScores exact(double lambda, List<Map<MatrixId, float[]>> variants) {
        try (ChannelScores.Accumulator acc = ChannelScores.accumulator(UnitStore.memory(DType.F32))) {
            for (Map<MatrixId, float[]> v : variants) {
                try (Deltas d = deltas(SMALL, v, false)) {
                    acc.add(d);
                }
            }
            assertThat(acc.variants()).isEqualTo(variants.size());
            return acc.finish(lambda);
        }
    }

    @Test
    void magnitudeIsTheMeanNormOverVariants() {
        ChannelScores one = exact(0.01, List.of(Map.of(GATE, row(SMALL, Matrix.GATE, 2, 3, 4))));
        assertThat(one.magnitude().get(GATE)).containsExactly(0, 0, 5, 0, 0, 0);
        assertThat(one.alignment().get(GATE)).as("no pair with one variant").containsOnly(0f);
        ChannelScores two = exact(0.01, List.of(Map.of(GATE, row(SMALL, Matrix.GATE, 2, 3, 4)),
                Map.of(GATE, row(SMALL, Matrix.GATE, 2, 0, 0, 0, 1))));
        assertThat(two.magnitude().get(GATE)[2]).isCloseTo(3f, within(1e-6f)); // (5 + 1) / 2
        assertThat(two.variants()).isEqualTo(2);
    }

    @Test
    void alignmentIsTheMeanClampedCosineOverPairs() {
        float[] a = new float[24];
        float[] b = new float[24];
        // row 0 parallel, row 1 anti-parallel, row 2 orthogonal, row 3 at 45 degrees, rows 4-5 untouched
        set(a, 0, 1, 0, 0, 0);
        set(b, 0, 2, 0, 0, 0);
        set(a, 1, 1, 2, 0, 0);
        set(b, 1, -1, -2, 0, 0);
        set(a, 2, 1, 0, 0, 0);
        set(b, 2, 0, 1, 0, 0);
        set(a, 3, 1, 1, 0, 0);
        set(b, 3, 1, 0, 0, 0);
        ChannelScores s = exact(0.5, List.of(Map.of(GATE, a), Map.of(GATE, b)));
        float[] al = s.alignment().get(GATE);
        assertThat(al[0]).isCloseTo(1f, within(1e-6f));
        assertThat(al[1]).as("anti-parallel clamps to 0").isEqualTo(0f);
        assertThat(al[2]).isCloseTo(0f, within(1e-7f));
        assertThat(al[3]).isCloseTo((float) Math.sqrt(0.5), within(1e-6f));
        assertThat(al[4]).isEqualTo(0f);
        float[] mag = s.magnitude().get(GATE);
        float[] sc = s.scores(GATE);
        for (int j = 0; j < 6; j++) {
            assertThat(sc[j]).isCloseTo(mag[j] + 0.5f * al[j], within(1e-6f));
        }
        // λ scales only the alignment term
        assertThat(s.withLambda(0).scores(GATE)).containsExactly(mag);
        assertThat(s.withLambda(2).scores(GATE)[0] - s.withLambda(1).scores(GATE)[0]).isCloseTo(al[0],
                within(1e-6f));
    }

    @Test
    void alignmentAveragesOverAllPairs() {
        // three variants on row 0: v1 = v2 (cos 1), v3 opposite to both (clamped): (1 + 0 + 0) / 3
        ChannelScores s = exact(1, List.of(Map.of(UP, row(SMALL, Matrix.UP, 0, 1, 1)),
                Map.of(UP, row(SMALL, Matrix.UP, 0, 2, 2)), Map.of(UP, row(SMALL, Matrix.UP, 0, -1, -1))));
        assertThat(s.alignment().get(UP)[0]).isCloseTo(1f / 3, within(1e-6f));
    }

    @Test
    void downChannelsAreColumnsAndGateUpChannelsAreRows() {
        ChannelScores s = exact(0.01, List.of(Map.of(DOWN, column(SMALL, Matrix.DOWN, 5, 1, 2, 3, 4))));
        assertThat(s.magnitude().get(DOWN)).containsExactly(0, 0, 0, 0, 0, (float) Math.sqrt(30));
        assertThat(s.magnitude().get(GATE)).containsOnly(0f);
        Signature sig = Signature.select(s, PurifyConfig.Tau.of(0.1));
        assertThat(sig.flagged(DOWN)).containsExactly(5);
        // a down delta in one row touches every channel: rows are not channels there
        ChannelScores byRow = exact(0.01, List.of(Map.of(DOWN, row(SMALL, Matrix.DOWN, 1, 1, 1, 1, 1, 1, 1))));
        assertThat(byRow.magnitude().get(DOWN)).containsOnly(1f);
    }

    @Test
    void headsAreScoredOnTheirRowsAndColumns() {
        MatrixId q = new MatrixId(0, Matrix.Q);
        MatrixId o = new MatrixId(0, Matrix.O);
        MatrixId k = new MatrixId(0, Matrix.K);
        float[] qd = row(SMALL, Matrix.Q, 2, 3, 0, 0, 0); // row 2 is head 1's first row (head_dim 2)
        float[] od = column(SMALL, Matrix.O, 1, 0, 4, 0, 0); // column 1 belongs to head 0
        try (Deltas d = deltas(SMALL, Map.of(q, qd, o, od), true);
             ChannelScores.Accumulator acc = ChannelScores.accumulator(UnitStore.memory(DType.F32))) {
            acc.add(d);
            ChannelScores s = acc.finish(0.01);
            assertThat(s.magnitude().get(q)).containsExactly(0, 3);
            assertThat(s.magnitude().get(o)).containsExactly(4, 0);
            assertThat(s.magnitude().get(k)).hasSize(1);
            Signature sig = Signature.select(s, PurifyConfig.Tau.of(0.1), 1);
            assertThat(sig.flagged(q)).containsExactly(1);
            assertThat(sig.flagged(o)).containsExactly(0);
            assertThat(Signature.select(s, PurifyConfig.Tau.of(0.1)).selections()).doesNotContainKey(q);
        }
    }

    @Test
    void diskAndBf16StoresAgreeWithTheExactOne() {
        java.util.Random r = new java.util.Random(3);
        List<Map<MatrixId, float[]>> vs = List.of(
                Map.of(GATE, PurifyFixtures.gaussian(r, 24, 1), DOWN, PurifyFixtures.gaussian(r, 24, 1)),
                Map.of(GATE, PurifyFixtures.gaussian(r, 24, 1), DOWN, PurifyFixtures.gaussian(r, 24, 1)),
                Map.of(GATE, PurifyFixtures.gaussian(r, 24, 1), DOWN, PurifyFixtures.gaussian(r, 24, 1)));
        ChannelScores exact = exact(0.01, vs);
        ChannelScores disk;
        try (ChannelScores.Accumulator acc = ChannelScores.accumulator(UnitStore.disk(tmp, DType.F32))) {
            for (Map<MatrixId, float[]> v : vs) {
                acc.add(deltas(SMALL, v, false));
            }
            disk = acc.finish(0.01);
        }
        List<Supplier<Deltas>> suppliers =
                vs.stream().<Supplier<Deltas>>map(v -> () -> deltas(SMALL, v, false)).toList();
        ChannelScores bf16 = ChannelScores.compute(suppliers, 0.01);
        for (MatrixId id : exact.matrices()) {
            assertThat(disk.alignment().get(id)).containsExactly(exact.alignment().get(id));
            assertThat(disk.magnitude().get(id)).containsExactly(exact.magnitude().get(id));
            float[] a = exact.alignment().get(id);
            float[] b = bf16.alignment().get(id);
            for (int j = 0; j < a.length; j++) {
                assertThat(b[j]).isCloseTo(a[j], within(1e-2f));
            }
        }
        assertThat(exact.alignment().get(GATE)).as("random deltas align somewhere").isNotEqualTo(new float[6]);
    }

    /** Scores fed with references (exact store); variant i's Δ is {@code deltas[i]}, its clean update {@code refs[i]}. */
    static ChannelScores withReference(double lambda, List<Map<MatrixId, float[]>> deltas,
                                       List<Map<MatrixId, float[]>> refs) {
        try (ChannelScores.Accumulator acc = ChannelScores.accumulator(UnitStore.memory(DType.F32))) {
            for (int i = 0; i < deltas.size(); i++) {
                try (Deltas d = deltas(SMALL, deltas.get(i), false); Deltas u = deltas(SMALL, refs.get(i), false)) {
                    acc.add(d, u);
                }
            }
            return acc.finish(lambda);
        }
    }

    @Test
    void relativeRuleRanksDeltaAgainstTheCleanTwinsOwnUpdate() {
        // unit 0: large Δ (10) but the clean twin moved it as much (10); unit 1: moderate Δ (3), tiny clean update
        // (0.5); units 2-5: no Δ, clean update 1. Two identical variants: units 0 and 1 align fully.
        float[] delta = new float[24];
        set(delta, 0, 10, 0, 0, 0);
        set(delta, 1, 0, 3, 0, 0);
        float[] clean = new float[24];
        set(clean, 0, 6, 8, 0, 0);
        set(clean, 1, 0, 0, 0.5f, 0);
        for (int j = 2; j < 6; j++) {
            set(clean, j, 0, 0, 0, 1);
        }
        // variant 2's clean update differs in unit 2 only: the reference is the mean norm over variants
        float[] clean2 = clean.clone();
        set(clean2, 2, 0, 0, 0, 3);
        ChannelScores s = withReference(0.5, List.of(Map.of(GATE, delta), Map.of(GATE, delta)),
                List.of(Map.of(GATE, clean), Map.of(GATE, clean2)));
        assertThat(s.hasReference()).isTrue();
        assertThat(s.rule()).as("finish gives Eq. 2").isEqualTo(PurifyConfig.Score.EQ2);
        assertThat(s.reference().get(GATE)).containsExactly(new float[] {10, 0.5f, 2, 1, 1, 1}, within(1e-6f));
        assertThat(s.magnitude().get(GATE)).containsExactly(new float[] {10, 3, 0, 0, 0, 0}, within(1e-6f));

        float[] eq2 = s.scores(GATE);
        assertThat(eq2[0]).as("Eq. 2 ranks the large Δ first").isGreaterThan(eq2[1]);
        ChannelScores rel = s.withRule(PurifyConfig.Score.RELATIVE);
        double eps = 0.1 * (10 + 0.5 + 2 + 1 + 1 + 1) / 6;
        float[] r = rel.scores(GATE);
        assertThat(r[0]).isCloseTo((float) (10 / (10 + eps) + 0.5), within(1e-5f));
        assertThat(r[1]).isCloseTo((float) (3 / (0.5 + eps) + 0.5), within(1e-5f));
        assertThat(r[2]).isZero();
        assertThat(r[1]).as("relative ranks the moderate Δ with a tiny clean update first").isGreaterThan(r[0]);
        assertThat(Signature.select(rel, PurifyConfig.Tau.of(0.1)).flagged(GATE)).containsExactly(1);
        assertThat(Signature.select(s, PurifyConfig.Tau.of(0.1)).flagged(GATE)).containsExactly(0);
        // λ still scales only the alignment term, and switching back gives Eq. 2 again
        assertThat(rel.withLambda(1).scores(GATE)[1] - r[1]).isCloseTo(0.5f, within(1e-5f));
        assertThat(rel.withRule(PurifyConfig.Score.EQ2).scores(GATE)).containsExactly(eq2);
    }

    @Test
    void relativeEpsilonKeepsUnmovedUnitsFinite() {
        // GATE: unit 0 has Δ 2 but the clean twin left it alone (reference 0); the others' references are 1
        float[] clean = new float[24];
        for (int j = 1; j < 6; j++) {
            set(clean, j, 1, 0, 0, 0);
        }
        // UP: no clean twin moved it at all (mean reference 0): ranked by magnitude alone
        ChannelScores rel = withReference(0.01,
                List.of(Map.of(GATE, row(SMALL, Matrix.GATE, 0, 2), UP, row(SMALL, Matrix.UP, 3, 0, 5))),
                List.of(Map.of(GATE, clean))).withRule(PurifyConfig.Score.RELATIVE);
        double eps = 0.1 * 5.0 / 6;
        float[] g = rel.scores(GATE);
        assertThat(g[0]).isCloseTo((float) (2 / eps), within(1e-4f));
        assertThat(g[0]).as("bounded by ε, not infinite").isLessThan(100);
        assertThat(g[1]).isZero();
        assertThat(rel.scores(UP)).containsExactly(0, 0, 0, 5, 0, 0);
        assertThat(rel.scores(DOWN)).as("nothing moved: 0, not NaN").containsOnly(0f);
        assertThat(ChannelScores.relativeEpsilon(new float[] {0, 0})).isEqualTo(1);
        assertThat(ChannelScores.relativeEpsilon(new float[] {1, 3})).isCloseTo(0.2, within(1e-12));
    }

    @Test
    void relativeRuleWithoutReferenceIsRefused() {
        ChannelScores s = exact(0.01, List.of(Map.of(GATE, row(SMALL, Matrix.GATE, 2, 3, 4))));
        assertThat(s.hasReference()).isFalse();
        assertThatThrownBy(() -> s.withRule(PurifyConfig.Score.RELATIVE))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("relative")
                .hasMessageContaining("reference");
        try (ChannelScores.Accumulator acc = ChannelScores.accumulator(UnitStore.memory(DType.F32))) {
            acc.add(deltas(SMALL, Map.of(), false), deltas(SMALL, Map.of(), false));
            assertThatThrownBy(() -> acc.add(deltas(SMALL, Map.of(), false)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("variant 2")
                    .hasMessageContaining("reference");
            assertThatThrownBy(() -> acc.add(deltas(SMALL, Map.of(), false), deltas(SMALL, Map.of(), true)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reference");
        }
    }

    @Test
    void variantsMustCoverTheSameMatrices() {
        try (ChannelScores.Accumulator acc = ChannelScores.accumulator(UnitStore.memory(DType.BF16))) {
            acc.add(deltas(SMALL, Map.of(), false));
            assertThatThrownBy(() -> acc.add(deltas(SMALL, Map.of(), true)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("variant 2");
        }
        try (ChannelScores.Accumulator acc = ChannelScores.accumulator(UnitStore.memory(DType.BF16))) {
            assertThatThrownBy(() -> acc.finish(0.01)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void loraEffectiveDeltaIsTheDifferenceOfMergedWeights() {
        LlamaConfig c = TinyModels.config();
        LoraConfig bdCfg = new LoraConfig(4, 8, 0, List.of("all-linear"), false);
        LoraConfig cleanCfg = new LoraConfig(2, 6, 0, List.of("gate_proj", "q_proj"), false); // others: bd only
        try (LoraWeights bd = PurifyFixtures.randomLora(c, bdCfg, 1);
             LoraWeights clean = PurifyFixtures.randomLora(c, cleanCfg, 2);
             LlamaModel mb = TinyModels.model(c, 7, Precision.F32);
             LlamaModel mc = TinyModels.model(c, 7, Precision.F32)) {
            LoraMerge.merge(mb, bd);
            LoraMerge.merge(mc, clean);
            try (Deltas dense = Deltas.ofModels(mb, mc, true); Deltas lora = Deltas.ofAdapters(c, bd, clean, true)) {
                assertThat(lora.matrices()).isEqualTo(dense.matrices()).hasSize(2 * 7);
                for (MatrixId id : dense.matrices()) {
                    try (Tensor a = dense.delta(id); Tensor b = lora.delta(id)) {
                        assertThat(Tensors.shape(b)).containsExactly(id.matrix().shape(c));
                        float[] fa = Tensors.toFloats(a);
                        float[] fb = Tensors.toFloats(b);
                        double max = 0;
                        for (int i = 0; i < fa.length; i++) {
                            max = Math.max(max, Math.abs(fa[i] - fb[i]));
                        }
                        assertThat(max).as(id.toString()).isLessThan(1e-5);
                        assertThat(Tensors.toFloats(b)).as("not trivially zero").isNotEqualTo(new float[fb.length]);
                    }
                }
            }
        }
    }

    @Test
    void anEmptyAdapterSideGivesTheOtherSidesOwnUpdate() {
        LlamaConfig c = TinyModels.config();
        LoraConfig cfg = new LoraConfig(4, 8, 0, List.of("gate_proj", "down_proj"), false);
        try (LoraWeights clean = PurifyFixtures.randomLora(c, cfg, 3);
             LoraWeights none = new LoraWeights(cfg, Map.of());
             Deltas u = Deltas.ofAdapters(c, clean, none, false)) {
            for (MatrixId id : u.matrices()) {
                LoraWeights.Pair p = clean.pairs().get(id.modulePath());
                try (Tensor got = u.delta(id)) {
                    float[] g = Tensors.toFloats(got);
                    if (p == null) {
                        assertThat(g).as(id + ": not adapted, zero").containsOnly(0f);
                        continue;
                    }
                    try (Tensor want = LoraMerge.delta(p, cfg.scale())) {
                        assertThat(g).as(id.toString()).containsExactly(Tensors.toFloats(want), within(1e-6f));
                    }
                }
            }
        }
    }

    @Test
    void scoringManyVariantsHoldsOnlyTheStoredUnits() {
        // 12 MB of float32 deltas a variant, so a leak (180 MB over 15 variants) stands well clear of the RSS noise a
        // loaded machine shows (up to ~60 MB measured)
        LlamaConfig c = LlamaConfig.tiny(8, 256, 8, 4, 2, 512);
        java.util.Random r = new java.util.Random(1);
        Map<MatrixId, Tensor> dense = new java.util.HashMap<>();
        for (MatrixId id : Deltas.matrices(c, false)) {
            long[] shape = id.matrix().shape(c);
            dense.put(id, Tensors.fromFloats(PurifyFixtures.gaussian(r, (int) (shape[0] * shape[1]), 1), shape));
        }
        // the memory store holds what it should (6 MB of bf16 units a variant); a disk store's mapped pages would
        // count as resident too, so neither store makes RSS flat, but a leak of the float32 deltas adds 12 MB more
        try (ChannelScores.Accumulator acc = ChannelScores.accumulator(UnitStore.memory(DType.BF16))) {
            long warm = 0;
            for (int v = 0; v < 20; v++) {
                try (Deltas d = Deltas.of(c, dense, false)) {
                    acc.add(d);
                }
                if (v == 9) { // after the JVM heap and libtorch's allocator have warmed up
                    warm = org.bytedeco.javacpp.Pointer.physicalBytes();
                }
            }
            long growth = org.bytedeco.javacpp.Pointer.physicalBytes() - warm;
            assertThat(growth).as("resident growth over 10 variants: 60 MB stored; a leak of the deltas adds 120 MB")
                    .isLessThan(130L << 20);
            for (float a : acc.finish(0.01).alignment().get(new MatrixId(0, Matrix.GATE))) {
                assertThat(a).as("identical variants, bf16-stored").isCloseTo(1f, within(1e-2f));
            }
        } finally {
            dense.values().forEach(Tensor::close);
        }
    }

    private static void set(float[] gate, int row, float... v) {
        System.arraycopy(v, 0, gate, row * 4, v.length);
    }
}
