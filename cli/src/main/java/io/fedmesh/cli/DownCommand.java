package io.fedmesh.cli;

import io.fedmesh.cli.runner.StateDir;
import io.fedmesh.proxy.config.Topology;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code fedmesh down}: stops every cluster process of a run (SIGTERM, bounded wait, SIGKILL). */
@Command(
    name = "down",
    header = "Stop a run started with 'fedmesh up --detach' (state directory kept, logs included).",
    sortOptions = false)
final class DownCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StateDirOption stateDir = new StateDirOption();

  @Override
  public Integer call() {
    StateDir state = stateDir.existing();
    Topology topology = state.topology();
    long running =
        topology.clusters().stream()
            .filter(c -> ClusterProcesses.live(state, c.name()).isPresent())
            .count();
    List<String> killed = ClusterProcesses.stopAll(state, topology);
    PrintWriter out = spec.commandLine().getOut();
    out.println(
        "Stopped "
            + running
            + " cluster process(es) of "
            + state.root()
            + (killed.isEmpty()
                ? ""
                : " ("
                    + String.join(", ", killed)
                    + " killed after "
                    + Durations.format(ClusterProcesses.STOP_BOUND)
                    + ")"));
    out.flush();
    return running == 0 ? Fedmesh.EXIT_NOT_RUNNING : Fedmesh.EXIT_OK;
  }
}
