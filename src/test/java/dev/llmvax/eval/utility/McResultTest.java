package dev.llmvax.eval.utility;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class McResultTest {

    @Test
    void accNormDividesByUtf8BytesNotCharacters() {
        // " 日本" is 3 characters but 7 bytes: per byte it wins (-6/7 > -4/4), per character it would lose (-2 < -1)
        McItem item = McItem.of("ctx", List.of(" 日本", " abc"), 0);
        McResult r = McResult.of(List.of(item), new double[][] {{-6.0, -4.0}});
        assertThat(r.items().get(0).bytes()).containsExactly(7, 4);
        assertThat(r.items().get(0).pred()).isEqualTo(1);
        assertThat(r.items().get(0).predNorm()).isEqualTo(0);
        assertThat(r.acc()).isZero();
        assertThat(r.accNorm()).isEqualTo(1.0);
    }

    @Test
    void tiesGoToTheFirstChoice() {
        McItem item = McItem.of("ctx", List.of(" a", " b"), 1);
        assertThat(McResult.of(List.of(item), new double[][] {{-1.0, -1.0}}).items().get(0).pred()).isZero();
    }

    @Test
    void resultsRoundTripThroughJson() throws Exception {
        McItem item = McItem.of("ctx", List.of(" a", " bb"), 1);
        McResult mc = McResult.of(List.of(item, item), new double[][] {{-1.0, -0.5}, {-0.2, -3.0}});
        UtilityResults u = new UtilityResults(UtilityConfig.defaults(512), Map.of("arc_easy", mc),
                new PerplexityResult(3.5, 125.3, 100, 10, 1, 0, 512), Map.of("arc_easy", 1.5));
        ObjectMapper json = new ObjectMapper();
        String text = json.writeValueAsString(u);
        assertThat(text).contains("\"accNorm\":0.5").contains("\"ppl\":3.5").contains("\"benchmarks\":[\"hellaswag\"");
        UtilityResults back = json.readValue(text, UtilityResults.class);
        assertThat(back.benchmarks().get("arc_easy").acc()).isEqualTo(0.5);
        assertThat(back.benchmarks().get("arc_easy").items().get(1).logliks()).containsExactly(-0.2, -3.0);
        assertThat(back.perplexity()).isEqualTo(u.perplexity());
        assertThat(back.config()).isEqualTo(u.config());
        assertThat(u.summary()).contains("arc_easy").contains("acc  50.0 %").contains("perplexity");
    }
}
