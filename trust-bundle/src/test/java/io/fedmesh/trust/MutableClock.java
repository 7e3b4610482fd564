package io.fedmesh.trust;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/** A UTC clock for tests that stands still until told to move. Thread-safe. */
public final class MutableClock extends Clock {
  private volatile Instant now;

  public MutableClock(Instant start) {
    this.now = Objects.requireNonNull(start, "start");
  }

  /**
   * A clock at the system's current time truncated to whole seconds, the precision of certificate
   * validity times, so that a test can compare them exactly.
   */
  public static MutableClock atSystemNow() {
    return new MutableClock(Clock.systemUTC().instant().truncatedTo(ChronoUnit.SECONDS));
  }

  /** Moves the clock forward (or back, for a negative amount). */
  public void advance(Duration amount) {
    now = now.plus(amount);
  }

  /** Sets the clock. */
  public void set(Instant instant) {
    now = Objects.requireNonNull(instant, "instant");
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("MutableClock is UTC only");
  }
}
