package dev.llmvax.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Hugging Face chat template (Jinja), rendered byte-identically to transformers, which uses
 * Python jinja2 with {@code trim_blocks=True, lstrip_blocks=True} and adds the globals
 * {@code raise_exception} and {@code strftime_now}.
 */
public final class ChatTemplate {

  private final String source;
  private final String body;
  private final Jinjava jinjava;

  /** A template from its Jinja source. */
  public ChatTemplate(String source) {
    this.source = Objects.requireNonNull(source, "source");
    this.body = withoutTrailingNewline(source);
    this.jinjava = newJinjava();
  }

  /** The Jinja source as given. */
  public String source() {
    return source;
  }

  /**
   * Renders {@code messages}. {@code extraVars} (bos_token, eos_token, tools, ...) are visible to
   * the template; {@code messages} and {@code add_generation_prompt} take precedence.
   *
   * @throws IllegalArgumentException when the template calls raise_exception (with its message)
   *     or fails to render
   */
  public String render(
      List<Message> messages, boolean addGenerationPrompt, Map<String, Object> extraVars) {
    Map<String, Object> vars = new HashMap<>();
    if (extraVars != null) {
      vars.putAll(extraVars);
    }
    List<Map<String, Object>> msgs = new ArrayList<>(messages.size());
    for (Message m : messages) {
      // Maps, so both message.role and message['role'] work as in Python.
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("role", m.role());
      map.put("content", m.content());
      msgs.add(map);
    }
    vars.put("messages", msgs);
    vars.put("add_generation_prompt", addGenerationPrompt);
    RenderResult result = jinjava.renderForResult(body, vars);
    for (TemplateError error : result.getErrors()) {
      RuntimeException raised = raised(error.getException());
      if (raised != null) {
        throw new IllegalArgumentException(raised.getMessage(), raised);
      }
    }
    for (TemplateError error : result.getErrors()) {
      if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new IllegalArgumentException(
            "chat template failed at line " + error.getLineno() + ": " + error.getMessage(),
            error.getException());
      }
    }
    return result.getOutput();
  }

  private static RuntimeException raised(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof TemplateFunctions.RaisedException r) {
        return r;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return null;
  }

  // jinja2 (keep_trailing_newline=False) drops one trailing newline of the source.
  private static String withoutTrailingNewline(String s) {
    if (s.endsWith("\r\n")) {
      return s.substring(0, s.length() - 2);
    }
    if (s.endsWith("\n") || s.endsWith("\r")) {
      return s.substring(0, s.length() - 1);
    }
    return s;
  }

  private static Jinjava newJinjava() {
    // trim/lstrip blocks alone are not enough: these legacy overrides make Jinjava's whitespace
    // handling, property naming and loop variables match jinja2 (see docs/java-notes.md).
    LegacyOverrides overrides =
        LegacyOverrides.newBuilder()
            .withParseWhitespaceControlStrictly(true)
            .withUseTrimmingForNotesAndExpressions(true)
            .withUseSnakeCasePropertyNaming(true)
            .withKeepNullableLoopValues(true)
            // Lists and dicts print as Python would: ['a', 'b'], {'k': 1}.
            .withUsePyishObjectMapper(true)
            .build();
    JinjavaConfig config =
        JinjavaConfig.newBuilder()
            .withTrimBlocks(true)
            .withLstripBlocks(true)
            .withLegacyOverrides(overrides)
            .build();
    Jinjava jinjava = new Jinjava(config);
    jinjava
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "raise_exception", TemplateFunctions.class, "raiseException", String.class));
    jinjava
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "strftime_now", TemplateFunctions.class, "strftimeNow", String.class));
    jinjava.getGlobalContext().registerFilter(new TojsonFilter());
    return jinjava;
  }
}
