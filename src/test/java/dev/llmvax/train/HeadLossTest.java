package dev.llmvax.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.llmvax.data.Batch;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Precision;
import dev.llmvax.model.Tensors;
import dev.llmvax.model.TinyModels;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** The hand-written head gradient must equal autograd's through the plain cross-entropy. */
class HeadLossTest {
    @Test
    void fusedHeadLossMatchesAutogradForEveryTensor() {
        LlamaConfig c = TinyModels.config();
        Batch b = TrainFixtures.memorise(c.vocabSize(), 4, 4, 9).batch(0, 0);
        List<float[]> viaAutograd = new ArrayList<>();
        double lossAutograd;
        try (LlamaModel m = TinyModels.model(c, 1, Precision.F32); FullTrainable t = new FullTrainable(m);
             PointerScope scope = new PointerScope()) {
            Tensor loss = Trainer.sumLoss(m, null, b).div(new Scalar(7.0));
            loss.backward();
            lossAutograd = loss.item_double();
            for (Tensor g : t.grads()) {
                viaAutograd.add(Tensors.toFloats(g));
            }
        }
        try (LlamaModel m = TinyModels.model(c, 1, Precision.F32); FullTrainable t = new FullTrainable(m);
             PointerScope scope = new PointerScope()) {
            double loss = Trainer.microStep(m, t, b, 7);
            assertThat(loss).isCloseTo(lossAutograd, offset(1e-5));
            List<Tensor> grads = t.grads();
            assertThat(grads).hasSameSizeAs(viaAutograd);
            for (int i = 0; i < grads.size(); i++) {
                float[] got = Tensors.toFloats(grads.get(i));
                float[] want = viaAutograd.get(i);
                assertThat(got).as(t.names().get(i)).hasSameSizeAs(want);
                for (int k = 0; k < got.length; k++) {
                    assertThat(got[k]).as(t.names().get(i) + "[" + k + "]").isCloseTo(want[k], offset(2e-5f));
                }
            }
        }
    }
}
