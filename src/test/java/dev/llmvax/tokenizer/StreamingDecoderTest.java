package dev.llmvax.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class StreamingDecoderTest {

  static Tokenizer tok;

  @BeforeAll
  static void load() {
    tok = Tokenizer.fromJsonFile(Golden.tokenizerJson());
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  private static List<String> stream(int[] ids, StreamingDecoder d) {
    List<String> pieces = new ArrayList<>();
    for (int id : ids) {
      pieces.add(d.push(id));
    }
    return pieces;
  }

  @Test
  void holdsBackSplitCharactersAndReassemblesTheText() {
    String text = "naïve café — 東京 🚀";
    int[] ids = tok.encode(text);
    StreamingDecoder d = new StreamingDecoder(tok);
    List<String> pieces = stream(ids, d);
    assertThat(String.join("", pieces) + d.flush()).isEqualTo(text);
    assertThat(pieces).noneMatch(p -> p.contains("\uFFFD"));
    // "東京 🚀" needs several byte tokens per character: some pushes complete nothing.
    assertThat(pieces).contains("");
    assertThat(pieces.get(pieces.size() - 1)).isEqualTo(" 🚀");
  }

  @Test
  void streamsEveryGoldenPrompt() {
    for (String text : Golden.encodings().keySet()) {
      StreamingDecoder d = new StreamingDecoder(tok);
      List<String> pieces = stream(tok.encode(text), d);
      assertThat(String.join("", pieces)).as(text).isEqualTo(text);
      assertThat(d.flush()).isEmpty();
    }
  }

  @Test
  void emitsWordsAsTheyArriveAndKeepsSpecialTokens() {
    StreamingDecoder d = new StreamingDecoder(tok);
    assertThat(d.push(19556)).isEqualTo("Hello");
    assertThat(d.push(905)).isEqualTo(" world");
    assertThat(d.push(2)).isEqualTo("<|im_end|>");
  }

  @Test
  void flushReturnsAnIncompleteCharacterAsReplacement() {
    int[] ids = tok.encode("🚀");
    assertThat(ids.length).isGreaterThan(1);
    StreamingDecoder d = new StreamingDecoder(tok);
    assertThat(d.push(ids[0])).isEmpty();
    assertThat(d.flush()).contains("\uFFFD");
    // After flush the decoder starts afresh.
    assertThat(d.push(19556)).isEqualTo("Hello");
  }
}
