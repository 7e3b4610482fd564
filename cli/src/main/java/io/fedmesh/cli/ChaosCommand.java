package io.fedmesh.cli;

import io.fedmesh.cli.runner.ClusterStatus;
import io.fedmesh.cli.runner.ControlClient;
import io.fedmesh.cli.runner.StateDir;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fedmesh chaos}: failures injected into a running topology. */
@Command(
    name = "chaos",
    header = "Inject failures into a running topology.",
    subcommands = {ChaosCommand.KillController.class})
final class ChaosCommand {
  private ChaosCommand() {}

  /**
   * {@code fedmesh chaos kill-controller --cluster C [--replica N]}: kills a controller replica as
   * a crash would (its listeners and Hazelcast member go at once, nothing is deregistered). The
   * other replicas keep the catalog; proxies reconnect to them.
   */
  @Command(
      name = "kill-controller",
      header = "Kill one controller replica of a cluster (default: the leader).",
      sortOptions = false)
  static final class KillController implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--cluster", required = true, paramLabel = "CLUSTER", description = "Cluster.")
    String cluster;

    @Option(
        names = "--replica",
        paramLabel = "N",
        description = "Replica number, as 'fedmesh status' lists them (default: the leader).")
    Integer replica;

    @Mixin StateDirOption stateDir = new StateDirOption();

    @Mixin OutputOption output = new OutputOption();

    @Override
    public Integer call() {
      StateDir state = stateDir.existing();
      RunningTopology.cluster(state, "--cluster", cluster);
      ClusterStatus.Controller killed;
      try (ControlClient client = ControlClient.of(state, cluster)) {
        int index = replica != null ? replica : leader(client.status());
        killed = client.killController(index);
      }
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) {
        out.println(Json.write(killed));
      } else {
        out.println(
            "Killed controller replica "
                + killed.index()
                + " ("
                + killed.replicaId()
                + ", "
                + killed.mtls()
                + ") of cluster "
                + cluster
                + ". Proxies reconnect to the others; see fedmesh status.");
      }
      out.flush();
      return Fedmesh.EXIT_OK;
    }

    private static int leader(ClusterStatus status) {
      for (ClusterStatus.Controller c : status.controllers()) {
        if (c.leader()) {
          return c.index();
        }
      }
      throw new NotReadyException(
          "cluster " + status.cluster() + " has no leader replica running now (try --replica N)");
    }
  }
}
