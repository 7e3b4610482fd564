package io.fedmesh.cli;

import io.fedmesh.cli.runner.StateDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine.Option;

/**
 * {@code --state-dir}: where a run of {@code fedmesh up} lives. Without it, the commands that talk
 * to a running topology use the one run under {@code ~/.fedmesh/run} that is up; when none is,
 * {@code ~/.fedmesh/run/default}, or the only run there.
 */
final class StateDirOption {
  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      description =
          "State directory of the run (default: ~/.fedmesh/run/<topology>; for commands other"
              + " than up: the one run there that is up, else 'default' or the only run).")
  Path stateDir;

  /** The state directory of an existing run. */
  StateDir existing() {
    if (stateDir != null) {
      StateDir s = new StateDir(stateDir);
      if (!Files.isRegularFile(s.topologyFile())) {
        throw new NotRunningException(
            "--state-dir: "
                + stateDir
                + " holds no run (no topology.yaml; start one with 'fedmesh up --state-dir "
                + stateDir
                + "')");
      }
      return s;
    }
    return findExisting(StateDir.defaultFor("default"));
  }

  /**
   * Without {@code --state-dir}: the one run under {@code fallback}'s parent with a cluster process
   * alive; when none is alive, {@code fallback} if it holds a run, else the only run there is. A
   * stopped run's directory stays behind, so "default" alone would pick it over the one that is up.
   */
  static StateDir findExisting(StateDir fallback) {
    Path runs = fallback.root().getParent();
    List<Path> found;
    try (Stream<Path> dirs = Files.isDirectory(runs) ? Files.list(runs) : Stream.empty()) {
      found = dirs.filter(d -> Files.isRegularFile(d.resolve("topology.yaml"))).sorted().toList();
    } catch (IOException e) {
      found = List.of();
    }
    List<Path> up = found.stream().filter(ClusterProcesses::anyLive).toList();
    if (up.size() == 1) {
      return new StateDir(up.get(0));
    }
    if (up.size() > 1) {
      throw new UsageException(
          "several runs are up under " + runs + ": " + up + " (expected: --state-dir DIR)");
    }
    if (Files.isRegularFile(fallback.topologyFile())) {
      return fallback;
    }
    if (found.size() == 1) {
      return new StateDir(found.get(0));
    }
    throw new NotRunningException(
        found.isEmpty()
            ? "no run found under " + runs + " (start one with 'fedmesh up')"
            : "several runs under "
                + runs
                + ", none up: "
                + found
                + " (expected: --state-dir DIR)");
  }
}
