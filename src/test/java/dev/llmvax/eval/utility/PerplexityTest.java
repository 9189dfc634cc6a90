package dev.llmvax.eval.utility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.SharedData;
import dev.llmvax.data.Batch;
import dev.llmvax.data.ChatEncoder;
import dev.llmvax.data.ChatFormat;
import dev.llmvax.data.EncodeOptions;
import dev.llmvax.data.EncodedSet;
import dev.llmvax.data.Sample;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.Precision;
import dev.llmvax.model.TinyModels;
import dev.llmvax.tokenizer.ChatTemplate;
import dev.llmvax.tokenizer.Tokenizer;
import dev.llmvax.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.junit.jupiter.api.Test;

/** Perplexity scores exactly the tokens training puts loss on, with the training rendering. */
class PerplexityTest {
    private static final List<Sample> SAMPLES = List.of(
            Sample.of("Name a primary colour.", "Red."),
            new Sample("Summarise the text.", "The cat sat on the mat all day long.", "A cat rested on a mat."),
            Sample.of("Write a long story.", "Once upon a time ".repeat(30).strip()));

    private static LoadedModel tinyWithSmolTokenizer(Optional<ChatTemplate> template) throws Exception {
        LlamaConfig c = LlamaConfig.tiny(49152, 32, 2, 4, 2, 48);
        Path golden = SharedData.smolGolden();
        return new LoadedModel(TinyModels.model(c, 5, Precision.F32), Tokenizer.fromJsonFile(golden.resolve("tokenizer.json")),
                template, golden, "hf", Map.of(), List.of(), "<|im_start|>", "<|im_end|>", Set.of(2),
                new ObjectMapper().createObjectNode());
    }

    private static ChatTemplate smolTemplate() throws Exception {
        return new ChatTemplate(Files.readString(SharedData.smolGolden().resolve("chat_template.jinja")));
    }

    @Test
    void matchesTheTrainingLossOnTheSameExamples() throws Exception {
        try (LoadedModel m = tinyWithSmolTokenizer(Optional.of(smolTemplate()))) {
            int maxLen = 64; // cuts the long story, as training would
            PerplexityResult r = Perplexity.of(m, SAMPLES, maxLen, new ScoreOptions(2, 64, 64, 0), n -> { });
            EncodedSet enc = new ChatEncoder(m.tokenizer(), ChatFormat.of(smolTemplate(), "<|im_start|>", "<|im_end|>"),
                    EncodeOptions.maxLength(maxLen)).encodeAll(SAMPLES);
            double loss;
            try (InferenceMode g = new InferenceMode(); PointerScope s = new PointerScope()) {
                loss = Trainer.sumLoss(m.model(), null, Batch.of(enc.examples(), new int[] {0, 1, 2}, 2)).item_double();
            }
            assertThat(r.tokens()).isEqualTo(enc.answerTokens());
            assertThat(r.truncated()).isEqualTo(1);
            assertThat(r.nll()).isCloseTo(loss, within(1e-5 * loss));
            assertThat(r.ppl()).isCloseTo(Math.exp(loss / r.tokens()), within(1e-5 * r.ppl()));
            assertThat(r.samples()).isEqualTo(3);
        }
    }

    @Test
    void needsAChatTemplateAndSamples() throws Exception {
        try (LoadedModel m = tinyWithSmolTokenizer(Optional.empty())) {
            assertThatThrownBy(() -> Perplexity.of(m, SAMPLES, 64, ScoreOptions.defaults(), n -> { }))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has no chat template");
            assertThatThrownBy(() -> Perplexity.of(m, List.of(), 64, ScoreOptions.defaults(), n -> { }))
                    .hasMessageContaining("no held-out samples");
        }
    }
}
