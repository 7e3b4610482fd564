package io.fedmesh.cli;

import io.fedmesh.cli.runner.ClusterProcess;
import io.fedmesh.cli.runner.StateDir;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fedmesh cluster-run}: one cluster of a run, in this process (started by 'up'). */
@Command(
    name = "cluster-run",
    hidden = true,
    header = "Run one cluster of a 'fedmesh up' run in this process (started by 'up').")
final class ClusterRunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--state-dir", required = true, paramLabel = "DIR")
  Path stateDir;

  @Option(names = "--cluster", required = true, paramLabel = "NAME")
  String cluster;

  /** {@code up --timeout}: how long starting may take before the process gives up. */
  @Option(names = "--start-timeout", defaultValue = "120s", paramLabel = "DURATION")
  String startTimeout;

  @Override
  public Integer call() throws Exception {
    ClusterProcess running =
        ClusterProcess.start(
            new StateDir(stateDir),
            cluster,
            Fedmesh.of(spec).clock(),
            Durations.parse("--start-timeout", startTimeout));
    spec.commandLine().getOut().println("cluster " + cluster + " up");
    spec.commandLine().getOut().flush();
    RunUntilInterrupted.run(running);
    return Fedmesh.EXIT_OK;
  }
}
