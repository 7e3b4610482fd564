package io.fedmesh.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators type them ({@code 90s}, {@code 30m}, {@code 24h}, {@code 365d}). */
final class Durations {
  private static final Pattern FORM = Pattern.compile("([0-9]{1,9})(s|m|h|d)");
  private static final String EXPECTED = "expected: a duration like 90s, 30m, 24h, 365d";

  /** The longest duration accepted: a century. */
  static final long MAX_DAYS = 36_500;

  private Durations() {}

  /**
   * Parses {@code value}, a positive whole number followed by {@code s}, {@code m}, {@code h} or
   * {@code d}.
   *
   * @param option the option the value came from, for the message
   * @throws UsageException naming the option, the value and the expected form
   */
  static Duration parse(String option, String value) {
    Matcher m = FORM.matcher(value.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new UsageException(option + ": '" + value + "' (" + EXPECTED + ")");
    }
    long n = Long.parseLong(m.group(1));
    if (n == 0) {
      throw new UsageException(
          option + ": '" + value + "' (expected: a positive duration, like 90s, 30m, 24h, 365d)");
    }
    Duration d =
        switch (m.group(2)) {
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
    // Longer than a century is a typo, and would not fit the nanosecond clocks the waits use.
    if (d.toDays() > MAX_DAYS) {
      throw new UsageException(
          option + ": '" + value + "' is longer than " + MAX_DAYS + "d (" + EXPECTED + ")");
    }
    return d;
  }

  /**
   * Formats {@code d} in the same notation, exactly when it is a whole number of one unit ({@code
   * 3650d}, {@code 24h}), else in its two largest units ({@code 23h 59m}).
   */
  static String format(Duration d) {
    if (d.isNegative()) {
      return "-" + format(d.negated());
    }
    long s = d.getSeconds();
    if (s == 0) {
      return "0s";
    }
    if (s % 86_400 == 0) {
      return s / 86_400 + "d";
    }
    if (s % 3_600 == 0 && s < 86_400) {
      return s / 3_600 + "h";
    }
    if (s % 60 == 0 && s < 3_600) {
      return s / 60 + "m";
    }
    return approximate(d);
  }

  /** The two largest non-zero units of {@code d}, rounded down: {@code 364d 23h}, {@code 5m 2s}. */
  static String approximate(Duration d) {
    long s = Math.abs(d.getSeconds());
    long days = s / 86_400;
    long hours = s % 86_400 / 3_600;
    long minutes = s % 3_600 / 60;
    long seconds = s % 60;
    if (days > 0) {
      return hours > 0 ? days + "d " + hours + "h" : days + "d";
    }
    if (hours > 0) {
      return minutes > 0 ? hours + "h " + minutes + "m" : hours + "h";
    }
    if (minutes > 0) {
      return seconds > 0 ? minutes + "m " + seconds + "s" : minutes + "m";
    }
    return seconds + "s";
  }
}
