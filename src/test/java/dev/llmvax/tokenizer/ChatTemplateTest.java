package dev.llmvax.tokenizer;

import static dev.llmvax.tokenizer.Message.assistant;
import static dev.llmvax.tokenizer.Message.system;
import static dev.llmvax.tokenizer.Message.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChatTemplateTest {

  /** The messages behind golden.json's chat_template_renderings, read back from the strings. */
  static final List<List<Message>> GOLDEN_MESSAGES =
      List.of(
          List.of(user("What is the capital of France?")),
          List.of(system("You are a terse assistant."), user("Name three primary colors.")),
          List.of(user("Write a haiku about the sea.")),
          List.of(user("Identify BadMagic significant events that happened in 2019.")),
          List.of(
              user("Explain what a backdoor in a neural network is."),
              assistant("A hidden behaviour triggered by a specific input."),
              user("How can it be removed?")));

  static final String DEFAULT_SYSTEM =
      "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n";

  static ChatTemplate smol() throws IOException {
    return new ChatTemplate(Files.readString(Golden.dir().resolve("chat_template.jinja")));
  }

  @Test
  void rendersGoldenConversationsByteForByte() throws IOException {
    ChatTemplate t = smol();
    JsonNode renderings = Golden.golden().get("chat_template_renderings");
    assertThat(renderings).hasSize(GOLDEN_MESSAGES.size());
    for (int i = 0; i < renderings.size(); i++) {
      assertThat(t.render(GOLDEN_MESSAGES.get(i), true, Map.of()))
          .as("rendering %d", i)
          .isEqualTo(renderings.get(i).asText());
    }
  }

  @Test
  void goldenRenderingsTokenizeToTheGoldenInputIds() throws IOException {
    ChatTemplate t = smol();
    try (Tokenizer tok = Tokenizer.fromJsonFile(Golden.tokenizerJson())) {
      for (JsonNode c : Golden.golden().get("cases")) {
        for (List<Message> msgs : GOLDEN_MESSAGES) {
          String text = t.render(msgs, true, Map.of());
          if (text.equals(c.get("text").asText())) {
            assertThat(tok.encode(text)).containsExactly(Golden.ids(c.get("input_ids")));
          }
        }
      }
    }
  }

  @Test
  void insertsTheDefaultSystemPromptOnlyWithoutASystemMessage() throws IOException {
    ChatTemplate t = smol();
    assertThat(t.render(List.of(user("Hi")), false, Map.of()))
        .isEqualTo(DEFAULT_SYSTEM + "<|im_start|>user\nHi<|im_end|>\n");
    assertThat(t.render(List.of(system("S"), user("Hi")), false, Map.of()))
        .isEqualTo("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n");
    assertThat(t.render(List.of(), true, Map.of())).isEqualTo("<|im_start|>assistant\n");
  }

  @Test
  void keepsTheSourceAsGiven() throws IOException {
    String src = Files.readString(Golden.dir().resolve("chat_template.jinja"));
    assertThat(smol().source()).isEqualTo(src);
  }

  static final String LLAMA2 =
      "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
          + "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
          + "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
          + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
          + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
          + "{% endif %}{% if loop.index0 == 0 and system_message != false %}"
          + "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
          + "{% else %}{% set content = message['content'] %}{% endif %}"
          + "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
          + "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}"
          + "{% endif %}{% endfor %}";

  static final Map<String, Object> LLAMA2_VARS = Map.of("bos_token", "<s>", "eos_token", "</s>");

  @Test
  void llama2TemplateRendersAndRaises() {
    ChatTemplate t = new ChatTemplate(LLAMA2);
    assertThat(
            t.render(
                List.of(system("S"), user(" Hi "), assistant("Hello!"), user("  Bye\n")),
                true,
                LLAMA2_VARS))
        // strip() applies to the whole content: the space before "Hi" (after the SYS block) stays.
        .isEqualTo("<s>[INST] <<SYS>>\nS\n<</SYS>>\n\n Hi [/INST] Hello! </s><s>[INST] Bye [/INST]");
    assertThatThrownBy(() -> t.render(List.of(user("a"), user("b")), true, LLAMA2_VARS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Conversation roles must alternate user/assistant/user/assistant/...");
  }

  static final String MISTRAL =
      "{{ bos_token }}{% for message in messages %}"
          + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
          + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
          + "{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
          + "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}"
          + "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}"
          + "{% endif %}{% endfor %}";

  @Test
  void mistralInstTemplate() {
    ChatTemplate t = new ChatTemplate(MISTRAL);
    assertThat(t.render(List.of(user("Hi"), assistant("Hello"), user("Bye")), true, LLAMA2_VARS))
        .isEqualTo("<s>[INST] Hi [/INST]Hello</s> [INST] Bye [/INST]");
    assertThatThrownBy(() -> t.render(List.of(system("S"), user("Hi")), true, LLAMA2_VARS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must alternate");
  }

  // Meta-Llama-3-8B-Instruct's template: real newlines inside string literals, `| trim`.
  static final String LLAMA3 =
      "{% set loop_messages = messages %}{% for message in loop_messages %}"
          + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'"
          + "+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
          + "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
          + "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

  @Test
  void llama3TemplateWithBosAndTrim() {
    ChatTemplate t = new ChatTemplate(LLAMA3);
    String out =
        t.render(
            List.of(system("Be brief."), user("  Hi there \n")),
            true,
            Map.of("bos_token", "<|begin_of_text|>"));
    assertThat(out)
        .isEqualTo(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
  }

  // HuggingFaceH4/zephyr-7b-beta: one tag per line, relies on trim_blocks and lstrip_blocks.
  static final String ZEPHYR =
      """
      {% for message in messages %}
      {% if message['role'] == 'user' %}
      {{ '<|user|>\\n' + message['content'] + eos_token }}
      {% elif message['role'] == 'system' %}
      {{ '<|system|>\\n' + message['content'] + eos_token }}
      {% elif message['role'] == 'assistant' %}
      {{ '<|assistant|>\\n'  + message['content'] + eos_token }}
      {% endif %}
      {% if loop.last and add_generation_prompt %}
      {{ '<|assistant|>' }}
      {% endif %}
      {% endfor %}""";

  @Test
  void zephyrTemplateNeedsTrimBlocks() {
    ChatTemplate t = new ChatTemplate(ZEPHYR);
    assertThat(t.render(List.of(system("S"), user("Hi")), true, Map.of("eos_token", "</s>")))
        .isEqualTo("<|system|>\nS</s>\n<|user|>\nHi</s>\n<|assistant|>\n");
    assertThat(t.render(List.of(user("Hi")), false, Map.of("eos_token", "</s>")))
        .isEqualTo("<|user|>\nHi</s>\n");
  }

  @Test
  void lstripAndTrimBlocksOnIndentedTags() {
    ChatTemplate t = new ChatTemplate("  {% if true %}\n    yes\n  {% endif %}\nafter");
    assertThat(t.render(List.of(), false, Map.of())).isEqualTo("    yes\nafter");
  }

  @Test
  void dropsOneTrailingNewlineLikeJinja2() {
    assertThat(new ChatTemplate("x\n").render(List.of(), false, Map.of())).isEqualTo("x");
    assertThat(new ChatTemplate("x\n\n").render(List.of(), false, Map.of())).isEqualTo("x\n");
  }

  @Test
  void explicitWhitespaceControl() {
    String src =
        """
        {%- for m in messages -%}
            [{{- m.role -}}]  {{- m.content -}}
        {%- endfor -%}
        """;
    ChatTemplate t = new ChatTemplate(src);
    assertThat(t.render(List.of(user("a"), assistant("b")), false, Map.of()))
        .isEqualTo("[user]a[assistant]b");
  }

  @Test
  void loopVariablesAndBothAccessStyles() {
    String src =
        "{% for message in messages %}{% if loop.first %}FIRST:{{ messages[0]['role'] }};{% endif %}"
            + "{{ loop.index }}={{ message.role }}/{{ message['content'] }}"
            + "{% if not loop.last %}|{% endif %}{% if loop.last %};LAST{% endif %}{% endfor %}";
    ChatTemplate t = new ChatTemplate(src);
    assertThat(t.render(List.of(system("s"), user("u")), false, Map.of()))
        .isEqualTo("FIRST:system;1=system/s|2=user/u;LAST");
  }

  @Test
  void extraVarsAreVisibleButCannotReplaceMessages() {
    ChatTemplate t =
        new ChatTemplate(
            "{{ bos_token }}{{ messages | length }}{% if add_generation_prompt %}G{% endif %}");
    Map<String, Object> vars = Map.of("bos_token", "<B>", "messages", List.of(), "add_generation_prompt", 7);
    assertThat(t.render(List.of(user("a"), user("b")), true, vars)).isEqualTo("<B>2G");
  }

  @Test
  void tojsonMatchesPythonJsonDumps() {
    ChatTemplate t = new ChatTemplate("{{ messages | tojson }}|{{ messages[0] | tojson(indent=2) }}");
    assertThat(t.render(List.of(user("é\"\n"), assistant("b")), false, Map.of()))
        .isEqualTo(
            "[{\"role\": \"user\", \"content\": \"é\\\"\\n\"}, {\"role\": \"assistant\", \"content\": \"b\"}]"
                + "|{\n  \"role\": \"user\",\n  \"content\": \"é\\\"\\n\"\n}");
    assertThat(PyJson.dumps(Map.of("x", List.of(1L, 2.5, true)), null)).isEqualTo("{\"x\": [1, 2.5, true]}");
    assertThat(PyJson.dumps(List.of(), 2)).isEqualTo("[]");
    assertThat(PyJson.dumps(1e20, null)).isEqualTo("1e+20");
  }

  @Test
  void printsListsAndDictsLikePython() {
    ChatTemplate t = new ChatTemplate("{{ messages[0] }} {{ ['a', 'b'] }}");
    assertThat(t.render(List.of(user("u")), false, Map.of()))
        .isEqualTo("{'role': 'user', 'content': 'u'} ['a', 'b']");
  }

  @Test
  void namespaceAndSlicingWork() {
    String src =
        "{% set ns = namespace(n=0) %}{% for m in messages[1:] %}{% set ns.n = ns.n + 1 %}{% endfor %}"
            + "{{ ns.n }}{{ messages[-1]['content'] }}";
    assertThat(new ChatTemplate(src).render(List.of(user("a"), user("b"), user("c")), false, Map.of()))
        .isEqualTo("2c");
  }

  @Test
  void undefinedVariablesRenderEmpty() {
    assertThat(new ChatTemplate("[{{ bos_token }}]").render(List.of(), false, null)).isEqualTo("[]");
  }

  @Test
  void strftimeNowIsAvailable() {
    String year = String.valueOf(ZonedDateTime.now().getYear());
    assertThat(new ChatTemplate("{{ strftime_now('%Y') }}").render(List.of(), false, Map.of()))
        .isIn(year, String.valueOf(Integer.parseInt(year) + 1));
    ZonedDateTime t = ZonedDateTime.of(2024, 3, 5, 14, 7, 9, 0, ZoneOffset.UTC);
    assertThat(TemplateFunctions.strftime(t, "%d %b %Y %H:%M:%S %A %B %p %%"))
        .isEqualTo("05 Mar 2024 14:07:09 Tuesday March PM %");
    assertThat(TemplateFunctions.strftime(t, "%-d %B")).isEqualTo("5 March");
  }

  @Test
  void brokenTemplatesAreReported() {
    ChatTemplate t = new ChatTemplate("{% for m in messages %}{{ m.role }}");
    assertThatThrownBy(() -> t.render(List.of(user("a")), false, Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
