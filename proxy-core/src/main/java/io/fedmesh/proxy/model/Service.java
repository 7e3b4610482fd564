package io.fedmesh.proxy.model;

import io.fedmesh.trust.spiffe.SpiffeId;
import java.util.List;
import java.util.Optional;

/**
 * A service as one proxy sees it across the clusterset: its ports, the SPIFFE IDs its workloads run
 * as (what a caller expects the server to present), and its endpoints in every cluster that has it,
 * local ones directly and linked clusters' as gateway summaries.
 *
 * @param name name and namespace
 * @param ports at least one, unique by name and number
 * @param identities server SPIFFE IDs accepted for this service; at least one
 * @param exported whether this cluster exports it to linked clusters (the gateway routes only
 *     these)
 * @param endpoints endpoints across clusters; may be empty (the service exists but nothing serves)
 */
public record Service(
    ServiceName name,
    List<ServicePort> ports,
    List<SpiffeId> identities,
    boolean exported,
    List<Endpoint> endpoints) {
  public Service {
    if (name == null) {
      throw new ModelException("service.name: missing");
    }
    ports = List.copyOf(ports);
    identities = List.copyOf(identities);
    endpoints = List.copyOf(endpoints);
    if (ports.isEmpty()) {
      throw new ModelException("service " + name + ": ports: empty (expected: at least one)");
    }
    for (int i = 0; i < ports.size(); i++) {
      for (int j = i + 1; j < ports.size(); j++) {
        if (ports.get(i).name().equals(ports.get(j).name())
            || ports.get(i).port() == ports.get(j).port()) {
          throw new ModelException(
              "service " + name + ": ports " + ports.get(i) + " and " + ports.get(j) + " clash");
        }
      }
    }
    if (identities.isEmpty()) {
      throw new ModelException(
          "service "
              + name
              + ": identities: empty (expected: the SPIFFE IDs its workloads run as)");
    }
  }

  /** The port numbered {@code port}. */
  public Optional<ServicePort> port(int port) {
    return ports.stream().filter(p -> p.port() == port).findFirst();
  }

  /** Endpoints in {@code cluster} only. */
  public List<Endpoint> endpointsIn(String cluster) {
    return endpoints.stream().filter(e -> e.locality().cluster().equals(cluster)).toList();
  }
}
