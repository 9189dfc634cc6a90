package dev.llmvax.eval.utility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.llmvax.SharedData;
import dev.llmvax.eval.utility.ScorePlan.Request;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.ModelLoader;
import dev.llmvax.model.Precision;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.junit.jupiter.api.Test;

/**
 * The real SmolLM2 (GGUF, float32): batched multiple-choice scores equal one forward per choice. 20 items
 * (80 choices) take about 20 s on 2 idle cores, mostly the naive side; the 500-item agreement with the golden
 * reference is {@link ReferenceAgreementTest}.
 */
class McScorerSmolTest {

    @Test
    void arcEasyBatchedEqualsNaive() {
        List<McItem> items = Benchmarks.load(SharedData.root().resolve("data/eval"), "arc_easy", 20);
        try (LoadedModel m = ModelLoader.load(SharedData.smolGguf(), Precision.F32, new Device(DeviceType.CPU))) {
            int[] finished = new int[1];
            McResult batched = McScorer.score(m, items, ScoreOptions.defaults(), n -> finished[0] += n);
            List<Request> requests = new ArrayList<>();
            for (McItem item : items) {
                for (McItem.Choice c : item.choices()) {
                    requests.add(new Request(m.tokenizer().encode(c.context()), m.tokenizer().encode(c.continuation())));
                }
            }
            double[] naive = NaiveScorer.score(m.model(), requests, 1 << 20);
            int r = 0;
            for (McResult.ItemScore s : batched.items()) {
                for (double ll : s.logliks()) {
                    // float32 rounding differs between batch shapes: measured at most 2.1e-5 per token
                    double tolerance = 5e-5 * requests.get(r).continuation().length;
                    assertThat(ll).as("choice %d", r).isCloseTo(naive[r], within(tolerance));
                    r++;
                }
            }
            assertThat(r).isEqualTo(naive.length);
            assertThat(finished[0]).isEqualTo(20);
            assertThat(batched.n()).isEqualTo(20);
            assertThat(batched.acc()).as("well above chance (25 %%)").isGreaterThan(0.35);
        }
    }
}
