package dev.llmvax.tokenizer;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.Map;

/** transformers' {@code tojson} filter (Python json.dumps), replacing Jinjava's compact one. */
final class TojsonFilter implements Filter {

  @Override
  public String getName() {
    return "tojson";
  }

  @Override
  public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
    return PyJson.dumps(var, args.length > 0 && args[0] != null ? Integer.valueOf(args[0]) : null);
  }

  @Override
  public Object filter(
      Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
    Object indent = kwargs.get("indent");
    if (indent == null && args.length > 0) {
      indent = args[0];
    }
    return PyJson.dumps(var, indent == null ? null : Integer.valueOf(indent.toString()));
  }
}
