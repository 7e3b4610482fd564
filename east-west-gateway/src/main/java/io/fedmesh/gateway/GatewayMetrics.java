package io.fedmesh.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** The gateway's meters; names and tags are documented on {@link EastWestGateway}. */
final class GatewayMetrics {
  /** The {@code service} tag when the SNI names nothing this cluster has. */
  static final String NO_SERVICE = "unknown";

  static final String RESULT_ROUTED = "routed";
  static final String RESULT_REJECTED = "rejected";

  private final MeterRegistry registry;
  private final Map<RejectReason, Counter> failures = new EnumMap<>(RejectReason.class);

  GatewayMetrics(MeterRegistry registry, AtomicInteger active) {
    this.registry = registry;
    for (RejectReason r : RejectReason.values()) {
      failures.put(
          r,
          Counter.builder(EastWestGateway.METRIC_SNI_FAILURES)
              .description("Connections closed without routing, by reason")
              .tag("reason", r.tag())
              .register(registry));
    }
    Gauge.builder(EastWestGateway.METRIC_CONNECTIONS_ACTIVE, active, AtomicInteger::get)
        .description("Open downstream connections, routed or still sending their ClientHello")
        .register(registry);
  }

  void rejected(RejectReason reason, String service) {
    failures.get(reason).increment();
    connections(service, RESULT_REJECTED).increment();
  }

  void routed(String service) {
    connections(service, RESULT_ROUTED).increment();
  }

  private Counter connections(String service, String result) {
    return Counter.builder(EastWestGateway.METRIC_CONNECTIONS)
        .description("Downstream connections by destination service and result")
        .tag("service", service)
        .tag("result", result)
        .register(registry);
  }

  /** {@code direction}: {@code in} (client to endpoint) or {@code out} (endpoint to client). */
  Counter bytes(String direction, String service) {
    return Counter.builder(EastWestGateway.METRIC_BYTES)
        .description("Bytes spliced, by direction and destination service")
        .baseUnit("bytes")
        .tag("direction", direction)
        .tag("service", service)
        .register(registry);
  }
}
