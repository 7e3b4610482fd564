package io.fedmesh.proxy.model;

import java.time.Duration;

final class Durations {
  private Durations() {}

  static Duration checkPositive(String field, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new ModelException(field + ": " + d + " (expected: a positive duration)");
    }
    return d;
  }
}
