package dev.llmvax.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Typed, checked reads of GGUF metadata values, with messages that name the key. */
record GgufMeta(Map<String, Object> map) {

  String string(String key) {
    Object v = map.get(key);
    if (v == null) {
      return null;
    }
    if (v instanceof String s) {
      return s;
    }
    throw wrongType(key, "a string", v);
  }

  boolean bool(String key, boolean dflt) {
    Object v = map.get(key);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    throw wrongType(key, "a boolean", v);
  }

  boolean has(String key) {
    return map.get(key) != null;
  }

  long longValue(String key) {
    Object v = map.get(key);
    if (v instanceof Number n && !(v instanceof Double) && !(v instanceof Float)) {
      return n.longValue();
    }
    throw wrongType(key, "an integer", v);
  }

  List<String> strings(String key) {
    List<?> list = list(key);
    if (list == null) {
      return null;
    }
    List<String> out = new ArrayList<>(list.size());
    for (Object o : list) {
      if (!(o instanceof String s)) {
        throw wrongType(key, "a list of strings", o);
      }
      out.add(s);
    }
    return out;
  }

  List<Long> longs(String key) {
    List<?> list = list(key);
    if (list == null) {
      return null;
    }
    List<Long> out = new ArrayList<>(list.size());
    for (Object o : list) {
      if (!(o instanceof Number n)) {
        throw wrongType(key, "a list of integers", o);
      }
      out.add(n.longValue());
    }
    return out;
  }

  List<Double> doubles(String key) {
    List<?> list = list(key);
    if (list == null) {
      return null;
    }
    List<Double> out = new ArrayList<>(list.size());
    for (Object o : list) {
      if (!(o instanceof Number n)) {
        throw wrongType(key, "a list of numbers", o);
      }
      out.add(n.doubleValue());
    }
    return out;
  }

  List<String> requireStrings(String key) {
    List<String> list = strings(key);
    if (list == null) {
      throw new IllegalArgumentException("GGUF metadata has no " + key);
    }
    return list;
  }

  /** The token string that integer key {@code key} points to, or null when absent/out of range. */
  String tokenAt(List<String> tokens, String key) {
    if (tokens == null || !has(key)) {
      return null;
    }
    long id = longValue(key);
    return id >= 0 && id < tokens.size() ? tokens.get((int) id) : null;
  }

  private List<?> list(String key) {
    Object v = map.get(key);
    if (v == null) {
      return null;
    }
    if (v instanceof List<?> l) {
      return l;
    }
    throw wrongType(key, "an array", v);
  }

  private static IllegalArgumentException wrongType(String key, String wanted, Object v) {
    String got = v == null ? "null" : v.getClass().getSimpleName();
    return new IllegalArgumentException("GGUF metadata " + key + " should be " + wanted + ", got " + got);
  }
}
