package io.fedmesh.cli;

import io.fedmesh.cli.runner.ClusterStatus;
import io.fedmesh.cli.runner.ControlClient;
import io.fedmesh.cli.runner.StateDir;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fedmesh link} and {@code fedmesh unlink} between two clusters of a run: each side then
 * imports (or drops) what the other exports.
 */
@Command(
    name = "link",
    header = "Link two clusters of the run: each imports what the other exports.",
    sortOptions = false)
class LinkCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--from", required = true, paramLabel = "CLUSTER", description = "Dialing side.")
  String from;

  @Option(names = "--to", required = true, paramLabel = "CLUSTER", description = "Accepting side.")
  String to;

  @Mixin StateDirOption stateDir = new StateDirOption();

  @Mixin OutputOption output = new OutputOption();

  boolean unlink() {
    return false;
  }

  @Override
  public Integer call() {
    StateDir state = stateDir.existing();
    RunningTopology.cluster(state, "--from", from);
    RunningTopology.cluster(state, "--to", to);
    if (from.equals(to)) {
      throw new UsageException("--to: '" + to + "' is --from too (expected: another cluster)");
    }
    List<ClusterStatus.Link> links;
    try (ControlClient a = ControlClient.of(state, from);
        ControlClient b = ControlClient.of(state, to)) {
      if (unlink()) {
        links = a.unlink(to);
        b.unlink(from);
      } else {
        b.link(from);
        links = a.link(to);
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      out.println(Json.write(links));
    } else {
      out.println((unlink() ? "Unlinked " : "Linked ") + from + " and " + to + ".");
      for (ClusterStatus.Link l : links) {
        out.println("  " + from + " -> " + l.cluster() + ": " + l.state());
      }
    }
    out.flush();
    return Fedmesh.EXIT_OK;
  }
}
