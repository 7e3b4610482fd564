package io.fedmesh.cli.runner;

import java.util.List;

/**
 * What a running cluster reports on {@code GET /v1/status}: the JSON behind {@code fedmesh status},
 * {@code services}, {@code gateways} and {@code up}'s table.
 *
 * @param cluster the cluster
 * @param trustDomain its trust domain
 * @param region its region
 * @param pid the cluster process
 * @param configVersion the version of the config its proxies run on
 * @param gateway its east-west gateway
 * @param links the clusters it is linked with, and whether their gateway is known
 * @param workloads the demo replicas with their sidecars
 * @param services each service this cluster's proxies know, with endpoints per locality
 */
public record ClusterStatus(
    String cluster,
    String trustDomain,
    String region,
    long pid,
    long configVersion,
    Gateway gateway,
    List<Link> links,
    List<Workload> workloads,
    List<ServiceView> services) {

  /**
   * The east-west gateway.
   *
   * @param address host:port other clusters reach it on
   * @param admin its admin listener
   * @param ready whether it accepts connections
   * @param routes exported service ports it routes
   * @param activeConnections connections it splices now
   */
  public record Gateway(
      String address, String admin, boolean ready, int routes, int activeConnections) {}

  /**
   * A link.
   *
   * @param cluster the other cluster
   * @param state {@code connected} when its gateway address is known, else {@code pending}
   * @param gateway its gateway's address, or empty
   */
  public record Link(String cluster, String state, String gateway) {}

  /**
   * A demo replica and its sidecar.
   *
   * @param pod the replica's name
   * @param namespace its service's namespace
   * @param service its service
   * @param kind http-echo or grpc-echo
   * @param zone its zone
   * @param app the app's address
   * @param inbound the sidecar's mTLS inbound address (the endpoint)
   * @param outbound the sidecar's plain outbound address: call other services through it
   * @param admin the sidecar's admin address
   */
  public record Workload(
      String pod,
      String namespace,
      String service,
      String kind,
      String zone,
      String app,
      String inbound,
      String outbound,
      String admin) {}

  /**
   * A service as this cluster's proxies see it.
   *
   * @param namespace the namespace
   * @param name the name
   * @param exported whether this cluster exports it
   * @param localities endpoints per locality, local and imported
   */
  public record ServiceView(
      String namespace, String name, boolean exported, List<LocalityView> localities) {}

  /**
   * Endpoints of one locality.
   *
   * @param cluster the cluster
   * @param zone the zone
   * @param endpoints how many endpoints (for another cluster: replicas behind its gateway)
   * @param healthy how many are healthy
   * @param via {@code local}, or the gateway address the locality is reached through
   */
  public record LocalityView(String cluster, String zone, int endpoints, int healthy, String via) {}
}
