package dev.llmvax.purify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.llmvax.lora.LoraConfig;
import dev.llmvax.lora.LoraMerge;
import dev.llmvax.lora.LoraWeights;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Precision;
import dev.llmvax.model.Tensors;
import dev.llmvax.model.TinyModels;
import dev.llmvax.purify.PurifyConfig.Reinit;
import dev.llmvax.purify.Signature.Selection;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/** Re-initialisation statistics, bit-identical untouched values, adapter zeroing and the random control. */
class NeutraliserTest {
    /** hidden 128, intermediate 256, 4 heads of 32 over 2 kv heads: large enough for statistics. */
    static final LlamaConfig C = LlamaConfig.tiny(64, 128, 2, 4, 2, 256);
    static final MatrixId GATE = new MatrixId(1, Matrix.GATE);
    static final MatrixId UP = new MatrixId(0, Matrix.UP);
    static final MatrixId DOWN = new MatrixId(1, Matrix.DOWN);
    static final MatrixId Q = new MatrixId(0, Matrix.Q);
    static final MatrixId O = new MatrixId(1, Matrix.O);

    /** Every 4th channel of three MLP matrices (64 of 256), head 1 of q, heads 0 and 3 of o. */
    static Signature signature() {
        int[] every4th = java.util.stream.IntStream.range(0, 64).map(i -> 4 * i + 1).toArray();
        return new Signature(Map.of(GATE, new Selection(256, every4th), UP, new Selection(256, every4th),
                DOWN, new Selection(256, every4th), Q, new Selection(4, new int[] {1}),
                O, new Selection(4, new int[] {0, 3})));
    }

    static Map<String, float[]> snapshot(LlamaModel m) {
        Map<String, Tensor> w = m.weights();
        Map<String, float[]> out = new TreeMap<>();
        w.forEach((k, t) -> out.put(k, Tensors.toFloats(t)));
        w.values().forEach(Tensor::close);
        return out;
    }

    /** Whether element (r, c) of matrix {@code id} lies in a flagged unit. */
    static boolean flagged(Signature s, MatrixId id, long r, long c) {
        int g = id.matrix().unitWidth(C);
        long unit = (id.matrix().axis() == Matrix.Axis.ROW ? r : c) / g;
        for (int f : s.flagged(id)) {
            if (f == unit) {
                return true;
            }
        }
        return false;
    }

    /** The flagged values of {@code id} per unit, and checks every other value of the model is bit-identical. */
    static Map<String, List<Float>> changedOnlyInFlagged(Map<String, float[]> before, Map<String, float[]> after,
                                                          Signature s) {
        Map<String, List<Float>> units = new TreeMap<>();
        for (String name : before.keySet()) {
            MatrixId id = s.selections().keySet().stream().filter(m -> m.weightName().equals(name)).findFirst()
                    .orElse(null);
            float[] b = before.get(name);
            float[] a = after.get(name);
            if (id == null) {
                assertThat(a).as(name).containsExactly(b);
                continue;
            }
            long cols = id.matrix().shape(C)[1];
            for (int i = 0; i < b.length; i++) {
                long r = i / cols;
                long c = i % cols;
                if (flagged(s, id, r, c)) {
                    int g = id.matrix().unitWidth(C);
                    int unit = (int) ((id.matrix().axis() == Matrix.Axis.ROW ? r : c) / g);
                    units.computeIfAbsent(id + "#" + unit, k -> new java.util.ArrayList<>()).add(a[i]);
                } else {
                    assertThat(Float.floatToRawIntBits(a[i])).as("%s[%d, %d] untouched", name, r, c)
                            .isEqualTo(Float.floatToRawIntBits(b[i]));
                }
            }
        }
        return units;
    }

    @Test
    void zeroCutsExactlyTheFlaggedRowsAndColumns() {
        try (LlamaModel m = TinyModels.model(C, 3, Precision.F32)) {
            Map<String, float[]> before = snapshot(m);
            Neutraliser.apply(m, signature(), Reinit.ZERO, 0.5, 1);
            Map<String, List<Float>> units = changedOnlyInFlagged(before, snapshot(m), signature());
            assertThat(units).hasSize(64 * 3 + 1 + 2);
            units.values().forEach(v -> assertThat(v).containsOnly(0f));
        }
    }

