package io.fedmesh.controller.catalog;

import java.util.List;

/**
 * A service of this cluster (its endpoints are {@link EndpointEntry} entries of the same key).
 *
 * @param namespace the service's namespace
 * @param name the service's name
 * @param ports the ports it serves
 * @param identities the SPIFFE IDs its workloads run as
 * @param exported whether linked clusters may import it (only exported services are reachable
 *     through the east-west gateway)
 */
public record ServiceEntry(
    String namespace,
    String name,
    List<PortEntry> ports,
    List<String> identities,
    boolean exported) {
  public ServiceEntry {
    ports = List.copyOf(ports);
    identities = List.copyOf(identities);
  }

  /** The catalog key: {@code namespace/name}. */
  public String key() {
    return Catalog.serviceKey(namespace, name);
  }
}
