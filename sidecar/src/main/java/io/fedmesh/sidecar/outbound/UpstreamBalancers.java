package io.fedmesh.sidecar.outbound;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.OutlierDetection;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.TrafficPolicy;
import io.fedmesh.proxy.routing.ActiveHealthChecker;
import io.fedmesh.proxy.routing.LocalityLoadBalancer;
import io.fedmesh.proxy.routing.OutlierDetector;
import io.fedmesh.sidecar.health.EndpointProber;
import java.util.List;

/**
 * The outbound's load balancer for a service at a new snapshot: the previous one, updated, when
 * what it was built from is unchanged (caller locality, outlier detection settings, active health
 * checker), so that ejections, their growing lengths, active-request counts and health survive a
 * config push; a new one otherwise. Either way it honours the policy's {@code outlierDetection} and
 * the prober's checks.
 *
 * <p>Ejections go to the given listener (the outbound's {@code RequestMeters}); each endpoint's
 * latest ejection length is on the admin page ({@code /clusters}, {@code lastEjectionTime}).
 */
final class UpstreamBalancers {
  private UpstreamBalancers() {}

  static LocalityLoadBalancer next(
      ProxySnapshot snapshot,
      Service service,
      TrafficPolicy policy,
      EndpointProber prober,
      OutlierDetector.Listener ejections,
      LocalityLoadBalancer previous,
      OutlierDetection previousOutlierDetection) {
    return next(
        snapshot,
        service,
        service.endpoints(),
        policy,
        prober,
        ejections,
        previous,
        previousOutlierDetection);
  }

  /**
   * As above over {@code endpoints} only (raw TCP routes to the endpoints that take TCP); a null
   * {@code prober} means no active health checks.
   */
  static LocalityLoadBalancer next(
      ProxySnapshot snapshot,
      Service service,
      List<Endpoint> endpoints,
      TrafficPolicy policy,
      EndpointProber prober,
      OutlierDetector.Listener ejections,
      LocalityLoadBalancer previous,
      OutlierDetection previousOutlierDetection) {
    ActiveHealthChecker checker =
        prober == null ? null : prober.checker(snapshot, service.name()).orElse(null);
    LocalityLoadBalancer lb;
    if (previous != null
        && previous.levels().caller().equals(snapshot.locality())
        && policy.outlierDetection().equals(previousOutlierDetection)
        && previous.healthChecker().orElse(null) == checker) {
      lb = previous;
    } else {
      OutlierDetector detector =
          OutlierDetector.builder(policy.outlierDetection()).listener(ejections).build();
      LocalityLoadBalancer.Builder b =
          LocalityLoadBalancer.builder(snapshot.locality()).outlierDetector(detector);
      if (checker != null) {
        b.healthChecker(checker);
      }
      lb = b.build();
    }
    lb.outlierDetector().retain(endpoints);
    lb.update(endpoints, policy.locality());
    return lb;
  }
}
