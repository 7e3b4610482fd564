package io.fedmesh.sidecar.outbound;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.OutlierDetection;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.TrafficPolicy;
import io.fedmesh.proxy.routing.ActiveHealthChecker;
import io.fedmesh.proxy.routing.LocalityLoadBalancer;
import io.fedmesh.proxy.routing.OutlierDetector;
import io.fedmesh.sidecar.health.EndpointProber;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The outbound's load balancer for a service at a new snapshot: the previous one, updated, when
 * what it was built from is unchanged (caller locality, outlier detection settings, active health
 * checker), so that ejections, their growing lengths, active-request counts and health survive a
 * config push; a new one otherwise. Either way it honours the policy's {@code outlierDetection} and
 * the prober's checks.
 *
 * <p>Meter: {@value #EJECTIONS_METER} (timer; tag {@code destination_service}): one record per
 * ejection by outlier detection, of the ejection's length, so its count is the number of ejections
 * and its max shows the lengths growing with repeats.
 */
final class UpstreamBalancers {
  /** Outlier ejections and their lengths, by service. */
  static final String EJECTIONS_METER = "fedmesh.outbound.ejections";

  private UpstreamBalancers() {}

  static LocalityLoadBalancer next(
      ProxySnapshot snapshot,
      Service service,
      TrafficPolicy policy,
      EndpointProber prober,
      MeterRegistry registry,
      LocalityLoadBalancer previous,
      OutlierDetection previousOutlierDetection) {
    ActiveHealthChecker checker = prober.checker(snapshot, service.name()).orElse(null);
    LocalityLoadBalancer lb;
    if (previous != null
        && previous.levels().caller().equals(snapshot.locality())
        && policy.outlierDetection().equals(previousOutlierDetection)
        && previous.healthChecker().orElse(null) == checker) {
      lb = previous;
    } else {
      OutlierDetector.Builder detector = OutlierDetector.builder(policy.outlierDetection());
      if (registry != null) {
        detector.listener(ejectionMeter(registry, service.name()));
      }
      LocalityLoadBalancer.Builder b =
          LocalityLoadBalancer.builder(snapshot.locality()).outlierDetector(detector.build());
      if (checker != null) {
        b.healthChecker(checker);
      }
      lb = b.build();
    }
    lb.outlierDetector().retain(service.endpoints());
    lb.update(service.endpoints(), policy.locality());
    return lb;
  }

  private static OutlierDetector.Listener ejectionMeter(MeterRegistry registry, ServiceName name) {
    Timer ejections =
        Timer.builder(EJECTIONS_METER)
            .description("outlier ejections, each recorded with its length")
            .tag("destination_service", name.toString())
            .register(registry);
    return new OutlierDetector.Listener() {
      @Override
      public void onEjected(Endpoint endpoint, Duration duration, int count) {
        ejections.record(duration);
      }
    };
  }
}
