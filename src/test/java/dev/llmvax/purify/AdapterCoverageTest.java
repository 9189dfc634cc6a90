package dev.llmvax.purify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.llmvax.lora.LoraConfig;
import dev.llmvax.lora.LoraMerge;
import dev.llmvax.lora.LoraWeights;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.Tensors;
import dev.llmvax.purify.Signature.Selection;
import dev.llmvax.util.Provenance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The adapter's share in the signature's units: against a hand count, against zeroing, and at the extremes. */
class AdapterCoverageTest {
    static final LlamaConfig C = NeutraliserTest.C;
    static final MatrixId GATE = NeutraliserTest.GATE;
    static final MatrixId DOWN = NeutraliserTest.DOWN;
    static final MatrixId Q = NeutraliserTest.Q;

    @Test
    void energyShareIsTheFlaggedRowsAndColumnsShareOfTheDenseUpdate() {
        try (LoraWeights lora = PurifyFixtures.randomLora(C, new LoraConfig(4, 8, 0, List.of("all-linear"), false),
                3)) {
            Signature s = NeutraliserTest.signature();
            AdapterCoverage c = AdapterCoverage.of(lora, s, C);
            double[] gate = handCount(lora, GATE, s, false, 1);
            double[] down = handCount(lora, DOWN, s, true, 1);
            double[] q = handCount(lora, Q, s, false, C.headDim());
            assertThat(c.byType().get("gate")).isCloseTo(gate[0] / gate[1], within(1e-5));
            assertThat(c.byType().get("down")).isCloseTo(down[0] / down[1], within(1e-5));
            assertThat(c.byType().get("q")).isCloseTo(q[0] / q[1], within(1e-5));
            // 64 of 256 in three MLP matrices, 1 of 4 q heads, 2 of 4 o heads
            assertThat(c.unitShare()).isCloseTo((3 * 64 + 1 + 2) / (3 * 256.0 + 8), within(1e-12));
        }
    }

    @Test
    void zeroingTheSignatureRemovesExactlyItsShareOfTheAdapter() {
        try (LoraWeights lora = PurifyFixtures.randomLora(C, new LoraConfig(4, 8, 0, List.of("all-linear"), false),
                5)) {
            Signature s = NeutraliserTest.signature();
            double before = handCount(lora, GATE, s, false, 1)[1];
            double share = AdapterCoverage.of(lora, s, C).byType().get("gate");
            Neutraliser.applyToAdapter(lora, s, C);
            assertThat(handCount(lora, GATE, s, false, 1)[1]).isCloseTo(before * (1 - share), within(1e-4 * before));
            AdapterCoverage after = AdapterCoverage.of(lora, s, C);
            assertThat(after.energyShare()).isZero();
            assertThat(after.singlesOutAdapter()).isFalse();
        }
    }

    @Test
    void anUpdateOnlyInTheFlaggedRowsIsSingledOutAndAnEvenOneIsNot() {
        int[] flagged = {3, 17, 40, 41};
        Signature s = new Signature(Map.of(GATE, new Selection(256, flagged)));
        try (LoraWeights inFlagged = gateOnly(flagged, 1f, 0f);
             LoraWeights even = gateOnly(flagged, 1f, 1f)) {
            AdapterCoverage c = AdapterCoverage.of(inFlagged, s, C);
            assertThat(c.energyShare()).isCloseTo(1.0, within(1e-9));
            assertThat(c.lift()).isCloseTo(256 / 4.0, within(1e-6));
            assertThat(c.singlesOutAdapter()).isTrue();
            AdapterCoverage e = AdapterCoverage.of(even, s, C);
            assertThat(e.energyShare()).isCloseTo(4 / 256.0, within(1e-6));
            assertThat(e.singlesOutAdapter()).isFalse();
            assertThat(e.describe()).contains("1.6 %").contains("1.00x");
        }
    }

