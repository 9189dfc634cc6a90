package dev.llmvax.purify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.llmvax.purify.Signature.Selection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The split-half agreement of two signatures: hand-made overlaps, chance level, halves. */
class SignatureAgreementTest {
    static final MatrixId G0 = new MatrixId(0, Matrix.GATE);
    static final MatrixId G1 = new MatrixId(1, Matrix.GATE);
    static final MatrixId D0 = new MatrixId(0, Matrix.DOWN);

    @Test
    void halvesInterleaveSoEachHalfSpansTheBindingList() {
        assertThat(SignatureAgreement.halves(6)).containsExactly(List.of(0, 2, 4), List.of(1, 3, 5));
        assertThat(SignatureAgreement.halves(3)).containsExactly(List.of(0, 2), List.of(1));
        assertThat(SignatureAgreement.halves(2)).containsExactly(List.of(0), List.of(1));
        assertThatThrownBy(() -> SignatureAgreement.halves(1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void agreementIsTheSharedShareByTypeAndPooled() {
        // gate: layer 0 shares 2 of 4, layer 1 shares 4 of 4 -> 6 / 8; down shares 0 of 2
        Signature a = new Signature(Map.of(
                G0, new Selection(100, new int[] {1, 2, 3, 4}),
                G1, new Selection(100, new int[] {10, 11, 12, 13}),
                D0, new Selection(50, new int[] {0, 1})));
        Signature b = new Signature(Map.of(
                G0, new Selection(100, new int[] {3, 4, 5, 6}),
                G1, new Selection(100, new int[] {13, 12, 11, 10}),
                D0, new Selection(50, new int[] {2, 3})));
        SignatureAgreement g = SignatureAgreement.of(a, b, SignatureAgreement.halves(6));
        assertThat(g.byType()).containsOnlyKeys("gate", "down");
        assertThat(g.byType().get("gate")).isCloseTo(6 / 8.0, within(1e-12));
        assertThat(g.byType().get("down")).isEqualTo(0.0);
        assertThat(g.overall()).isCloseTo(6 / 10.0, within(1e-12));
        // chance: 4*4/100 twice + 2*2/50 = 0.4 shared expected, over 10 flagged
        assertThat(g.chance()).isCloseTo(0.4 / 10, within(1e-12));
        assertThat(g.halfA()).containsExactly(1, 3, 5);
        assertThat(g.halfB()).containsExactly(2, 4, 6);
        assertThat(g.describe()).contains("variants 1,3,5 and 2,4,6 flag 60 % of the same channels")
                .contains("chance 4.0 %").contains("gate 75 %");
    }

    @Test
    void identicalSignaturesAgreeFullyAndRandomOnesNearChance() {
        Random r = new Random(7);
        int units = 2000;
        Map<MatrixId, float[]> sa = new TreeMap<>();
        Map<MatrixId, float[]> sb = new TreeMap<>();
        for (int layer = 0; layer < 20; layer++) {
            float[] x = new float[units];
            float[] y = new float[units];
            for (int j = 0; j < units; j++) {
                x[j] = r.nextFloat();
                y[j] = r.nextFloat();
            }
            sa.put(new MatrixId(layer, Matrix.UP), x);
            sb.put(new MatrixId(layer, Matrix.UP), y);
        }
        PurifyConfig.Tau tau = PurifyConfig.Tau.of(0.05);
        Signature a = Signature.select(SignatureTest.scores(sa, 0.01), tau);
        Signature b = Signature.select(SignatureTest.scores(sb, 0.01), tau);
        assertThat(SignatureAgreement.of(a, a, SignatureAgreement.halves(2)).overall()).isEqualTo(1.0);
        SignatureAgreement random = SignatureAgreement.of(a, b, SignatureAgreement.halves(2));
        assertThat(random.chance()).isCloseTo(0.05, within(1e-9));
        // 2,000 flagged channels: a binomial share around 5 %, sd under 0.5 %
        assertThat(random.overall()).isBetween(0.03, 0.07);
    }

    @Test
    void signaturesOverOtherMatricesAreRefused() {
        Signature a = new Signature(Map.of(G0, new Selection(10, new int[] {1})));
        Signature b = new Signature(Map.of(G1, new Selection(10, new int[] {1})));
        assertThatThrownBy(() -> SignatureAgreement.of(a, b, SignatureAgreement.halves(2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("different matrices");
    }
}
