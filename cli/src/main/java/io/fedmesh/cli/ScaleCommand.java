package io.fedmesh.cli;

import io.fedmesh.cli.runner.ClusterProcess;
import io.fedmesh.cli.runner.ClusterStatus;
import io.fedmesh.cli.runner.ControlClient;
import io.fedmesh.cli.runner.StateDir;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fedmesh scale}: sets a demo service's replicas in one cluster (0 stops them all). */
@Command(
    name = "scale",
    header =
        "Set the replicas of a demo service in one cluster, spread over its zones (0 stops all).",
    sortOptions = false)
final class ScaleCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--cluster", required = true, paramLabel = "CLUSTER", description = "Cluster.")
  String cluster;

  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NS",
      defaultValue = "default",
      description = "Namespace (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Parameters(paramLabel = "SERVICE=N", description = "Service and replicas, e.g. reviews=0.")
  String assignment;

  @Mixin StateDirOption stateDir = new StateDirOption();

  @Mixin OutputOption output = new OutputOption();

  @Override
  public Integer call() {
    int eq = assignment.indexOf('=');
    int replicas;
    try {
      replicas = eq <= 0 ? -1 : Integer.parseInt(assignment.substring(eq + 1));
    } catch (NumberFormatException e) {
      replicas = -1;
    }
    if (replicas < 0) {
      throw new UsageException(
          "SERVICE=N: '" + assignment + "' (expected: a service and a count >= 0, e.g. reviews=0)");
    }
    StateDir state = stateDir.existing();
    RunningTopology.cluster(state, "--cluster", cluster);
    ClusterStatus.Scaled v;
    try (ControlClient client = ControlClient.of(state, cluster)) {
      v = client.scale(namespace, assignment.substring(0, eq), replicas);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      out.println(Json.write(v));
    } else {
      StringBuilder zones = new StringBuilder();
      v.replicas().forEach((zone, n) -> zones.append(' ').append(zone).append('=').append(n));
      out.println(
          "Scaled "
              + v.namespace()
              + "/"
              + v.name()
              + " in "
              + cluster
              + " to "
              + replicas
              + " (per zone:"
              + zones
              + ").");
    }
    out.flush();
    if (!v.propagated()) {
      PrintWriter err = spec.commandLine().getErr();
      err.println(
          "warning: not every proxy of "
              + cluster
              + " had the change after "
              + ClusterProcess.PROPAGATION_BOUND.toSeconds()
              + " s; some calls may still go where they went before until it arrives (see"
              + " 'fedmesh status' for proxies not connected to a controller).");
      err.flush();
    }
    return Fedmesh.EXIT_OK;
  }
}
