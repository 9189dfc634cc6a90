package dev.llmvax.eval.utility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.llmvax.eval.utility.ScorePlan.Request;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Precision;
import dev.llmvax.model.TinyModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The batched scorer against one forward per request, on a tiny random model (token ids, no tokenizer). */
class LoglikScorerTest {
    private static final LlamaConfig C = TinyModels.config();

    /** Shared contexts, one-token and prefix-sharing continuations, duplicates, one-token contexts. */
    static List<Request> requests(long seed, int vocab) {
        Random r = new Random(seed);
        List<Request> out = new ArrayList<>();
        for (int item = 0; item < 12; item++) {
            int[] ctx = random(r, vocab, item % 5 == 0 ? 1 : 1 + r.nextInt(30));
            int choices = 2 + r.nextInt(3);
            int[] first = random(r, vocab, 1 + r.nextInt(8));
            for (int c = 0; c < choices; c++) {
                int[] cont = switch (c) {
                    case 0 -> first;
                    case 1 -> java.util.Arrays.copyOf(first, Math.max(1, first.length - 2)); // a prefix of choice 0
                    default -> random(r, vocab, item % 3 == 0 ? 1 : 1 + r.nextInt(8));
                };
                out.add(new Request(ctx, cont));
            }
            if (item == 4) {
                out.add(new Request(ctx, first)); // the same request twice
            }
        }
        return out;
    }

    private static int[] random(Random r, int vocab, int n) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(vocab);
        }
        return ids;
    }

    @Test
    void batchedEqualsOneForwardPerRequest() {
        try (LlamaModel m = TinyModels.model(C, 3, Precision.F32)) {
            List<Request> reqs = requests(1, C.vocabSize());
            double[] naive = NaiveScorer.score(m, reqs, 1 << 20);
            for (ScoreOptions o : List.of(ScoreOptions.defaults(), new ScoreOptions(3, 60, 7, 0),
                    new ScoreOptions(1, 1, 1, 0))) {
                List<Integer> done = new ArrayList<>();
                double[] batched = LoglikScorer.score(m, reqs, o, done::add);
                for (int i = 0; i < reqs.size(); i++) {
                    assertThat(batched[i]).as("request %d under %s", i, o).isCloseTo(naive[i], within(1e-4));
                }
                assertThat(done).as("every request reported once").hasSize(reqs.size()).doesNotHaveDuplicates();
            }
        }
    }

    @Test
    void bf16StaysCloseToItsOwnNaiveScores() {
        try (LlamaModel m = TinyModels.model(C, 3, Precision.BF16)) {
            List<Request> reqs = requests(2, C.vocabSize());
            double[] naive = NaiveScorer.score(m, reqs, 1 << 20);
            double[] batched = LoglikScorer.score(m, reqs, new ScoreOptions(4, 64, 32, 0), i -> { });
            for (int i = 0; i < reqs.size(); i++) {
                // bf16 matmuls round differently at other batch shapes; 8 tokens of ~4 nats each
                assertThat(batched[i]).as("request %d", i).isCloseTo(naive[i], within(0.05));
            }
        }
    }

    @Test
    void longContextsLoseTheirStart() {
        try (LlamaModel m = TinyModels.model(C, 3, Precision.F32)) {
            List<Request> reqs = requests(3, C.vocabSize());
            double[] naive = NaiveScorer.score(m, reqs, 12);
            double[] batched = LoglikScorer.score(m, reqs, new ScoreOptions(8, 64, 64, 12), i -> { });
            for (int i = 0; i < reqs.size(); i++) {
                assertThat(batched[i]).as("request %d", i).isCloseTo(naive[i], within(1e-4));
            }
            assertThatThrownBy(() -> LoglikScorer.score(m, List.of(new Request(new int[] {1}, new int[12])),
                    new ScoreOptions(8, 64, 64, 12), i -> { })).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("continuation of 12 tokens leaves no room");
        }
    }

    @Test
    void badIdsAreRefused() {
        try (LlamaModel m = TinyModels.model(C, 3, Precision.F32)) {
            assertThatThrownBy(() -> LoglikScorer.score(m, List.of(new Request(new int[] {1}, new int[] {64})),
                    ScoreOptions.defaults(), i -> { })).hasMessageContaining("token id 64 is outside");
        }
        assertThatThrownBy(() -> new Request(new int[0], new int[] {1})).hasMessageContaining("context token");
    }
}
