package io.fedmesh.cli;

import io.fedmesh.cli.runner.ClusterStatus;
import io.fedmesh.cli.runner.ControlClient;
import io.fedmesh.cli.runner.StateDir;
import io.fedmesh.proxy.config.Topology;
import java.util.ArrayList;
import java.util.List;

/** The clusters of a run, asked for their status: what status, services, gateways, check read. */
final class RunningTopology {
  private RunningTopology() {}

  /** Every cluster's status; a cluster that does not answer fails the command (exit 4). */
  static List<ClusterStatus> statuses(StateDir state) {
    Topology topology = state.topology();
    List<ClusterStatus> out = new ArrayList<>();
    for (Topology.Cluster c : topology.clusters()) {
      if (ClusterProcesses.live(state, c.name()).isEmpty()) {
        throw new NotRunningException(
            "cluster "
                + c.name()
                + " is not running (state directory "
                + state.root()
                + "; start it with 'fedmesh up')");
      }
      try (ControlClient client = ControlClient.of(state, c.name())) {
        out.add(client.status());
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
