package io.fedmesh.controller.peering;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** The system clock moved forward by what a test says. */
final class TestClock extends Clock {
  private final AtomicLong offsetMillis = new AtomicLong();

  void advance(Duration d) {
    offsetMillis.addAndGet(d.toMillis());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return Clock.systemUTC().instant().plusMillis(offsetMillis.get());
  }
}
