package io.fedmesh.controller.catalog;

/**
 * One endpoint of a local service: the inbound listener of a workload's sidecar.
 *
 * @param namespace the service's namespace
 * @param service the service's name
 * @param id unique within the service, e.g. the pod name
 * @param host the sidecar's inbound address
 * @param port the sidecar's inbound mTLS port
 * @param region the endpoint's region
 * @param zone the endpoint's zone
 * @param weight relative weight, at least 1
 * @param healthy as last reported (readiness, health checks)
 * @param tcpPort the sidecar's inbound raw-TCP port (where the gateway sends a TCP service port's
 *     connections), or 0 when the endpoint takes no raw TCP
 */
public record EndpointEntry(
    String namespace,
    String service,
    String id,
    String host,
    int port,
    String region,
    String zone,
    int weight,
    boolean healthy,
    int tcpPort) {

  /** An endpoint that takes no raw TCP. */
  public EndpointEntry(
      String namespace,
      String service,
      String id,
      String host,
      int port,
      String region,
      String zone,
      int weight,
      boolean healthy) {
    this(namespace, service, id, host, port, region, zone, weight, healthy, 0);
  }

  /** The catalog key: {@code namespace/service/id}. */
  public String key() {
    return Catalog.serviceKey(namespace, service) + "/" + id;
  }

  /** The same endpoint with another health. */
  public EndpointEntry withHealthy(boolean h) {
    return new EndpointEntry(namespace, service, id, host, port, region, zone, weight, h, tcpPort);
  }
}
