package dev.llmvax.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.SharedData;
import dev.llmvax.generate.GenerationOptions;
import dev.llmvax.generate.Generator;
import dev.llmvax.generate.TokenListener;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;

/**
 * The checks of a loaded SmolLM2 against transformers' golden outputs (golden.json), shared by the GGUF test
 * and the converted-folder test (and, on peft-golden.json, the PEFT adapter test in {@code dev.llmvax.lora}).
 */
public final class GoldenChecks {
    public static final double LOGIT_TOLERANCE = 2e-3;

    private GoldenChecks() {
    }

    static JsonNode golden() throws IOException {
        return new ObjectMapper().readTree(SharedData.smolGolden().resolve("golden.json").toFile());
    }

    public static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = arr.get(i).asInt();
        }
        return out;
    }

    /** Token ids of every golden string and every case text. */
    static void tokenizer(LoadedModel m, JsonNode golden) {
        golden.get("tokenizer_encode").properties().forEach(e ->
                assertThat(m.tokenizer().encode(e.getKey())).as("ids of %s", e.getKey()).containsExactly(ints(e.getValue())));
        for (JsonNode c : golden.get("cases")) {
            assertThat(m.tokenizer().encode(c.get("text").asText())).containsExactly(ints(c.get("input_ids")));
        }
    }

    /** Top-20 ids and logits at the last position; first 16 logits at every position. */
    public static void logits(LoadedModel m, JsonNode cases) {
        try (InferenceMode guard = new InferenceMode()) {
            for (JsonNode c : cases) {
                int[] ids = ints(c.get("input_ids"));
                try (PointerScope scope = new PointerScope()) {
                    long[] pos = new long[ids.length];
                    for (int i = 0; i < pos.length; i++) {
                        pos[i] = i;
                    }
                    Tensor logits = m.model().forward(Tensors.fromInts(ids, 1, ids.length),
                            Tensors.fromLongs(pos, 1, ids.length), null, 0, null, false);
                    int vocab = m.config().vocabSize();
                    float[] all = Tensors.toFloats(logits);
                    logits.close();
                    JsonNode perPos = c.get("logits_first16_per_position");
                    assertThat(perPos.size()).isEqualTo(ids.length);
                    for (int p = 0; p < ids.length; p++) {
                        for (int j = 0; j < 16; j++) {
                            assertThat((double) all[p * vocab + j]).as("case %s position %d logit %d",
                                            c.get("text").asText().lines().findFirst().orElse(""), p, j)
                                    .isCloseTo(perPos.get(p).get(j).asDouble(), within(LOGIT_TOLERANCE));
                        }
                    }
                    int last = (ids.length - 1) * vocab;
                    int[] top = topK(all, last, vocab, 20);
                    assertThat(top).as("top-20 ids").containsExactly(ints(c.get("last_top20_ids")));
                    for (int k = 0; k < 20; k++) {
                        assertThat((double) all[last + top[k]]).isCloseTo(c.get("last_top20_logits").get(k).asDouble(),
                                within(LOGIT_TOLERANCE));
                    }
                }
            }
        }
    }

    /** Greedy 32-token continuations, one prompt at a time. */
    static void greedy(LoadedModel m, JsonNode cases) {
        Generator gen = new Generator(m.model());
        for (JsonNode c : cases) {
            int[] expected = ints(c.get("greedy32_ids"));
            List<int[]> out = gen.generate(List.of(ints(c.get("input_ids"))),
                    GenerationOptions.greedy(32, Set.of(2)), TokenListener.NONE);
            assertThat(out.getFirst()).as("greedy continuation of %s", c.get("text").asText()).containsExactly(expected);
        }
    }

    static int[] topK(float[] v, int offset, int n, int k) {
        int[] best = new int[k];
        java.util.Arrays.fill(best, -1);
        for (int i = 0; i < n; i++) {
            float x = v[offset + i];
            int slot = k;
            while (slot > 0 && (best[slot - 1] < 0 || v[offset + best[slot - 1]] < x)) {
                slot--;
            }
            if (slot < k) {
                System.arraycopy(best, slot, best, slot + 1, k - slot - 1);
                best[slot] = i;
            }
        }
        return best;
    }
}