    @Test
    void matricesTheAdapterLeavesAloneCountWithNoUpdate() {
        Signature s = new Signature(Map.of(GATE, new Selection(256, new int[] {3}), DOWN,
                new Selection(256, new int[] {0, 1})));
        try (LoraWeights gate = gateOnly(new int[] {3}, 1f, 0f)) {
            AdapterCoverage c = AdapterCoverage.of(gate, s, C);
            assertThat(c.byType()).containsEntry("down", 0.0);
            assertThat(c.energyShare()).isCloseTo(1.0, within(1e-9));
            assertThat(c.unitShare()).isCloseTo(3 / 512.0, within(1e-12));
        }
    }

    @Test
    void aChanceLevelCoverageIsWarnedAboutInTheCardAndReport(@TempDir Path dir) throws IOException {
        AdapterCoverage weak = new AdapterCoverage(0.35, 0.34, Map.of("gate", 0.34));
        AdapterCoverage strong = new AdapterCoverage(0.35, 0.8, Map.of("gate", 0.8));
        Provenance prov = new Provenance("llmvax", "test", List.of("llmvax", "purify"),
                "2026-11-27T00:00:00Z", "25", "linux", "cpu", Map.of());
        PurifyOutput.write(dir, result(weak), prov);
        String card = Files.readString(dir.resolve("README.md"));
        assertThat(card).contains("Adapter coverage: the flagged units (35.0 %").contains("0.97x")
                .contains("Warning: " + PurifyOutput.WEAK_COVERAGE);
        assertThat(Files.readString(dir.resolve("report.html"))).contains("no better than random units");
        assertThat(Files.readString(dir.resolve("purify.json"))).contains("\"adapterCoverage\"")
                .contains("\"energyShare\" : 0.34");
        assertThat(PurifyOutput.modelCard(result(strong), prov)).contains("2.29x").doesNotContain("Warning");
        assertThat(PurifyOutput.modelCard(result(null), prov)).doesNotContain("Adapter coverage");
    }

    private static PurifyResult result(AdapterCoverage c) {
        return new PurifyResult(PurifyPresets.cpu(), c != null, 100, 0, List.of(), "signature.safetensors", false,
                new SignatureCounts(Map.of(0, Map.of("gate", 3)), Map.of("gate", 3), 3), null, c, List.of(), List.of(),
                Map.of("total", 1.0), null, null);
    }

    /** A gate_proj-only adapter of layer 1 whose B rows are {@code inFlagged} at {@code rows}, {@code elsewhere} off. */
    private static LoraWeights gateOnly(int[] rows, float inFlagged, float elsewhere) {
        int r = 2;
        Random rnd = new Random(9);
        float[] b = new float[C.intermediateSize() * r];
        Arrays.fill(b, elsewhere);
        for (int row : rows) {
            for (int k = 0; k < r; k++) {
                b[row * r + k] = inFlagged;
            }
        }
        Map<String, LoraWeights.Pair> pairs = new LinkedHashMap<>();
        pairs.put(GATE.modulePath(), new LoraWeights.Pair(
                Tensors.fromFloats(PurifyFixtures.gaussian(rnd, r * C.hiddenSize(), 0.1), r, C.hiddenSize()),
                Tensors.fromFloats(b, C.intermediateSize(), r)));
        return new LoraWeights(new LoraConfig(r, 2, 0, List.of("gate_proj"), false), pairs);
    }

    /** {flagged energy, all energy} of one matrix from the dense update, unit = {@code width} rows or columns. */
    private static double[] handCount(LoraWeights lora, MatrixId id, Signature s, boolean columns, int width) {
        try (Tensor d = LoraMerge.delta(lora, id.modulePath())) {
            float[] v = Tensors.toFloats(d);
            int out = (int) d.size(0);
            int in = (int) d.size(1);
            Set<Integer> flagged = new HashSet<>();
            for (int f : s.flagged(id)) {
                flagged.add(f);
            }
            double[] sum = new double[2];
            for (int i = 0; i < out; i++) {
                for (int j = 0; j < in; j++) {
                    double e = (double) v[i * in + j] * v[i * in + j];
                    int unit = (columns ? j : i) / width;
                    sum[1] += e;
                    if (flagged.contains(unit)) {
                        sum[0] += e;
                    }
                }
            }
            return sum;
        }
    }
}
