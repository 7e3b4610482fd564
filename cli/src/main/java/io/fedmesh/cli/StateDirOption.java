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
 * to a running topology use {@code ~/.fedmesh/run/default}, or the only run under {@code
 * ~/.fedmesh/run} when there is exactly one.
 */
final class StateDirOption {
  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      description =
          "State directory of the run (default: ~/.fedmesh/run/<topology>; for commands other"
              + " than up: the only run there, or 'default').")
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
    StateDir fallback = StateDir.defaultFor("default");
    Path runs = fallback.root().getParent();
    if (Files.isRegularFile(fallback.topologyFile())) {
      return fallback;
    }
    List<Path> found;
    try (Stream<Path> dirs = Files.isDirectory(runs) ? Files.list(runs) : Stream.empty()) {
      found = dirs.filter(d -> Files.isRegularFile(d.resolve("topology.yaml"))).toList();
    } catch (IOException e) {
      found = List.of();
    }
    if (found.size() == 1) {
      return new StateDir(found.get(0));
    }
    throw new NotRunningException(
        found.isEmpty()
            ? "no run found under " + runs + " (start one with 'fedmesh up')"
            : "several runs under " + runs + ": " + found + " (expected: --state-dir DIR)");
  }
}
