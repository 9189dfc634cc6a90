package dev.llmvax.tokenizer;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.Locale;

/** The globals transformers adds to chat templates: raise_exception and strftime_now. */
final class TemplateFunctions {

  private TemplateFunctions() {}

  /** Thrown by the template's raise_exception; carried through Jinjava to the caller. */
  static final class RaisedException extends RuntimeException {
    RaisedException(String message) {
      super(message);
    }
  }

  public static Object raiseException(String message) {
    throw new RaisedException(message);
  }

  public static String strftimeNow(String format) {
    return strftime(ZonedDateTime.now(), format);
  }

  /** Python's strftime for the directives chat templates use (English locale, like C). */
  static String strftime(ZonedDateTime t, String format) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%' || i + 1 == format.length()) {
        out.append(c);
        continue;
      }
      char d = format.charAt(++i);
      switch (d) {
        case 'd' -> out.append(String.format("%02d", t.getDayOfMonth()));
        case 'e' -> out.append(String.format("%2d", t.getDayOfMonth()));
        case '-' -> {
          // glibc "%-d": no padding.
          char e = i + 1 < format.length() ? format.charAt(++i) : 'd';
          out.append(strftime(t, "%" + e).replaceFirst("^[0 ]+(?=.)", ""));
        }
        case 'm' -> out.append(String.format("%02d", t.getMonthValue()));
        case 'Y' -> out.append(t.getYear());
        case 'y' -> out.append(String.format("%02d", t.getYear() % 100));
        case 'B' -> out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
        case 'b', 'h' -> out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
        case 'A' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
        case 'a' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
        case 'H' -> out.append(String.format("%02d", t.getHour()));
        case 'I' -> out.append(String.format("%02d", (t.getHour() + 11) % 12 + 1));
        case 'M' -> out.append(String.format("%02d", t.getMinute()));
        case 'S' -> out.append(String.format("%02d", t.getSecond()));
        case 'p' -> out.append(t.getHour() < 12 ? "AM" : "PM");
        case 'j' -> out.append(String.format("%03d", t.getDayOfYear()));
        case 'Z' -> out.append(t.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
        case 'z' -> out.append(DateTimeFormatter.ofPattern("xx").format(t));
        case '%' -> out.append('%');
        default -> out.append('%').append(d);
      }
    }
    return out.toString();
  }
}
