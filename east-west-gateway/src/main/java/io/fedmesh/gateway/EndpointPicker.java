package io.fedmesh.gateway;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.model.Service;
import java.util.Optional;
import java.util.Set;

/**
 * Chooses the local endpoint a routed connection goes to. The gateway calls it on an event loop,
 * once per connection attempt: it must not block and must be thread-safe.
 *
 * <p>The default, {@link #zoneAwareRoundRobin()}, is a stop-gap until the shared locality load
 * balancer with outlier detection can be plugged in here.
 */
@FunctionalInterface
public interface EndpointPicker {
  /**
   * An endpoint of {@code service} in the gateway's own cluster for a connection arriving at a
   * gateway in {@code gateway}; empty when none is usable.
   *
   * @param excluded ids of endpoints already tried for this connection
   */
  Optional<Endpoint> pick(Service service, Locality gateway, Set<String> excluded);

  /**
   * Local, healthy endpoints only (never a linked cluster's summary); those in the gateway's zone
   * when there are any, else all of the cluster's; round-robin among them per service. Weights are
   * not used: local endpoints are single workloads.
   */
  static EndpointPicker zoneAwareRoundRobin() {
    return new ZoneAwareRoundRobin();
  }
}
