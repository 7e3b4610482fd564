package io.fedmesh.controller.catalog;

import java.util.List;

/**
 * A service a linked cluster exports, as this cluster imported it (a summary: callers reach it
 * through the owner's gateway, never by pod address).
 *
 * @param cluster the exporting cluster
 * @param namespace the service's namespace
 * @param name the service's name
 * @param ports its ports
 * @param identities the SPIFFE IDs its workloads run as
 * @param localities endpoint health per locality of the exporting cluster
 * @param reachable false while the peering stream or the owner's gateway is lost beyond the bound
 */
public record ImportEntry(
    String cluster,
    String namespace,
    String name,
    List<PortEntry> ports,
    List<String> identities,
    List<LocalityCount> localities,
    boolean reachable) {
  public ImportEntry {
    ports = List.copyOf(ports);
    identities = List.copyOf(identities);
    localities = List.copyOf(localities);
  }

  /** The catalog key: {@code cluster/namespace/name}. */
  public String key() {
    return cluster + "/" + Catalog.serviceKey(namespace, name);
  }
}
