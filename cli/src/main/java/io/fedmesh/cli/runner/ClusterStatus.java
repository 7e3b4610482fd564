package io.fedmesh.cli.runner;

import io.fedmesh.proxy.push.PushState;
import java.util.List;

/**
 * What a cluster process reports on its control endpoint's {@code GET /v1/status}: the platform's
 * view (processes, listeners, what each proxy's push stream holds). What the control plane knows
 * (links, services, imports, gateway probes) comes from the controllers' admin API instead.
 *
 * @param cluster the cluster
 * @param trustDomain its trust domain
 * @param region its region
 * @param pid the cluster process
 * @param controllers its controller replicas
 * @param gateway its east-west gateway
 * @param workloads the demo replicas with their sidecars
 */
public record ClusterStatus(
    String cluster,
    String trustDomain,
    String region,
    long pid,
    List<Controller> controllers,
    Gateway gateway,
    List<Workload> workloads) {

  /**
   * A controller replica.
   *
   * @param index its number in the cluster (for {@code fedmesh chaos kill-controller})
   * @param replicaId its id
   * @param mtls its mTLS listener (push, renewal, admin API)
   * @param bootstrap its bootstrap listener (join tokens)
   * @param running false once killed
   * @param leader whether it is the leader (the oldest Hazelcast member)
   */
  public record Controller(
      int index,
      String replicaId,
      String mtls,
      String bootstrap,
      boolean running,
      boolean leader) {}

  /**
   * The east-west gateway.
   *
   * @param address host:port other clusters reach it on
   * @param health its mTLS health listener (linked controllers probe it)
   * @param admin its admin listener
   * @param ready whether it accepts connections
   * @param routes exported service ports it routes
   * @param activeConnections connections it splices now
   * @param push what its push stream holds
   */
  public record Gateway(
      String address,
      String health,
      String admin,
      boolean ready,
      int routes,
      int activeConnections,
      PushState push) {}

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
   * @param push what its push stream holds
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
      String admin,
      PushState push) {}

  /**
   * A service's replicas after {@code fedmesh scale}.
   *
   * @param namespace the namespace
   * @param name the name
   * @param replicas replicas running per zone
   * @param propagated whether every proxy of the cluster took the change within the bound (false:
   *     some still route as before, for a moment)
   */
  public record Scaled(
      String namespace, String name, java.util.Map<String, Integer> replicas, boolean propagated) {}
}
