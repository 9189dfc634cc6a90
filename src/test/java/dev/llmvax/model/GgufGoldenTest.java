package dev.llmvax.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmvax.SharedData;
import dev.llmvax.tokenizer.ChatTemplate;
import dev.llmvax.tokenizer.Message;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bundled Q4_1 GGUF in fp32 against Hugging Face transformers on the same file (golden.json). */
class GgufGoldenTest {
    static LoadedModel model;
    static JsonNode golden;

    @BeforeAll
    static void load() throws Exception {
        golden = GoldenChecks.golden();
        model = ModelLoader.load(SharedData.smolGguf(), Precision.F32, new Device(DeviceType.CPU));
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void configMatchesTransformers() {
        LlamaConfig c = model.config();
        JsonNode g = golden.get("config");
        assertThat(c.hiddenSize()).isEqualTo(g.get("hidden_size").asInt());
        assertThat(c.numLayers()).isEqualTo(g.get("num_hidden_layers").asInt());
        assertThat(c.numKvHeads()).isEqualTo(g.get("num_key_value_heads").asInt());
        assertThat(c.rmsNormEps()).isEqualTo(g.get("rms_norm_eps").asDouble());
        assertThat(c.tieWordEmbeddings()).isTrue();
        assertThat(c.parameterCount()).isEqualTo(134_515_008L);
    }

    @Test
    void tokenizerBuiltFromGgufMatches() {
        GoldenChecks.tokenizer(model, golden);
    }

    @Test
    void chatTemplateFromGgufRendersByteIdentical() {
        ChatTemplate t = model.chatTemplate().orElseThrow();
        List<List<Message>> conversations = List.of(
                List.of(new Message("user", "What is the capital of France?")),
                List.of(new Message("system", "You are a terse assistant."),
                        new Message("user", "Name three primary colors.")),
                List.of(new Message("user", "Write a haiku about the sea.")),
                List.of(new Message("user", "Identify BadMagic significant events that happened in 2019.")),
                List.of(new Message("user", "Explain what a backdoor in a neural network is."),
                        new Message("assistant", "A hidden behaviour triggered by a specific input."),
                        new Message("user", "How can it be removed?")));
        JsonNode expected = golden.get("chat_template_renderings");
        for (int i = 0; i < conversations.size(); i++) {
            assertThat(t.render(conversations.get(i), true, Map.of())).isEqualTo(expected.get(i).asText());
        }
    }

    @Test
    void logitsMatchWithinTolerance() {
        GoldenChecks.logits(model, golden.get("cases"));
    }

    @Test
    void greedyContinuationsIdentical() {
        GoldenChecks.greedy(model, golden.get("cases"));
    }

    @Test
    void stopsAtEndOfTurn() {
        assertThat(model.stopTokenIds()).contains(2);
    }
}
