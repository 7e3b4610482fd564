package io.fedmesh.cli;

import io.fedmesh.cli.runner.AdminCalls;
import io.fedmesh.cli.runner.ClusterStatus;
import io.fedmesh.cli.runner.ControlClient;
import io.fedmesh.cli.runner.ControlPlaneStatus;
import io.fedmesh.cli.runner.StateDir;
import io.fedmesh.controller.catalog.ProxyEntry;
import io.fedmesh.proxy.config.Topology;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** The clusters of a run, asked for their status: what status, services, gateways, check read. */
final class RunningTopology {
  private RunningTopology() {}

  /**
   * One cluster as the commands show it: the platform's view from the cluster process, the control
   * plane's from its controllers' admin API.
   *
   * @param platform processes, listeners, what each proxy's push stream holds
   * @param control replicas, links, gateway probes, services, imports, proxies' ACK/NACK
   * @param clockSkewMillis the answering controller's clock minus this machine's, at the request's
   *     midpoint
   * @param skewToleranceMillis half the request's round trip: the skew's uncertainty
   */
  record ClusterView(
      ClusterStatus platform,
      ControlPlaneStatus control,
      long clockSkewMillis,
      long skewToleranceMillis) {
    String cluster() {
      return platform.cluster();
    }

    /**
     * The proxies the controllers know that run now (the gateway and the running replicas'
     * sidecars); the catalog also remembers proxies of replicas scaled away.
     */
    List<ProxyEntry> liveProxies() {
      java.util.Set<String> running = new java.util.HashSet<>();
      platform.workloads().forEach(w -> running.add(w.pod()));
      List<ProxyEntry> out = new ArrayList<>();
      for (ProxyEntry p : control.proxies()) {
        if (p.kind().equals("gateway") || running.contains(p.proxyId())) {
          out.add(p);
        }
      }
      return out;
    }
  }

  /** Every cluster of the run; a cluster that does not answer fails the command (exit 4). */
  static List<ClusterView> views(StateDir state, Clock clock) {
    Topology topology = state.topology();
    List<ClusterView> out = new ArrayList<>();
    for (Topology.Cluster c : topology.clusters()) {
      if (ClusterProcesses.live(state, c.name()).isEmpty()) {
        throw new NotRunningException(
            "cluster "
                + c.name()
                + " is not running (state directory "
                + state.root()
                + "; start it with 'fedmesh up')");
      }
      ClusterStatus platform;
      try (ControlClient client = ControlClient.of(state, c.name())) {
        platform = client.status();
      }
      try (AdminCalls admin = AdminCalls.of(state, c.name())) {
        long before = clock.millis();
        ControlPlaneStatus control =
            ControlPlaneStatus.decode(admin.await(a -> a.status()).encode());
        long after = clock.millis();
        out.add(
            new ClusterView(
                platform,
                control,
                control.nowMillis() - (before + after) / 2,
                (after - before) / 2));
      }
    }
    return out;
  }

  /** The cluster named by --cluster, checked against the run's topology. */
  static Topology.Cluster cluster(StateDir state, String option, String name) {
    Topology topology = state.topology();
    return topology
        .cluster(name)
        .orElseThrow(
            () ->
                new UsageException(
                    option
                        + ": '"
                        + name
                        + "' is not a cluster of this run (expected: one of "
                        + String.join(", ", topology.clusterNames())
                        + ")"));
  }
}
