package io.fedmesh.proxy.routing;

import java.time.Duration;
import java.util.function.LongSupplier;

/** A monotonic nanosecond clock that only moves when a test moves it. */
final class FakeTicker implements LongSupplier {
  // An arbitrary, negative origin: code must only ever compare differences.
  private long nanos = -1_000_000_000_000L;

  @Override
  public long getAsLong() {
    return nanos;
  }

  FakeTicker advance(Duration d) {
    nanos += d.toNanos();
    return this;
  }
}
