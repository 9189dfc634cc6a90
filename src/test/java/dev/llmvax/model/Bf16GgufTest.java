package dev.llmvax.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmvax.SharedData;
import dev.llmvax.generate.GenerationOptions;
import dev.llmvax.generate.Generator;
import dev.llmvax.generate.TokenListener;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.junit.jupiter.api.Test;

/**
 * The bf16 path (the default on CPUs with native bf16) answers the README's question as transformers does in
 * fp32. Its top logits are recomputed in float32: with plain bf16 logits "The" (25.33) and "L" (25.24) tie
 * and the answer derails.
 */
class Bf16GgufTest {
    @Test
    void capitalOfFranceMatchesTheFp32Reference() throws Exception {
        JsonNode c = GoldenChecks.golden().get("cases").get(0);
        try (LoadedModel m = ModelLoader.load(SharedData.smolGguf(), Precision.BF16, new Device(DeviceType.CPU))) {
            List<int[]> out = new Generator(m.model()).generate(List.of(GoldenChecks.ints(c.get("input_ids"))),
                    GenerationOptions.greedy(32, Set.of(2)), TokenListener.NONE);
            assertThat(m.tokenizer().decode(out.getFirst())).isEqualTo(c.get("greedy32_text").asText());
        }
    }
}
