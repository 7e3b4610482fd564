package io.fedmesh.cli;

import io.fedmesh.cli.runner.StateDir;
import io.fedmesh.proxy.config.Topology;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Starts and stops the OS processes of a run: one {@code fedmesh cluster-run} per cluster, with the
 * java and class path of this process, output appended to the cluster's log in the state directory.
 */
final class ClusterProcesses {
  /** JVM options for Hazelcast's module access (VERSIONS.md, pitfall 4). */
  static final List<String> HAZELCAST_JVM_ARGS =
      List.of(
          "--add-modules",
          "java.se",
          "--add-exports",
          "java.base/jdk.internal.ref=ALL-UNNAMED",
          "--add-opens",
          "java.base/java.lang=ALL-UNNAMED",
          "--add-opens",
          "java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens",
          "java.management/sun.management=ALL-UNNAMED",
          "--add-opens",
          "jdk.management/com.sun.management.internal=ALL-UNNAMED");

  /** How long a cluster process gets to stop after SIGTERM before SIGKILL. */
  static final Duration STOP_BOUND = Duration.ofSeconds(20);

  private ClusterProcesses() {}

  /**
   * Starts {@code cluster}'s process; it gives up starting after {@code startBound} ({@code up
   * --timeout}), so that it does not go on after {@code up} stopped waiting for it.
   */
  static Process spawn(StateDir state, String cluster, Duration startBound) throws IOException {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add(marker(cluster));
    cmd.add("-Xmx256m");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1");
    // What Hazelcast (the controllers' catalog) needs on Java 9+, else it warns at every start.
    cmd.addAll(HAZELCAST_JVM_ARGS);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Fedmesh.class.getName());
    cmd.add("cluster-run");
    cmd.add("--state-dir");
    cmd.add(state.root().toAbsolutePath().toString());
    cmd.add("--cluster");
    cmd.add(cluster);
    cmd.add("--start-timeout");
    long seconds = Math.max(1, (startBound.toMillis() + 999) / 1000);
    // In the unit Durations reads with at most nine digits: seconds under a day, else minutes.
    cmd.add(seconds < 86_400 ? seconds + "s" : (seconds + 59) / 60 + "m");
    Path log = state.logFile(cluster);
    Files.createDirectories(log.getParent());
    Process p =
        new ProcessBuilder(cmd)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectErrorStream(true)
            .start();
    state.writePid(cluster, p.pid());
    return p;
  }

  /**
   * The first JVM argument of {@code cluster}'s process: a system property nothing reads, there so
   * that {@link #live} can tell the process from another that got its pid later.
   */
  static String marker(String cluster) {
    return "-Dfedmesh.cluster-run=" + cluster;
  }

  /** The live cluster-run process recorded for {@code cluster}, if any. */
  static Optional<ProcessHandle> live(StateDir state, String cluster) {
    return state
        .pid(cluster)
        .flatMap(ProcessHandle::of)
        .filter(ProcessHandle::isAlive)
        .filter(h -> isClusterRun(h, cluster));
  }

  /** Whether a cluster process of the run in {@code runDir} is alive. */
  static boolean anyLive(Path runDir) {
    StateDir state = new StateDir(runDir);
    try (var clusters = Files.list(runDir.resolve("clusters"))) {
      return clusters.anyMatch(d -> live(state, d.getFileName().toString()).isPresent());
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Whether {@code h} is {@code cluster}'s process and not one that got a recycled pid. Its marker
   * comes right after the java command: on Linux the JDK reads only the first 4 KiB of a command
   * line, and gives no arguments at all when it is longer, as it is with a test's class path (the
   * check once fell back to "ours" then, and would have stopped a stranger).
   */
  static boolean isClusterRun(ProcessHandle h, String cluster) {
    return h.info()
        .commandLine()
        .map(c -> (c + " ").contains(" " + marker(cluster) + " "))
        .orElse(false);
  }

  /**
   * Stops every cluster process of the run: SIGTERM to each, up to {@link #STOP_BOUND} to exit,
   * then SIGKILL. Returns the clusters that had to be killed.
   */
  static List<String> stopAll(StateDir state, Topology topology) {
    List<ProcessHandle> stopping = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (Topology.Cluster c : topology.clusters()) {
      live(state, c.name())
          .ifPresent(
              h -> {
                h.destroy();
                stopping.add(h);
                names.add(c.name());
              });
    }
    List<String> killed = new ArrayList<>();
    long deadline = System.nanoTime() + STOP_BOUND.toNanos();
    for (int i = 0; i < stopping.size(); i++) {
      ProcessHandle h = stopping.get(i);
      try {
        long left = Math.max(1, deadline - System.nanoTime());
        h.onExit().get(left, TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        h.destroyForcibly();
        killed.add(names.get(i));
        try {
          h.onExit().get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          // SIGKILL cannot be refused; the wait only orders the clean-up below
        }
      }
    }
    for (Topology.Cluster c : topology.clusters()) {
      state.clearProcess(c.name());
    }
    return killed;
  }
}
