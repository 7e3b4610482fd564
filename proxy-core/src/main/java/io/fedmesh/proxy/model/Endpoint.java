package io.fedmesh.proxy.model;

import java.util.Optional;

/**
 * One place a service can be reached. A local endpoint is a workload's inbound sidecar port. A
 * remote endpoint stands for a linked cluster's healthy copies in one locality: its address is that
 * cluster's east-west gateway, {@code sni} names what the gateway should route to, and {@code
 * weight} is the healthy count there, so a cluster is never weighed as "one endpoint".
 *
 * @param id stable identifier (pod name, or {@code cluster/zone} for a remote summary)
 * @param host address to connect to
 * @param port port to connect to
 * @param locality where the endpoint runs
 * @param weight relative weight, 1..10000 (0 is not allowed: remove the endpoint instead)
 * @param healthy health as the control plane last saw it (the proxy's own checks come on top)
 * @param sni for a remote endpoint, the SNI the owner's gateway routes by; empty for a local one
 */
public record Endpoint(
    String id,
    String host,
    int port,
    Locality locality,
    int weight,
    boolean healthy,
    Optional<String> sni) {
  public Endpoint {
    if (id == null || id.isBlank()) {
      throw new ModelException("endpoint.id: missing");
    }
    if (host == null || host.isBlank()) {
      throw new ModelException("endpoint " + id + ": host missing");
    }
    Names.checkPort("endpoint " + id + ": port", port);
    if (locality == null) {
      throw new ModelException("endpoint " + id + ": locality missing");
    }
    if (weight < 1 || weight > 10_000) {
      throw new ModelException("endpoint " + id + ": weight " + weight + " (expected: 1..10000)");
    }
    sni = sni == null ? Optional.empty() : sni;
  }

  /** A local endpoint. */
  public static Endpoint local(String id, String host, int port, Locality locality) {
    return new Endpoint(id, host, port, locality, 1, true, Optional.empty());
  }

  /** Whether it is reached through another cluster's gateway. */
  public boolean isRemote() {
    return sni.isPresent();
  }

  /** {@code host:port}. */
  public String address() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }
}
