package dev.llmvax.tokenizer;

import java.util.Iterator;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii=False, indent=indent)}, which transformers' chat
 * template {@code tojson} filter calls: ", " and ": " separators, non-ASCII kept as is.
 */
final class PyJson {

  private PyJson() {}

  /** {@code indent} null: one line; otherwise that many spaces per level, ',' at line ends. */
  static String dumps(Object value, Integer indent) {
    StringBuilder out = new StringBuilder();
    write(out, value, indent, 0);
    return out.toString();
  }

  private static void write(StringBuilder out, Object v, Integer indent, int depth) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof Boolean b) {
      out.append(b ? "true" : "false");
    } else if (v instanceof Double || v instanceof Float) {
      out.append(pyFloat(((Number) v).doubleValue()));
    } else if (v instanceof Number n) {
      out.append(n);
    } else if (v instanceof Map<?, ?> map) {
      container(out, '{', '}', map.entrySet().iterator(), indent, depth, true);
    } else if (v instanceof Iterable<?> list) {
      container(out, '[', ']', list.iterator(), indent, depth, false);
    } else if (v instanceof Object[] array) {
      container(out, '[', ']', java.util.Arrays.asList(array).iterator(), indent, depth, false);
    } else {
      string(out, v.toString());
    }
  }

  private static void container(
      StringBuilder out, char open, char close, Iterator<?> it, Integer indent, int depth, boolean map) {
    out.append(open);
    if (!it.hasNext()) {
      out.append(close);
      return;
    }
    boolean first = true;
    while (it.hasNext()) {
      Object item = it.next();
      if (!first) {
        out.append(indent == null ? ", " : ",");
      }
      first = false;
      newline(out, indent, depth + 1);
      if (map) {
        Map.Entry<?, ?> e = (Map.Entry<?, ?>) item;
        string(out, String.valueOf(e.getKey()));
        out.append(": ");
        write(out, e.getValue(), indent, depth + 1);
      } else {
        write(out, item, indent, depth + 1);
      }
    }
    newline(out, indent, depth);
    out.append(close);
  }

  private static void newline(StringBuilder out, Integer indent, int depth) {
    if (indent != null) {
      out.append('\n').append(" ".repeat(indent * depth));
    }
  }

  private static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  // Python float repr: "1.0", "1e+20", "NaN", "Infinity".
  private static String pyFloat(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    String s = Double.toString(d);
    int e = s.indexOf('E');
    if (e < 0) {
      return s;
    }
    String mantissa = s.substring(0, e).replaceFirst("\\.0$", "");
    String exp = s.substring(e + 1);
    int x = Integer.parseInt(exp);
    if (x >= -4 && x < 16) {
      return java.math.BigDecimal.valueOf(d).toPlainString();
    }
    return mantissa + "e" + (x < 0 ? "-" : "+") + String.format("%02d", Math.abs(x));
  }
}