    @Test
    void scaleMultipliesExactlyTheFlaggedUnitsByTheFactor() {
        try (LlamaModel m = TinyModels.model(C, 3, Precision.F32)) {
            Map<String, float[]> before = snapshot(m);
            Neutraliser.apply(m, signature(), Reinit.SCALE, 0.25, 1);
            Map<String, float[]> after = snapshot(m);
            changedOnlyInFlagged(before, after, signature());
            int scaled = 0;
            for (MatrixId id : signature().selections().keySet()) {
                float[] b = before.get(id.weightName());
                float[] a = after.get(id.weightName());
                long cols = id.matrix().shape(C)[1];
                for (int i = 0; i < a.length; i++) {
                    if (flagged(signature(), id, i / cols, i % cols)) {
                        assertThat(a[i]).as("%s[%d]", id, i).isEqualTo(b[i] * 0.25f); // a power of two: exact
                        scaled++;
                    }
                }
            }
            assertThat(scaled).isPositive();
        }
    }

    @Test
    void xavierIsUniformWithinTheSlicesBound() {
        try (LlamaModel m = TinyModels.model(C, 3, Precision.F32)) {
            Map<String, float[]> before = snapshot(m);
            Neutraliser.apply(m, signature(), Reinit.XAVIER, 0.5, 1);
            Map<String, float[]> after = snapshot(m);
            changedOnlyInFlagged(before, after, signature());
            double channelBound = Math.sqrt(6.0 / (128 + 1)); // a (1, 128) row or a (128, 1) column
            for (MatrixId id : List.of(GATE, DOWN)) {
                float[] a = after.get(id.weightName());
                long cols = id.matrix().shape(C)[1];
                double sum = 0;
                double sq = 0;
                int n = 0;
                for (int i = 0; i < a.length; i++) {
                    if (flagged(signature(), id, i / cols, i % cols)) {
                        assertThat(Math.abs(a[i])).isLessThanOrEqualTo((float) channelBound);
                        sum += a[i];
                        sq += (double) a[i] * a[i];
                        n++;
                    }
                }
                assertThat(n).isEqualTo(64 * 128);
                assertThat(sum / n).isCloseTo(0, within(0.01 * channelBound));
                assertThat(sq / n).as("uniform variance b²/3").isCloseTo(channelBound * channelBound / 3,
                        within(0.05 * channelBound * channelBound / 3));
            }
            double headBound = Math.sqrt(6.0 / (128 + 32)); // q head slice (32, 128)
            float[] q = after.get(Q.weightName());
            double max = 0;
            for (int i = 32 * 128; i < 64 * 128; i++) {
                max = Math.max(max, Math.abs(q[i]));
            }
            assertThat(max).isLessThanOrEqualTo(headBound).isGreaterThan(0.9 * headBound);
        }
    }

    @Test
    void matchedGivesEachFlaggedUnitTheRmsOfTheUnflaggedOnes() {
        try (LlamaModel m = TinyModels.model(C, 3, Precision.F32);
             LlamaModel twin = TinyModels.model(C, 3, Precision.F32);
             LlamaModel other = TinyModels.model(C, 3, Precision.F32)) {
            Map<String, float[]> before = snapshot(m);
            Neutraliser.apply(m, signature(), Reinit.MATCHED, 0.5, 7);
            Map<String, float[]> after = snapshot(m);
            Map<String, List<Float>> units = changedOnlyInFlagged(before, after, signature());
            for (MatrixId id : List.of(GATE, UP, DOWN, Q, O)) {
                double sigma = unflaggedMeanRms(before.get(id.weightName()), id);
                for (int f : signature().flagged(id)) {
                    List<Float> v = units.get(id + "#" + f);
                    double rms = Math.sqrt(v.stream().mapToDouble(x -> (double) x * x).sum() / v.size());
                    assertThat(rms).as("%s unit %d", id, f).isCloseTo(sigma, within(1e-5 * sigma));
                }
            }
            Neutraliser.apply(twin, signature(), Reinit.MATCHED, 0.5, 7);
            assertThat(snapshot(twin)).as("seeded").usingRecursiveComparison().isEqualTo(after);
            Neutraliser.apply(other, signature(), Reinit.MATCHED, 0.5, 8);
            assertThat(snapshot(other).get(GATE.weightName())).isNotEqualTo(after.get(GATE.weightName()));
        }
    }

