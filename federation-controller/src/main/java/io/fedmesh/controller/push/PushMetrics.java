package io.fedmesh.controller.push;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.atomic.AtomicInteger;

/** The push's meters; names and meaning are in {@link ProxyPush}'s javadoc. */
final class PushMetrics {
  final AtomicInteger connected = new AtomicInteger();
  final Counter fullResponses;
  final Counter deltaResponses;
  final DistributionSummary bytes;
  final Counter nacks;
  final Counter acks;
  final Timer rebuild;
  final Timer changeToSend;
  final Timer ackLatency;
  private final MeterRegistry registry;

  PushMetrics(MeterRegistry registry) {
    this.registry = registry;
    registry.gauge(ProxyPush.CONNECTED, connected);
    this.fullResponses = registry.counter(ProxyPush.RESPONSES, "full", "true");
    this.deltaResponses = registry.counter(ProxyPush.RESPONSES, "full", "false");
    this.bytes = DistributionSummary.builder(ProxyPush.BYTES).baseUnit("bytes").register(registry);
    this.nacks = registry.counter(ProxyPush.NACKS);
    this.acks = registry.counter(ProxyPush.ACKS);
    this.rebuild =
        Timer.builder(ProxyPush.REBUILD).publishPercentiles(0.5, 0.99).register(registry);
    this.changeToSend =
        Timer.builder(ProxyPush.CHANGE_TO_SEND).publishPercentiles(0.5, 0.99).register(registry);
    this.ackLatency =
        Timer.builder(ProxyPush.ACK_LATENCY).publishPercentiles(0.5, 0.99).register(registry);
  }

  void refused(String reason) {
    registry.counter(ProxyPush.REFUSED, "reason", reason).increment();
  }
}
