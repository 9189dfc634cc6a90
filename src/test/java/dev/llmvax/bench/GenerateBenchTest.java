package dev.llmvax.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class GenerateBenchTest {
    @Test
    void readsTheReferenceLineAndKeepsTheBestOfEachPhase() throws Exception {
        var n = new ObjectMapper().readTree("{\"impl\": \"pytorch-eager\", \"dtype\": \"bf16\", \"batch\": 32, "
                + "\"prompt_len\": 64, \"new_tokens\": 128, \"prefill_s\": 2.0, \"decode_s\": 10.0}");
        GenerateBench.Result ref = GenerateBench.Result.fromReference(n);
        assertThat(ref.prefillTokensPerSecond()).isCloseTo(1024, within(1e-9));
        assertThat(ref.decodeTokensPerSecond()).isCloseTo(409.6, within(1e-9));
        // 13 batches x (2 + 10) s, as torch_reference_generate.py --project-eval computes it
        assertThat(ref.projectedEvalSeconds()).isCloseTo(156, within(1e-9));
        GenerateBench.Result other = new GenerateBench.Result("bf16", 32, 64, 128, 1.5, 12.0);
        GenerateBench.Result best = ref.best(other);
        assertThat(best.prefillSeconds()).isEqualTo(1.5);
        assertThat(best.decodeSeconds()).isEqualTo(10.0);
    }
}