    /** Mean over unflagged units of each unit's RMS, computed here independently of the library. */
    private static double unflaggedMeanRms(float[] w, MatrixId id) {
        long cols = id.matrix().shape(C)[1];
        int units = id.matrix().units(C);
        int g = id.matrix().unitWidth(C);
        double[] sq = new double[units];
        int[] n = new int[units];
        for (int i = 0; i < w.length; i++) {
            long r = i / cols;
            long c = i % cols;
            int u = (int) ((id.matrix().axis() == Matrix.Axis.ROW ? r : c) / g);
            sq[u] += (double) w[i] * w[i];
            n[u]++;
        }
        double sum = 0;
        int k = 0;
        for (int u = 0; u < units; u++) {
            if (!flagged(signature(), id, id.matrix().axis() == Matrix.Axis.ROW ? (long) u * g : 0,
                    id.matrix().axis() == Matrix.Axis.ROW ? 0 : (long) u * g)) {
                sum += Math.sqrt(sq[u] / n[u]);
                k++;
            }
        }
        return sum / k;
    }

    @Test
    void bf16ModelsAreEditedInTheirOwnDtype() {
        try (LlamaModel m = TinyModels.model(C, 3, Precision.BF16)) {
            Map<String, float[]> before = snapshot(m);
            Neutraliser.apply(m, signature(), Reinit.MATCHED, 0.5, 7);
            Map<String, List<Float>> units = changedOnlyInFlagged(before, snapshot(m), signature());
            assertThat(units.values()).allMatch(v -> v.stream().anyMatch(x -> x != 0));
        }
    }

    @Test
    void adapterModeZeroesFlaggedRowsOfBAndColumnsOfAOnly() {
        LoraConfig cfg = new LoraConfig(4, 8, 0, List.of("all-linear"), false);
        try (LoraWeights lora = PurifyFixtures.randomLora(C, cfg, 11)) {
            Map<String, byte[]> before = new HashMap<>();
            lora.pairs().forEach((mod, p) -> {
                before.put(mod + ".A", bytes(p.a()));
                before.put(mod + ".B", bytes(p.b()));
            });
            Neutraliser.AdapterResult r = Neutraliser.applyToAdapter(lora, signature(), C);
            assertThat(r.units()).isEqualTo(64 * 3 + 1 + 2);
            assertThat(r.notAdapted()).isEmpty();
            lora.pairs().forEach((mod, p) -> {
                MatrixId id = signature().selections().keySet().stream().filter(m -> m.modulePath().equals(mod))
                        .findFirst().orElse(null);
                boolean rowUnit = id != null && id.matrix().axis() == Matrix.Axis.ROW;
                boolean colUnit = id != null && !rowUnit;
                // B (out, r): flagged output rows zero when the unit is a row; A (r, in): flagged columns otherwise
                checkBytes(before.get(mod + ".B"), bytes(p.b()), p.b().size(1),
                        (row, col) -> rowUnit && flagged(signature(), id, row, 0));
                checkBytes(before.get(mod + ".A"), bytes(p.a()), p.a().size(1),
                        (row, col) -> colUnit && flagged(signature(), id, 0, col));
            });
            try (Tensor d = LoraMerge.delta(lora, GATE.modulePath());
                 Tensor dd = LoraMerge.delta(lora, DOWN.modulePath())) {
                float[] g = Tensors.toFloats(d);
                float[] dn = Tensors.toFloats(dd);
                for (int j : signature().flagged(GATE)) {
                    for (int i = 0; i < 128; i++) {
                        assertThat(g[j * 128 + i]).isZero();
                        assertThat(dn[i * 256 + j]).isZero();
                    }
                }
            }
        }
        try (LoraWeights some = PurifyFixtures.randomLora(C, new LoraConfig(2, 2, 0, List.of("gate_proj"), false), 1)) {
            assertThat(Neutraliser.applyToAdapter(some, signature(), C).notAdapted()).containsExactly(UP, Q, DOWN, O);
        }
    }

