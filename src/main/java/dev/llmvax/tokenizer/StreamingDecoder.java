package dev.llmvax.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns generated token ids into text as they arrive. Byte-level BPE tokens can end in the
 * middle of a UTF-8 character; such text is held back (it decodes to a trailing U+FFFD) until
 * the token that completes it arrives. Concatenating all returned pieces plus {@link #flush()}
 * gives the same text as decoding the whole sequence at once.
 */
public final class StreamingDecoder {

  private static final char REPLACEMENT = '\uFFFD';

  private final Tokenizer tokenizer;
  private final List<Integer> ids = new ArrayList<>();
  // Same scheme as HF's DecodeStream: text is decoded from prefixOffset so that decoders which
  // strip a leading space see the same context in both the old and the new decode.
  private int prefixOffset;
  private int readOffset;

  /** A decoder that has seen no tokens yet. */
  public StreamingDecoder(Tokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  /** Adds one token id; returns the text it completes, possibly empty. */
  public String push(int id) {
    ids.add(id);
    String prefix = decode(prefixOffset, readOffset);
    String full = decode(prefixOffset, ids.size());
    if (full.length() > prefix.length()
        && full.charAt(full.length() - 1) != REPLACEMENT
        && full.startsWith(prefix)) {
      String text = full.substring(prefix.length());
      prefixOffset = readOffset;
      readOffset = ids.size();
      trim();
      return text;
    }
    return "";
  }

  /** Returns whatever is held back (an incomplete character becomes U+FFFD) and resets. */
  public String flush() {
    String prefix = decode(prefixOffset, readOffset);
    String full = decode(prefixOffset, ids.size());
    ids.clear();
    prefixOffset = 0;
    readOffset = 0;
    return full.startsWith(prefix) ? full.substring(prefix.length()) : full;
  }

  // Ids before prefixOffset are never decoded again: drop them so memory stays bounded.
  private void trim() {
    if (prefixOffset > 0) {
      ids.subList(0, prefixOffset).clear();
      readOffset -= prefixOffset;
      prefixOffset = 0;
    }
  }

  private String decode(int from, int to) {
    int[] window = new int[to - from];
    for (int i = from; i < to; i++) {
      window[i - from] = ids.get(i);
    }
    return window.length == 0 ? "" : tokenizer.decode(window);
  }
}
