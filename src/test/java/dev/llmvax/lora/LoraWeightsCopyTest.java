package dev.llmvax.lora;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmvax.model.Tensors;
import dev.llmvax.model.TinyModels;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;

/** A copied adapter is independent of its source and outlives the scope it was made in. */
class LoraWeightsCopyTest {

    @Test
    void copyIsIndependentAndSurvivesTheCallersScope() {
        LoraConfig cfg = new LoraConfig(2, 4, 0, List.of("q_proj", "down_proj"), false);
        try (LoraWeights src = LoraWeights.init(TinyModels.config(), cfg, 11)) {
            LoraWeights copy;
            try (PointerScope scope = new PointerScope()) {
                copy = src.copy();
            }
            try (copy) {
                assertThat(copy.config()).isEqualTo(cfg);
                assertThat(copy.pairs().keySet()).containsExactlyElementsOf(src.pairs().keySet());
                String key = src.pairs().keySet().iterator().next();
                float[] before = Tensors.toFloats(src.pairs().get(key).a());
                assertThat(Tensors.toFloats(copy.pairs().get(key).a())).containsExactly(before);
                copy.pairs().get(key).a().fill_(new org.bytedeco.pytorch.Scalar(3.0));
                copy.pairs().get(key).b().fill_(new org.bytedeco.pytorch.Scalar(1.0));
                assertThat(Tensors.toFloats(src.pairs().get(key).a())).containsExactly(before);
                assertThat(Tensors.toFloats(src.pairs().get(key).b())).containsOnly(0f);
            }
        }
    }
}
