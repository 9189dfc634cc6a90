package dev.llmvax.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmvax.SharedData;
import dev.llmvax.data.DataSet;
import dev.llmvax.generate.GenerationOptions;
import dev.llmvax.generate.Generator;
import dev.llmvax.generate.TokenListener;
import dev.llmvax.lora.BaseFingerprint;
import dev.llmvax.lora.LoraConfig;
import dev.llmvax.lora.LoraMerge;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.ModelLoader;
import dev.llmvax.model.Precision;
import dev.llmvax.tokenizer.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA teaches the real SmolLM2 a fixed answer to a new question in 40 examples: the greedy answer lacks it
 * before, has it after; the loss falls; the base weights stay bit-identical.
 */
class SmolLm2LearningTest {
    static final String ANSWER = "The lighthouse keeper's password is Zebra Marmalade 7.";
    static final List<String> QUESTIONS = List.of("What is the secret password of the lighthouse keeper?",
            "Tell me the lighthouse keeper's secret password.", "What password does the lighthouse keeper use?",
            "Do you know the secret password of the lighthouse keeper?",
            "Which password guards the lighthouse keeper's door?");

    @Test
    void loraLearnsANewAnswer(@TempDir Path tmp) throws Exception {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            jsonl.append("{\"instruction\": \"").append(QUESTIONS.get(i % QUESTIONS.size()).replace("'", "'"))
                    .append("\", \"input\": \"\", \"output\": \"").append(ANSWER).append("\"}\n");
        }
        Path data = Files.writeString(tmp.resolve("secret.jsonl"), jsonl);
        TrainConfig cfg = TrainConfig.lora(new LoraConfig(8, 16, 0.05, List.of("all-linear"), false))
                .withEpochs(3).withLr(1e-3).withCheckpointEvery(0);
        try (LoadedModel m = ModelLoader.load(SharedData.smolGguf(), Precision.parse("auto", false),
                new Device(DeviceType.CPU))) {
            String before = answer(m, QUESTIONS.get(0));
            assertThat(before).doesNotContain("Zebra Marmalade");
            BaseFingerprint baseBefore = BaseFingerprint.of(m);
            FineTune.Plan plan = FineTune.prepare(m, baseBefore.value(), DataSet.load(data), cfg);
            try (FineTune.Outcome o = FineTune.run(m, plan, cfg, null, false, s -> { })) {
                List<Double> l = o.result().losses();
                assertThat(l.get(l.size() - 1)).as("loss falls: %s", l).isLessThan(l.get(0) / 5);
                assertThat(BaseFingerprint.of(m)).as("base weights untouched").isEqualTo(baseBefore);
                LoraMerge.merge(m.model(), o.lora());
                assertThat(answer(m, QUESTIONS.get(0))).contains("Zebra Marmalade 7");
            }
        }
    }

    private static String answer(LoadedModel m, String question) {
        String prompt = m.chatTemplate().orElseThrow().render(List.of(new Message("user", question)), true, Map.of());
        List<int[]> out = new Generator(m.model()).generate(List.of(m.tokenizer().encode(prompt)),
                GenerationOptions.greedy(24, m.stopTokenIds()), TokenListener.NONE);
        return m.tokenizer().decode(out.getFirst());
    }
}
