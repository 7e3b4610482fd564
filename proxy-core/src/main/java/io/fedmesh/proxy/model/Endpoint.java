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
 * @param tcpPort for a local endpoint, its sidecar's inbound TCP port (mTLS, default {@value
 *     #DEFAULT_TCP_PORT} in a pod), where raw TCP service ports are sent; 0 when the endpoint takes
 *     no raw TCP. Always 0 on a remote endpoint: TCP to a linked cluster goes to its gateway like
 *     HTTP, with an SNI naming the TCP port, and the gateway knows its endpoints' TCP ports
 */
public record Endpoint(
    String id,
    String host,
    int port,
    Locality locality,
    int weight,
    boolean healthy,
    Optional<String> sni,
    int tcpPort) {
  /** The sidecar's inbound TCP port in a pod (Istio uses 15008 for its tunnel port too). */
  public static final int DEFAULT_TCP_PORT = 15008;

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
    if (tcpPort < 0 || tcpPort > 65535) {
      throw new ModelException(
          "endpoint " + id + ": tcpPort " + tcpPort + " (expected: 1..65535, or 0 for none)");
    }
    if (tcpPort != 0) {
      if (sni.isPresent()) {
        throw new ModelException(
            "endpoint "
                + id
                + ": tcpPort "
                + tcpPort
                + " on an endpoint behind a gateway (expected: none; the gateway routes TCP by"
                + " SNI)");
      }
    }
  }

  /** An endpoint that takes no raw TCP ({@code tcpPort} 0). */
  public Endpoint(
      String id,
      String host,
      int port,
      Locality locality,
      int weight,
      boolean healthy,
      Optional<String> sni) {
    this(id, host, port, locality, weight, healthy, sni, 0);
  }

  /** A local endpoint. */
  public static Endpoint local(String id, String host, int port, Locality locality) {
    return new Endpoint(id, host, port, locality, 1, true, Optional.empty());
  }

  /** This endpoint with inbound TCP port {@code tcpPort} (0: none). */
  public Endpoint withTcpPort(int tcpPort) {
    return new Endpoint(id, host, port, locality, weight, healthy, sni, tcpPort);
  }

  /**
   * Whether raw TCP can be sent to it: a remote endpoint (by its gateway) or a local one with a TCP
   * port.
   */
  public boolean takesTcp() {
    return isRemote() || tcpPort != 0;
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
