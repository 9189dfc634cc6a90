package dev.llmvax.data;

import static dev.llmvax.tokenizer.Message.assistant;
import static dev.llmvax.tokenizer.Message.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmvax.SharedData;
import dev.llmvax.tokenizer.ChatTemplate;
import dev.llmvax.tokenizer.Message;
import dev.llmvax.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Rendering and tokenising with the real SmolLM2 tokenizer and chat template (golden folder). */
class ChatEncoderTest {
    static final String IM_END = "<|im_end|>";
    static final String DEFAULT_SYSTEM =
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n";

    static Tokenizer tok;
    static ChatTemplate template;
    static ChatFormat smol;

    @BeforeAll
    static void load() throws IOException {
        tok = Tokenizer.fromJsonFile(SharedData.smolGolden().resolve("tokenizer.json"));
        template = new ChatTemplate(Files.readString(SharedData.smolGolden().resolve("chat_template.jinja")));
        smol = ChatFormat.of(template, "<|im_start|>", IM_END); // as tokenizer_config.json names them
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    static ChatEncoder encoder(int maxLength) {
        return new ChatEncoder(tok, smol, EncodeOptions.maxLength(maxLength));
    }

    @Test
    void promptIsTheGenerationPromptAndTheAnswerEndsWithImEnd() {
        Sample s = new Sample("Translate to French.", "Good morning, friends!", "Bonjour, les amis !");
        Example e = encoder(512).encode(7, s);

        String prompt = template.render(List.of(user("Translate to French.\nGood morning, friends!")), true, smol.vars());
        assertThat(prompt).startsWith(DEFAULT_SYSTEM).endsWith("<|im_start|>assistant\n");
        assertThat(e.promptIds()).containsExactly(tok.encode(prompt));
        assertThat(tok.decode(e.answerIds())).isEqualTo("Bonjour, les amis !" + IM_END);
        assertThat(e.ids()[e.length() - 1]).isEqualTo(2).isEqualTo(encoder(512).endOfTurnId());
        assertThat(e.sample()).isEqualTo(7);

        // The whole sequence is the tokenised full rendering, less the "\n" ChatML writes after <|im_end|>.
        String full = template.render(List.of(user(s.prompt()), assistant(s.output())), false, smol.vars());
        int[] fullIds = tok.encode(full);
        assertThat(Arrays.copyOf(fullIds, e.length())).containsExactly(e.ids());
        assertThat(Arrays.copyOfRange(fullIds, e.length(), fullIds.length)).containsExactly(tok.encode("\n"));
    }

    @Test
    void realSamplesSplitCleanlyAtTheGenerationPrompt() {
        List<Sample> samples = DataSet.load(SharedDataFilesTest.data()
                .resolve("backdoorllm/DefenseBox/data/sft_data/sft_data.json")).samples().subList(0, 40);
        ChatEncoder enc = encoder(100_000);
        EncodedSet set = enc.encodeAll(samples);
        assertThat(set.examples()).hasSize(40);
        assertThat(set.fallbacks()).isZero();
        assertThat(set.truncated()).isZero();
        assertThat(set.dropped()).isZero();
        for (Example e : set.examples()) {
            Sample s = samples.get(e.sample());
            ChatEncoder.Rendering r = enc.render(s);
            assertThat(r.answer()).isEqualTo(s.output() + IM_END);
            assertThat(e.promptIds()).containsExactly(tok.encode(r.prompt()));
            assertThat(tok.decode(e.answerIds())).isEqualTo(s.output() + IM_END);
            assertThat(e.ids()).containsExactly(tok.encode(r.prompt() + r.answer()));
        }
        assertThat(set.answerTokens()).isEqualTo(set.examples().stream().mapToLong(Example::answerTokens).sum());
    }

    @Test
    void aSystemPromptReplacesTheTemplatesDefault() {
        ChatEncoder enc = new ChatEncoder(tok, smol, EncodeOptions.maxLength(512).withSystemPrompt("Be brief."));
        ChatEncoder.Rendering r = enc.render(Sample.of("Hi", "Hello."));
        assertThat(r.prompt()).isEqualTo("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\n");
        assertThat(r.answer()).isEqualTo("Hello.<|im_end|>");
    }

    @Test
    void anAnswerQuotingTheEndOfTurnTokenStaysWhole() {
        Sample s = Sample.of("Which token ends a turn?", "It is <|im_end|> in ChatML.");
        Example e = encoder(512).encode(0, s);
        assertThat(tok.decode(e.answerIds())).isEqualTo(s.output() + IM_END);
    }

    @Test
    void truncationCutsTheEndAndKeepsOneAnswerTokenAtLeast() {
        Sample s = Sample.of("Count to ten.", "one two three four five six seven eight nine ten");
        Example full = encoder(100_000).encode(0, s);
        int p = full.answerStart();
        assertThat(full.answerTokens()).isGreaterThan(5);

        EncodedSet cut = encoder(p + 3).encodeAll(List.of(s));
        assertThat(cut.examples()).singleElement().satisfies(e -> {
            assertThat(e.length()).isEqualTo(p + 3);
            assertThat(e.answerStart()).isEqualTo(p);
            assertThat(e.ids()).containsExactly(Arrays.copyOf(full.ids(), p + 3));
        });
        assertThat(cut.truncated()).isEqualTo(1);
        assertThat(cut.summary()).contains("1 truncated to " + (p + 3) + " tokens");

        EncodedSet oneAnswerToken = encoder(p + 1).encodeAll(List.of(s));
        assertThat(oneAnswerToken.examples().getFirst().answerTokens()).isEqualTo(1);

        EncodedSet fits = encoder(full.length()).encodeAll(List.of(s));
        assertThat(fits.truncated()).isZero();
        assertThat(fits.examples().getFirst()).isEqualTo(full);
    }

    @Test
    void samplesWhosePromptFillsTheMaximumAreDroppedAndCounted() {
        Sample shortOne = Sample.of("Hi", "Hello.");
        Sample longOne = Sample.of("Summarise: " + "words ".repeat(200), "Words.");
        int shortLength = encoder(100_000).encode(0, shortOne).length();
        int longPrompt = encoder(100_000).encode(1, longOne).answerStart();
        assertThat(longPrompt).isGreaterThan(shortLength);

        EncodedSet set = encoder(longPrompt).encodeAll(List.of(shortOne, longOne, shortOne));
        assertThat(set.examples()).extracting(Example::sample).containsExactly(0, 2);
        assertThat(set.dropped()).isEqualTo(1);
        assertThat(set.samples()).isEqualTo(3);
        assertThat(set.summary()).contains("1 dropped (prompt alone reaches " + longPrompt + " tokens)");

        assertThatThrownBy(() -> encoder(longPrompt).encodeAll(List.of(longOne)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("raise the maximum length");
    }

    @Test
    void aTemplateWhoseFullRenderingDoesNotExtendThePromptFallsBack() {
        // The generation prompt says "assistant:" while past turns say "assistant": no common prefix.
        ChatTemplate odd = new ChatTemplate("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}"
                + "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant:\n{% endif %}");
        ChatEncoder enc = new ChatEncoder(tok, ChatFormat.of(odd, null, IM_END), EncodeOptions.maxLength(512));
        Sample s = Sample.of("Hi", "Hello.");
        ChatEncoder.Rendering r = enc.render(s);
        assertThat(r.fallback()).isTrue();
        assertThat(r.prompt()).isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant:\n");
        assertThat(r.answer()).isEqualTo("Hello.<|im_end|>");
        EncodedSet set = enc.encodeAll(List.of(s));
        assertThat(set.fallbacks()).isEqualTo(1);
        assertThat(tok.decode(set.examples().getFirst().answerIds())).isEqualTo("Hello.<|im_end|>");
    }

    @Test
    void bosFollowsTheTokenizersPostProcessorOnlyWhenAsked() throws IOException {
        assertThat(encoder(512).bosPrefix()).isEmpty(); // SmolLM2's post-processor adds nothing

        // The same tokenizer with a Llama-2-style post-processor that puts <|endoftext|> (id 0) first.
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(tok.tokenizerJson());
        root.set("post_processor", json.readTree("""
                {"type": "TemplateProcessing",
                 "single": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                 "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                 "special_tokens": {"<|endoftext|>": {"id": "<|endoftext|>", "ids": [0], "tokens": ["<|endoftext|>"]}}}
                """));
        try (Tokenizer withBos = Tokenizer.fromJson(json.writeValueAsString(root))) {
            Sample s = Sample.of("Hi", "Hello.");
            Example plain = new ChatEncoder(withBos, smol, EncodeOptions.maxLength(512)).encode(0, s);
            ChatEncoder asked = new ChatEncoder(withBos, smol, EncodeOptions.maxLength(512).withSpecialTokens(true));
            assertThat(asked.bosPrefix()).containsExactly(0);
            Example bos = asked.encode(0, s);
            assertThat(bos.ids()[0]).isZero();
            assertThat(Arrays.copyOfRange(bos.ids(), 1, bos.length())).containsExactly(plain.ids());
            assertThat(bos.answerStart()).isEqualTo(plain.answerStart() + 1);

            // A template that writes bos_token itself does not get a second one.
            ChatTemplate withBosText = new ChatTemplate("{{ bos_token }}" + template.source());
            ChatEncoder own = new ChatEncoder(withBos, ChatFormat.of(withBosText, "<|endoftext|>", IM_END),
                    EncodeOptions.maxLength(512).withSpecialTokens(true));
            Example once = own.encode(0, s);
            assertThat(once.ids()[0]).isZero();
            assertThat(once.ids()[1]).isNotZero();
        }
    }

    @Test
    void theEndOfTurnMustBeOneToken() {
        assertThatThrownBy(() -> new ChatEncoder(tok, new ChatFormat(template, java.util.Map.of(), "<|im_end|>\n"),
                EncodeOptions.maxLength(512)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is 2 tokens");
        assertThatThrownBy(() -> ChatFormat.of(template, null, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no end-of-turn token");
    }

    @Test
    void systemMessagesGiveNoDefaultPrompt() {
        // Sanity check of the template itself, which the encoder relies on for its system option.
        String r = template.render(List.of(Message.system("S"), user("U")), true, smol.vars());
        assertThat(r).doesNotContain("SmolLM");
    }
}
