package dev.llmvax.purify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmvax.io.ModelFormatException;
import dev.llmvax.io.SafetensorsWriter;
import dev.llmvax.purify.PurifyConfig.Tau;
import dev.llmvax.purify.Signature.Selection;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Scale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-matrix top-τ selection, its counts, and signature.safetensors. */
class SignatureTest {
    @TempDir
    Path tmp;

    static final MatrixId G0 = new MatrixId(0, Matrix.GATE);
    static final MatrixId D0 = new MatrixId(0, Matrix.DOWN);
    static final MatrixId Q1 = new MatrixId(1, Matrix.Q);

    static ChannelScores scores(Map<MatrixId, float[]> magnitude, double lambda) {
        Map<MatrixId, float[]> align = new TreeMap<>();
        magnitude.forEach((id, m) -> align.put(id, new float[m.length]));
        return new ChannelScores(magnitude, align, 3, lambda);
    }

    @Test
    void countIsRoundedAndAtLeastOne() {
        assertThat(Signature.count(1536, 0.03)).isEqualTo(46); // 46.08
        assertThat(Signature.count(11008, 0.03)).isEqualTo(330); // 330.24: ceil would give 331
        assertThat(Signature.count(100, 0.07)).isEqualTo(7); // 7.000000000000001: ceil would give 8
        assertThat(Signature.count(10, 0.25)).isEqualTo(3); // 2.5: halves up
        assertThat(Signature.count(48, 0.005)).isEqualTo(1); // 0.24: at least one
        assertThat(Signature.count(1, 0.99)).isEqualTo(1);
        assertThatThrownBy(() -> Signature.count(10, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Property(tries = 200)
    void selectionFlagsTheTopCountOfEachMatrix(@ForAll @IntRange(min = 1, max = 3000) int units,
                                               @ForAll @DoubleRange(min = 0.001, max = 0.999) @Scale(4) double tau,
                                               @ForAll long seed) {
        Random r = new Random(seed);
        float[] g = new float[units];
        float[] d = new float[units];
        for (int j = 0; j < units; j++) {
            g[j] = r.nextInt(50); // many ties
            d[j] = 1000 + r.nextFloat(); // another scale: ranked on its own
        }
        Signature s = Signature.select(scores(Map.of(G0, g, D0, d), 0.01), new Tau(tau, 0.5, tau));
        int k = Signature.count(units, tau);
        assertThat(k).isBetween(1, units);
        assertThat(Math.abs(k - tau * units) <= 0.5 || k == 1).isTrue();
        for (MatrixId id : new MatrixId[] {G0, D0}) {
            float[] v = id == G0 ? g : d;
            int[] f = s.flagged(id);
            assertThat(f).hasSize(k);
            boolean[] in = new boolean[units];
            float minFlagged = Float.POSITIVE_INFINITY;
            for (int j : f) {
                in[j] = true;
                minFlagged = Math.min(minFlagged, v[j]);
            }
            int lastAtMin = -1;
            for (int j : f) {
                if (v[j] == minFlagged) {
                    lastAtMin = Math.max(lastAtMin, j);
                }
            }
            for (int j = 0; j < units; j++) {
                if (!in[j]) {
                    assertThat(v[j] < minFlagged || (v[j] == minFlagged && j > lastAtMin))
                            .as("unflagged %d (%s) outranks a flagged one; ties go to the lower index", j, v[j])
                            .isTrue();
                }
            }
        }
        assertThat(s.counts()).containsEntry(G0, k).containsEntry(D0, k);
        assertThat(s.total()).isEqualTo(2 * k);
    }

    @Test
    void modelScopeRanksEachTypeAcrossLayers() {
        MatrixId g1 = new MatrixId(1, Matrix.GATE);
        MatrixId d1 = new MatrixId(1, Matrix.DOWN);
        // layer 1's gate scores all beat layer 0's; down scores tie across layers (lower layer first)
        float[] g0 = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        float[] gl1 = {20, 11, 19, 12, 18, 13, 17, 14, 16, 15};
        float[] d = {5, 1, 5, 1, 5, 1, 5, 1, 5, 1};
        ChannelScores sc = scores(Map.of(G0, g0, g1, gl1, D0, d, d1, d.clone(), Q1, new float[] {9, 1}), 0.01);
        Signature s = Signature.select(sc, new Tau(0.2, 0.5, 0.3, PurifyConfig.TauScope.MODEL), 1);
        assertThat(s.flagged(G0)).as("20 gate channels, τ 20 %: 4, all in layer 1").isEmpty();
        assertThat(s.flagged(g1)).containsExactly(0, 2, 4, 6);
        assertThat(s.flagged(D0)).as("6 of 20 down channels: five 5s in layer 0, then the first in layer 1")
                .containsExactly(0, 2, 4, 6, 8);
        assertThat(s.flagged(d1)).containsExactly(0);
        assertThat(s.selections().get(G0).units()).isEqualTo(10);
        assertThat(s.flagged(Q1)).as("heads are still counted per matrix").containsExactly(0);
        assertThat(s.total()).isEqualTo(4 + 6 + 1);
        Signature perMatrix = Signature.select(sc, new Tau(0.2, 0.5, 0.3), 0);
        assertThat(perMatrix.flagged(G0)).containsExactly(8, 9);
        assertThat(perMatrix.flagged(g1)).containsExactly(0, 2);
        Signature firstOnly = Signature.select(sc, new Tau(0.2, 0.5, 0.3, PurifyConfig.TauScope.MATRIX, 0, 0), 0);
        assertThat(firstOnly.selections()).as("layer 1 is left out").containsOnlyKeys(G0, D0);
        assertThat(firstOnly.flagged(G0)).containsExactly(8, 9);
        Signature secondAcross = Signature.select(sc, new Tau(0.2, 0.5, 0.3, PurifyConfig.TauScope.MODEL, 1,
                Tau.ALL_LAYERS), 0);
        assertThat(secondAcross.selections()).containsOnlyKeys(g1, d1);
        assertThat(secondAcross.flagged(g1)).as("20 % of layer 1's 10 alone").containsExactly(0, 2);
        assertThat(secondAcross.flagged(d1)).containsExactly(0, 2, 4);
    }

    @Test
    void sparedChannelsAreNeverFlaggedAndTheCountStays() {
        MatrixId g1 = new MatrixId(1, Matrix.GATE);
        float[] g0 = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        float[] gl1 = {20, 11, 19, 12, 18, 13, 17, 14, 16, 15};
        ChannelScores sc = scores(Map.of(G0, g0, g1, gl1, D0, g0.clone()), 0.01);
        boolean[][] spared = new boolean[2][10];
        spared[0][9] = true; // layer 0's best channel, for gate and down alike
        spared[1][0] = true;
        spared[1][2] = true;
        Signature s = Signature.select(sc, new Tau(0.2, 0.5, 0.2), 0, spared);
        assertThat(s.flagged(G0)).containsExactly(7, 8);
        assertThat(s.flagged(D0)).containsExactly(7, 8);
        assertThat(s.flagged(g1)).containsExactly(4, 6);
        assertThat(Signature.select(sc, new Tau(0.2, 0.5, 0.2), 0, null).flagged(g1)).containsExactly(0, 2);
        Signature across = Signature.select(sc, new Tau(0.2, 0.5, 0.2, PurifyConfig.TauScope.MODEL, 0,
                Tau.ALL_LAYERS), 0, spared);
        assertThat(across.flagged(g1)).as("4 of 20, none spared").containsExactly(4, 6, 8, 9);
        assertThatThrownBy(() -> Signature.select(sc, Tau.of(0.2), 0, new boolean[][] {new boolean[3],
                new boolean[10]})).hasMessageContaining("mask of layer 0 has 3 channels");
    }

    @Test
    void tiesGoToTheLowerIndexAndNaNIsRefused() {
        Signature s = Signature.select(scores(Map.of(G0, new float[10]), 0), Tau.of(0.3));
        assertThat(s.flagged(G0)).containsExactly(0, 1, 2);
        float[] bad = new float[10];
        bad[4] = Float.NaN;
        assertThatThrownBy(() -> Signature.select(scores(Map.of(G0, bad), 0), Tau.of(0.3)))
                .hasMessageContaining("unit 4 of model.layers.0.mlp.gate_proj is NaN");
    }

    @Test
    void headsTakeACountPerAttentionMatrix() {
        Map<MatrixId, float[]> m = Map.of(G0, new float[] {1, 3, 2}, Q1, new float[] {0.5f, 0.1f, 0.9f, 0.2f});
        assertThat(Signature.select(scores(m, 0), Tau.of(0.34), 2).flagged(Q1)).containsExactly(0, 2);
        assertThat(Signature.select(scores(m, 0), Tau.of(0.34), 9).flagged(Q1)).hasSize(4);
        Signature noHeads = Signature.select(scores(m, 0), Tau.of(0.34));
        assertThat(noHeads.selections().keySet()).containsExactly(G0);
        assertThat(noHeads.flagged(G0)).containsExactly(1);
        assertThat(noHeads.flagged(Q1)).isEmpty();
    }

    @Test
    void signatureFileRoundTripsAndLetsTauChange() {
        Random r = new Random(5);
        Map<MatrixId, float[]> mag = new TreeMap<>();
        Map<MatrixId, float[]> align = new TreeMap<>();
        for (MatrixId id : new MatrixId[] {G0, D0, new MatrixId(1, Matrix.UP), Q1}) {
            int n = id.matrix().isAttention() ? 4 : 40;
            mag.put(id, PurifyFixtures.gaussian(r, n, 1));
            align.put(id, PurifyFixtures.gaussian(r, n, 0.3));
        }
        ChannelScores s = new ChannelScores(mag, align, 6, 0.01);
        Path f = tmp.resolve(SignatureFile.FILE_NAME);
        SignatureFile.write(f, s, "abc123");
        SignatureFile.Stored back = SignatureFile.read(f);
        assertThat(back.configSha256()).isEqualTo("abc123");
        assertThat(back.scores().variants()).isEqualTo(6);
        assertThat(back.scores().lambda()).isEqualTo(0.01);
        assertThat(back.scores().matrices()).containsExactlyElementsOf(s.matrices());
        for (MatrixId id : s.matrices()) {
            assertThat(back.scores().magnitude().get(id)).containsExactly(mag.get(id));
            assertThat(back.scores().alignment().get(id)).containsExactly(align.get(id));
        }
        for (double tau : new double[] {0.05, 0.3}) {
            assertThat(Signature.select(back.scores(), Tau.of(tau), 1))
                    .isEqualTo(Signature.select(s, Tau.of(tau), 1));
        }
        try (var sf = dev.llmvax.io.SafetensorsFile.open(f)) {
            assertThat(sf.tensors()).containsKeys("model.layers.0.mlp.gate_proj.channel_scores",
                    "model.layers.1.self_attn.q_proj.head_alignment");
            assertThat(sf.toFloats("model.layers.0.mlp.down_proj.channel_scores")).containsExactly(s.scores(D0));
            assertThat(sf.tensors()).doesNotContainKey("model.layers.0.mlp.gate_proj.channel_reference");
        }
        assertThat(back.scores().hasReference()).isFalse();
        assertThat(back.scores().rule()).isEqualTo(PurifyConfig.Score.EQ2);
        assertThatThrownBy(() -> back.scores().withRule(PurifyConfig.Score.RELATIVE))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("reference");
    }

    @Test
    void signatureFileRoundTripsTheReferenceTermAndTheRule() {
        Random r = new Random(6);
        Map<MatrixId, float[]> mag = new TreeMap<>();
        Map<MatrixId, float[]> align = new TreeMap<>();
        Map<MatrixId, float[]> ref = new TreeMap<>();
        for (MatrixId id : new MatrixId[] {G0, D0, Q1}) {
            int n = id.matrix().isAttention() ? 4 : 40;
            mag.put(id, abs(PurifyFixtures.gaussian(r, n, 1)));
            align.put(id, abs(PurifyFixtures.gaussian(r, n, 0.3)));
            ref.put(id, abs(PurifyFixtures.gaussian(r, n, 1)));
        }
        ChannelScores s = new ChannelScores(mag, align, ref, 3, 0.01, PurifyConfig.Score.RELATIVE);
        Path f = tmp.resolve(SignatureFile.FILE_NAME);
        SignatureFile.write(f, s, "def456");
        ChannelScores back = SignatureFile.read(f).scores();
        assertThat(back.rule()).isEqualTo(PurifyConfig.Score.RELATIVE);
        assertThat(back.hasReference()).isTrue();
        for (MatrixId id : s.matrices()) {
            assertThat(back.reference().get(id)).containsExactly(ref.get(id));
            assertThat(back.scores(id)).containsExactly(s.scores(id));
        }
        try (var sf = dev.llmvax.io.SafetensorsFile.open(f)) {
            assertThat(sf.toFloats("model.layers.1.self_attn.q_proj.head_reference")).containsExactly(ref.get(Q1));
            assertThat(sf.toFloats("model.layers.0.mlp.gate_proj.channel_scores")).as("stored under its rule")
                    .containsExactly(s.scores(G0)).isNotEqualTo(s.withRule(PurifyConfig.Score.EQ2).scores(G0));
        }
        // the same file serves the other rule
        assertThat(Signature.select(back.withRule(PurifyConfig.Score.EQ2), Tau.of(0.1)))
                .isEqualTo(Signature.select(s.withRule(PurifyConfig.Score.EQ2), Tau.of(0.1)));
    }

    @Test
    void anOldSignatureFileWithoutReferenceOrRuleStillReads() {
        Path f = tmp.resolve("old.safetensors");
        String p = "model.layers.0.mlp.gate_proj.channel_";
        SafetensorsWriter.write(f, Map.of("format", "pt", SignatureFile.META_KIND, "purify-signature-scores",
                SignatureFile.META_LAMBDA, "0.01", SignatureFile.META_VARIANTS, "2", SignatureFile.META_CONFIG, "x"),
                java.util.List.of(SafetensorsWriter.f32(p + "scores", new long[] {2}, new float[] {1, 2}),
                        SafetensorsWriter.f32(p + "magnitude", new long[] {2}, new float[] {1, 2}),
                        SafetensorsWriter.f32(p + "alignment", new long[] {2}, new float[] {0, 0})));
        ChannelScores back = SignatureFile.read(f).scores();
        assertThat(back.rule()).isEqualTo(PurifyConfig.Score.EQ2);
        assertThat(back.hasReference()).isFalse();
        assertThat(back.scores(G0)).containsExactly(1, 2);
    }

    private static float[] abs(float[] v) {
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.abs(v[i]);
        }
        return v;
    }

    @Test
    void aFileThatIsNotASignatureIsRefused() {
        Path f = tmp.resolve("other.safetensors");
        SafetensorsWriter.write(f, Map.of("format", "pt"),
                java.util.List.of(SafetensorsWriter.f32("x", new long[] {1}, new float[] {1})));
        assertThatThrownBy(() -> SignatureFile.read(f)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("not a purify signature file");
    }

    @Test
    void selectionsAreValueObjects() {
        assertThat(new Selection(5, new int[] {3, 1})).isEqualTo(new Selection(5, new int[] {1, 3}));
        assertThatThrownBy(() -> new Selection(5, new int[] {5})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Selection(5, new int[] {1, 1})).isInstanceOf(IllegalArgumentException.class);
        assertThat(Arrays.toString(new Selection(5, new int[] {2}).flagged())).isEqualTo("[2]");
    }
}
