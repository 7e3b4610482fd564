package io.fedmesh.cli.runner;

import io.fedmesh.controller.ControllerContext;
import io.fedmesh.controller.catalog.GatewayEntry;
import io.fedmesh.controller.catalog.ImportEntry;
import io.fedmesh.controller.catalog.LinkEntry;
import io.fedmesh.controller.catalog.LocalityCount;
import io.fedmesh.controller.catalog.ProxyEntry;
import java.util.List;

/**
 * A cluster's control plane as its controllers' admin API reports it ({@code GET /v1/status}): what
 * {@code fedmesh status}, {@code services}, {@code gateways} and {@code check} show.
 *
 * @param cluster the cluster
 * @param trustDomain its trust domain
 * @param replicaId the replica that answered
 * @param nowMillis that replica's clock when it answered
 * @param replicas the replicas (Hazelcast members), the leader first
 * @param gateways east-west gateways as probed: linked clusters' (and this cluster's own)
 * @param links links to other clusters and their state
 * @param services this cluster's services with endpoint counts per locality
 * @param imports services imported from linked clusters
 * @param proxies proxies and the config versions they ACKed or NACKed
 */
public record ControlPlaneStatus(
    String cluster,
    String trustDomain,
    String replicaId,
    long nowMillis,
    List<ControllerContext.Replica> replicas,
    List<GatewayEntry> gateways,
    List<LinkEntry> links,
    List<ServiceSummary> services,
    List<ImportEntry> imports,
    List<ProxyEntry> proxies) {

  /**
   * A service of this cluster.
   *
   * @param namespace its namespace
   * @param name its name
   * @param exported whether linked clusters may import it
   * @param localities healthy and total endpoints per zone
   */
  public record ServiceSummary(
      String namespace, String name, boolean exported, List<LocalityCount> localities) {}

  /** Decodes the admin API's answer. */
  public static ControlPlaneStatus decode(String json) {
    try {
      return StateDir.JSON.readValue(json, ControlPlaneStatus.class);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot read the controller's status: " + e.getMessage(), e);
    }
  }
}
