package io.fedmesh.proxy.model;

import java.time.Duration;
import java.util.Objects;

/** Duration checks shared by the model and by the builders of the proxies and controllers. */
public final class Durations {
  private Durations() {}

  static Duration checkPositive(String field, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new ModelException(field + ": " + d + " (expected: a positive duration)");
    }
    return d;
  }

  /**
   * {@code d} when it lies within {@code min..max}; otherwise an {@link IllegalArgumentException}
   * naming {@code name}, the value and the range (a null {@code d}: a {@link NullPointerException}
   * naming {@code name}).
   */
  public static Duration checkRange(String name, Duration d, Duration min, Duration max) {
    Objects.requireNonNull(d, name);
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw new IllegalArgumentException(name + ": " + d + " (expected: " + min + ".." + max + ")");
    }
    return d;
  }
}
