package io.fedmesh.proxy.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them in config: a decimal number and a unit, {@code ms}, {@code s},
 * {@code m} or {@code h}, such as {@code 500ms}, {@code 1.5s}, {@code 2m}, {@code 1h}; terms may be
 * chained, as in {@code 1m30s}. At most millisecond precision, at most {@link #MAX}.
 */
public final class DurationText {
  /** Longest duration accepted: no timeout or interval in a proxy needs more. */
  static final Duration MAX = Duration.ofHours(24);

  static final String EXPECTED = "a duration such as 500ms, 1.5s, 2m or 1h";

  private static final Pattern TERM = Pattern.compile("([0-9]{1,9})(?:\\.([0-9]{1,9}))?(ms|s|m|h)");
  private static final BigDecimal NANOS_PER_MILLI = BigDecimal.valueOf(1_000_000L);

  private DurationText() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException whose message says what is wrong with it (without the value)
   */
  static Duration parse(String text) {
    if (text.isEmpty()) {
      throw new IllegalArgumentException("is empty");
    }
    if (text.chars().allMatch(c -> c >= '0' && c <= '9' || c == '.')) {
      throw new IllegalArgumentException("has no unit");
    }
    Matcher m = TERM.matcher(text);
    BigDecimal nanos = BigDecimal.ZERO;
    int at = 0;
    while (at < text.length()) {
      if (!m.find(at) || m.start() != at) {
        throw new IllegalArgumentException("is not a duration");
      }
      BigDecimal amount =
          new BigDecimal(m.group(2) == null ? m.group(1) : m.group(1) + "." + m.group(2));
      nanos = nanos.add(amount.multiply(BigDecimal.valueOf(unitNanos(m.group(3)))));
      at = m.end();
    }
    if (nanos.compareTo(BigDecimal.valueOf(MAX.toNanos())) > 0) {
      throw new IllegalArgumentException("is longer than 24h");
    }
    if (nanos.remainder(NANOS_PER_MILLI).signum() != 0) {
      throw new IllegalArgumentException("is finer than a millisecond");
    }
    return Duration.ofNanos(nanos.longValueExact());
  }

  private static long unitNanos(String unit) {
    switch (unit) {
      case "ms":
        return 1_000_000L;
      case "s":
        return 1_000_000_000L;
      case "m":
        return 60_000_000_000L;
      default:
        return 3_600_000_000_000L;
    }
  }

  /**
   * The shortest text that {@link #parse} reads back as {@code d}, for messages: a duration as it
   * would be written in config.
   */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0 && ms > 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0 && ms > 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0 && ms > 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}
