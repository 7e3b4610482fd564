package io.fedmesh.proxy.model;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything one proxy knows, at one version: swapped as a whole, never mutated. The request path
 * reads the current snapshot and never waits on the controller.
 *
 * @param version increases with each change; reported in {@code /config} and ACKs
 * @param cluster this proxy's cluster
 * @param locality this proxy's locality
 * @param services by name, across the clusterset
 * @param policies traffic policies by service; a service without one gets {@link
 *     TrafficPolicy#DEFAULT}
 * @param inbound who may call this proxy's workload
 */
public record ProxySnapshot(
    long version,
    String cluster,
    Locality locality,
    Map<ServiceName, Service> services,
    Map<ServiceName, TrafficPolicy> policies,
    AuthorizationPolicy inbound) {
  public ProxySnapshot {
    if (version < 0) {
      throw new ModelException("version: " + version + " (expected: >= 0)");
    }
    Names.checkLabel("cluster", cluster);
    Objects.requireNonNull(locality, "locality");
    if (!locality.cluster().equals(cluster)) {
      throw new ModelException(
          "locality.cluster '"
              + locality.cluster()
              + "' is not the proxy's cluster '"
              + cluster
              + "'");
    }
    services = new TreeMap<>(services);
    for (Map.Entry<ServiceName, Service> e : services.entrySet()) {
      if (!e.getKey().equals(e.getValue().name())) {
        throw new ModelException(
            "services: key " + e.getKey() + " holds service " + e.getValue().name());
      }
    }
    services = Map.copyOf(services);
    policies = Map.copyOf(policies);
    for (ServiceName s : policies.keySet()) {
      if (!services.containsKey(s)) {
        throw new ModelException("policy for unknown service " + s + " (define the service first)");
      }
    }
    Objects.requireNonNull(inbound, "inbound");
  }

  /** The service called {@code name}. */
  public Optional<Service> service(ServiceName name) {
    return Optional.ofNullable(services.get(name));
  }

  /** The policy for {@code name}, or the default one. */
  public TrafficPolicy policy(ServiceName name) {
    return policies.getOrDefault(name, TrafficPolicy.DEFAULT);
  }
}