    interface Cell {
        boolean zeroed(long row, long col);
    }

    private static void checkBytes(byte[] before, byte[] after, long cols, Cell zeroed) {
        int changed = 0;
        int wrong = 0;
        for (int i = 0; i < before.length / 4; i++) {
            boolean z = zeroed.zeroed(i / cols, i % cols);
            changed += z ? 1 : 0;
            for (int k = 0; k < 4; k++) {
                wrong += after[4 * i + k] != (z ? 0 : before[4 * i + k]) ? 1 : 0;
            }
        }
        assertThat(wrong).as("bytes that are not zero where flagged or not identical elsewhere").isZero();
        assertThat(changed).isLessThan(before.length / 4);
    }

    private static byte[] bytes(Tensor t) {
        return Tensors.toSegment(t, ScalarType.Float).toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void aSignatureOfAnotherModelIsRefused() {
        LlamaConfig small = LlamaConfig.tiny(64, 128, 2, 4, 2, 200);
        try (LlamaModel m = TinyModels.model(small, 3, Precision.F32)) {
            assertThatThrownBy(() -> Neutraliser.apply(m, signature(), Reinit.ZERO, 0.5, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another model");
        }
    }

    @Test
    void randomChannelsMatchCountsAndAreUniform() {
        Signature s = signature();
        Signature r = RandomChannels.like(s, 5);
        assertThat(r.counts()).isEqualTo(s.counts());
        r.selections().forEach((id, sel) -> assertThat(sel.units()).isEqualTo(s.selections().get(id).units()));
        assertThat(RandomChannels.like(s, 5)).isEqualTo(r);
        assertThat(RandomChannels.like(s, 6)).isNotEqualTo(r);
        int[] hits = new int[20];
        Signature five = new Signature(Map.of(GATE, new Selection(20, new int[] {0, 1, 2, 3, 4})));
        for (long seed = 0; seed < 2000; seed++) {
            for (int j : RandomChannels.like(five, seed).flagged(GATE)) {
                hits[j]++;
            }
        }
        for (int h : hits) {
            assertThat(h).isBetween(420, 580); // expected 500 = 2000 x 5 / 20; sd ~19
        }
    }

    @Test
    void randomChannelsSkipSparedChannels() {
        Signature five = new Signature(Map.of(GATE, new Selection(20, new int[] {0, 1, 2, 3, 4}),
                new MatrixId(1, Matrix.DOWN), new Selection(20, new int[] {5, 6, 7})));
        boolean[][] spared = new boolean[2][20];
        for (int j = 0; j < 10; j++) {
            spared[1][j] = true; // layer 1: the first half is never drawn
        }
        boolean[] seen = new boolean[20];
        for (long seed = 0; seed < 200; seed++) {
            Signature r = RandomChannels.like(five, seed, spared);
            assertThat(r.counts()).isEqualTo(five.counts());
            for (int j : r.flagged(GATE)) {
                assertThat(j).isGreaterThanOrEqualTo(10);
                seen[j] = true;
            }
            assertThat(Arrays.stream(r.flagged(new MatrixId(1, Matrix.DOWN))).min().orElseThrow())
                    .isGreaterThanOrEqualTo(10);
        }
        for (int j = 10; j < 20; j++) {
            assertThat(seen[j]).as("channel %d drawn", j).isTrue();
        }
        boolean[][] most = new boolean[2][20];
        Arrays.fill(most[1], 0, 17, true); // 3 eligible channels cannot give the gate its 5
        assertThatThrownBy(() -> RandomChannels.like(five, 1, most)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot draw 5 units from 3 eligible");
    }
}
