package io.fedmesh.sidecar;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.LongConsumer;

/** The counters the TCP listeners share; with no registry they count nothing. */
public final class TcpMeters {
  private TcpMeters() {}

  /** A byte counter {@code name} with {@code tags} (name, value, ...), as a size sink. */
  public static LongConsumer bytes(MeterRegistry registry, String name, String... tags) {
    if (registry == null) {
      return n -> {};
    }
    Counter c = Counter.builder(name).baseUnit("bytes").tags(tags).register(registry);
    return c::increment;
  }

  /** Adds one to counter {@code name} with {@code tags} (name, value, ...). */
  public static void count(MeterRegistry registry, String name, String... tags) {
    if (registry != null) {
      Counter.builder(name).tags(tags).register(registry).increment();
    }
  }
}
