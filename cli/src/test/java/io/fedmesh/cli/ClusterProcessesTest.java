package io.fedmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.cli.runner.StateDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterProcessesTest {
  @TempDir Path dir;
  private final List<Process> started = new ArrayList<>();

  /** A live process whose command line carries {@code args} and then 6 KiB of class path. */
  private Process sleeper(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("bash", "-c", "sleep 30; true"));
    cmd.addAll(List.of(args));
    cmd.add("/opt/lib/" + "a".repeat(6_000) + ".jar");
    Process p = new ProcessBuilder(cmd).start();
    started.add(p);
    return p;
  }

  @AfterEach
  void stop() {
    started.forEach(Process::destroyForcibly);
  }

  @Test
  void aRecordedPidCountsOnlyWhenItsProcessCarriesTheClustersMarker() throws Exception {
    StateDir state = new StateDir(dir);
    Files.createDirectories(state.clusterDir("us-west"));

    Process ours = sleeper(ClusterProcesses.marker("us-west"), "cluster-run");
    state.writePid("us-west", ours.pid());
    assertThat(ClusterProcesses.live(state, "us-west")).isPresent();

    // Another cluster's process, and one with a marker of a longer name, are not this one's.
    Process other = sleeper(ClusterProcesses.marker("us-west-2"), "cluster-run", "us-west");
    state.writePid("us-west", other.pid());
    assertThat(ClusterProcesses.live(state, "us-west")).isEmpty();

    // A recycled pid: a live process that is no cluster-run at all (its arguments are too long
    // for the JDK to list, which the old check took as "ours").
    Process stranger = sleeper("cluster-run", "us-west");
    assertThat(stranger.toHandle().info().arguments()).isEmpty();
    state.writePid("us-west", stranger.pid());
    assertThat(ClusterProcesses.live(state, "us-west")).isEmpty();

    ours.destroyForcibly().waitFor();
    state.writePid("us-west", ours.pid());
    assertThat(ClusterProcesses.live(state, "us-west")).as("an exited process").isEmpty();
  }

  /** A run's directory under {@code runs}, its cluster's pid file naming {@code pid}. */
  private static Path run(Path runs, String name, String cluster, long pid) throws Exception {
    StateDir state = new StateDir(runs.resolve(name));
    Files.createDirectories(state.clusterDir(cluster));
    Files.writeString(state.topologyFile(), "name: " + name + "\n");
    state.writePid(cluster, pid);
    return state.root();
  }

  @Test
  void withoutStateDirTheRunThatIsUpIsChosenOverTheStoppedDefault() throws Exception {
    Path runs = dir.resolve("run");
    Process dead = new ProcessBuilder("true").start();
    dead.waitFor();
    // 'default' was stopped (its directory stays); 'three' is up.
    run(runs, "default", "us-west", dead.pid());
    Path three = run(runs, "three", "eu", sleeper(ClusterProcesses.marker("eu")).pid());
    StateDir fallback = new StateDir(runs.resolve("default"));

    assertThat(StateDirOption.findExisting(fallback).root()).isEqualTo(three);

    // Two up: the command cannot guess.
    run(runs, "other", "ap", sleeper(ClusterProcesses.marker("ap")).pid());
    assertThatThrownBy(() -> StateDirOption.findExisting(fallback))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("several runs are up")
        .hasMessageContaining("--state-dir");

    // None up: 'default' as before.
    started.forEach(Process::destroyForcibly);
    for (Process p : started) {
      p.waitFor();
    }
    assertThat(StateDirOption.findExisting(fallback).root()).isEqualTo(runs.resolve("default"));
  }
}
