package dev.llmvax.tokenizer;

import java.util.Objects;

/** One chat turn: {@code role} is "system", "user", "assistant", ... */
public record Message(String role, String content) {

  /** Checks the role is present. */
  public Message {
    Objects.requireNonNull(role, "role");
  }

  /** A system message. */
  public static Message system(String content) {
    return new Message("system", content);
  }

  /** A user message. */
  public static Message user(String content) {
    return new Message("user", content);
  }

  /** An assistant message. */
  public static Message assistant(String content) {
    return new Message("assistant", content);
  }
}
