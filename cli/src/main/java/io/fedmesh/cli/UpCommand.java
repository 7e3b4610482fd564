package io.fedmesh.cli;

import io.fedmesh.cli.runner.AdminCalls;
import io.fedmesh.cli.runner.ClusterStatus;
import io.fedmesh.cli.runner.ControlClient;
import io.fedmesh.cli.runner.ControlPlaneStatus;
import io.fedmesh.cli.runner.RunnerException;
import io.fedmesh.cli.runner.StateDir;
import io.fedmesh.proxy.config.ConfigErrors;
import io.fedmesh.proxy.config.KnownLocalities;
import io.fedmesh.proxy.config.Topology;
import io.fedmesh.proxy.config.TopologyLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fedmesh up}: starts a topology on this machine, one OS process per cluster, waits until it
 * is ready, prints where everything listens, and stays in the foreground with a live summary (or
 * returns with {@code --detach}).
 */
@Command(
    name = "up",
    header = "Run a multi-cluster topology on this machine (default: the embedded two clusters).",
    description = {
      "Each cluster runs in its own process: controller replicas (Hazelcast catalog, CA, push,",
      "admin API), an east-west gateway and demo workloads with sidecars, which get their SVIDs",
      "by join token and their config by push. Then the topology's links are made by peering",
      "tokens and its policies applied. Logs and credentials go to the state directory.",
      "Ctrl-C stops everything; with --detach, 'fedmesh down' does."
    },
    sortOptions = false)
final class UpCommand implements Callable<Integer> {
  static final String DEFAULT_TOPOLOGY = "/io/fedmesh/cli/topologies/default.yaml";
  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);

  @Spec CommandSpec spec;

  @Parameters(
      arity = "0..1",
      paramLabel = "TOPOLOGY.yaml",
      description = "Topology file (default: the embedded default.yaml).")
  Path topologyFile;

  @Mixin StateDirOption stateDir = new StateDirOption();

  @Option(names = "--detach", description = "Return once ready; stop it with 'fedmesh down'.")
  boolean detach;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "120s",
      description = "How long to wait until ready (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Option(
      names = "--refresh",
      paramLabel = "DURATION",
      defaultValue = "5s",
      description = "Live summary interval in the foreground (default: ${DEFAULT-VALUE}).")
  String refresh;

  @Override
  public Integer call() throws Exception {
    Duration wait = Durations.parse("--timeout", timeout);
    Duration every = Durations.parse("--refresh", refresh);
    String text;
    Topology topology;
    if (topologyFile == null) {
      text = embeddedDefault();
      topology = TopologyLoader.parse(text, "default.yaml (embedded)", null);
    } else {
      topology = TopologyLoader.load(topologyFile);
      text = Files.readString(topologyFile, StandardCharsets.UTF_8);
    }
    KnownLocalities known = topology.localities();
    for (Topology.PolicyDocument doc : topology.policies()) {
      try {
        PolicyApplyCommand.check(doc.yaml(), doc.source(), known);
      } catch (ConfigErrors e) {
        return PolicyValidateCommand.refuse(
            spec.commandLine().getErr(), doc.source(), e, "nothing started");
      }
    }
    StateDir state =
        stateDir.stateDir != null
            ? new StateDir(stateDir.stateDir)
            : StateDir.defaultFor(topology.name());
    PrintWriter out = spec.commandLine().getOut();
    if (Files.isRegularFile(state.topologyFile())) {
      Topology previous = state.topology();
      for (Topology.Cluster c : previous.clusters()) {
        if (ClusterProcesses.live(state, c.name()).isPresent()) {
          throw new UsageException(
              "a run is already up in "
                  + state.root()
                  + " (cluster "
                  + c.name()
                  + "; expected: 'fedmesh down --state-dir "
                  + state.root()
                  + "' first, or another --state-dir)");
        }
      }
    }
    if (Files.exists(state.root()) && !Files.isDirectory(state.root())) {
      throw new UsageException(
          "--state-dir: "
              + state.root()
              + " is not a directory (expected: a directory to hold the run)");
    }
    try {
      state.create(
          topology,
          text,
          topologyFile == null ? null : topologyFile.toAbsolutePath().getParent(),
          Fedmesh.of(spec).clock());
    } catch (java.io.UncheckedIOException e) {
      throw new UsageException(
          "cannot write the run's state directory "
              + state.root()
              + ": "
              + e.getCause()
              + " (expected: a writable directory; choose another with --state-dir)");
    }
    out.println(
        "Starting topology '"
            + topology.name()
            + "' ("
            + topology.clusters().size()
            + " clusters) in "
            + state.root());
    out.flush();
    Map<String, Process> processes = new LinkedHashMap<>();
    Thread stopper = new Thread(() -> ClusterProcesses.stopAll(state, topology), "fedmesh-down");
    Runtime.getRuntime().addShutdownHook(stopper);
    boolean ready = false;
    try {
      for (Topology.Cluster c : topology.clusters()) {
        processes.put(c.name(), ClusterProcesses.spawn(state, c.name(), wait));
      }
      long deadline = System.nanoTime() + wait.toNanos();
      List<ClusterStatus> statuses = awaitReady(state, topology, processes, deadline, wait);
      for (Topology.Link l : topology.links()) {
        LinkCommand.link(state, l.from(), l.to());
        out.println(
            "Linked " + l.from() + " -> " + l.to() + " (peering token from " + l.to() + ")");
      }
      awaitLinks(state, topology, deadline, wait);
      for (Topology.PolicyDocument doc : topology.policies()) {
        List<String> targets = doc.clusters().isEmpty() ? topology.clusterNames() : doc.clusters();
        for (String c : targets) {
          PolicyApplyCommand.apply(state, c, doc.source(), doc.yaml());
          out.println("Applied " + doc.source() + " to " + c);
        }
      }
      ready = true;
      printTable(out, state, statuses);
    } finally {
      if (!ready) {
        ClusterProcesses.stopAll(state, topology);
        removeHook(stopper);
      }
    }
    if (detach) {
      removeHook(stopper);
      boolean usual = state.root().equals(StateDir.defaultFor("default").root());
      out.println(
          "Detached. Stop it with: fedmesh down" + (usual ? "" : " --state-dir " + state.root()));
      out.flush();
      return Fedmesh.EXIT_OK;
    }
    out.println(
        "Running; a summary every " + Durations.format(every) + ". Ctrl-C stops everything.");
    out.flush();
    CountDownLatch never = new CountDownLatch(1);
    while (!never.await(every.toMillis(), TimeUnit.MILLISECONDS)) {
      printSummary(out, state, topology, Fedmesh.of(spec).clock());
    }
    return Fedmesh.EXIT_OK;
  }

  private static String embeddedDefault() throws IOException {
    try (InputStream in = UpCommand.class.getResourceAsStream(DEFAULT_TOPOLOGY)) {
      if (in == null) {
        throw new IllegalStateException(DEFAULT_TOPOLOGY + " is missing from the cli jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Waits until every cluster process is up and answers on its control endpoint. */
  private static List<ClusterStatus> awaitReady(
      StateDir state,
      Topology topology,
      Map<String, Process> processes,
      long deadline,
      Duration wait)
      throws InterruptedException {
    String missing = "";
    while (System.nanoTime() < deadline) {
      for (Map.Entry<String, Process> p : processes.entrySet()) {
        if (!p.getValue().isAlive()) {
          throw new NotReadyException(
              "cluster "
                  + p.getKey()
                  + " exited with code "
                  + p.getValue().exitValue()
                  + " before it was ready; its log: "
                  + state.logFile(p.getKey())
                  + lastLines(state.logFile(p.getKey())));
        }
      }
      List<ClusterStatus> statuses = new ArrayList<>();
      missing = "";
      for (Topology.Cluster c : topology.clusters()) {
        if (state.ready(c.name()).isEmpty()) {
          missing =
              "cluster " + c.name() + " has not started (log: " + state.logFile(c.name()) + ")";
          break;
        }
        try (ControlClient client = ControlClient.of(state, c.name())) {
          statuses.add(client.status());
        } catch (RunnerException e) {
          missing = e.getMessage();
        }
      }
      if (missing.isEmpty()) {
        return statuses;
      }
      Thread.sleep(200);
    }
    throw new NotReadyException("not ready after " + Durations.format(wait) + ": " + missing);
  }

  /** Waits until every link of the topology is connected on its dialing side. */
  private static void awaitLinks(StateDir state, Topology topology, long deadline, Duration wait)
      throws InterruptedException {
    List<String> missing = List.of();
    while (System.nanoTime() < deadline) {
      List<String> now = new ArrayList<>();
      for (Topology.Link l : topology.links()) {
        String link = "link " + l.from() + " -> " + l.to();
        try (AdminCalls admin = AdminCalls.of(state, l.from())) {
          ControlPlaneStatus s = ControlPlaneStatus.decode(admin.await(a -> a.status()).encode());
          boolean connected =
              s.links().stream()
                  .anyMatch(e -> e.cluster().equals(l.to()) && e.state().equals("connected"));
          if (!connected) {
            now.add(link + " is not connected");
          }
        } catch (RunnerException e) {
          // A replica that did not answer this once (a leader change, a slow start): ask again
          // until the deadline, as for a link still connecting.
          now.add(link + ": " + e.getMessage());
        }
      }
      missing = now;
      if (missing.isEmpty()) {
        return;
      }
      Thread.sleep(200);
    }
    throw new NotReadyException(
        "not ready after " + Durations.format(wait) + ": " + String.join("; ", missing));
  }

  private static String lastLines(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return "\n  | "
          + String.join("\n  | ", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "";
    }
  }

  static void printTable(PrintWriter out, StateDir state, List<ClusterStatus> statuses) {
    out.println();
    out.println(
        String.format(
            Locale.ROOT,
            "%-10s %-24s %-9s %-17s %s",
            "CLUSTER",
            "TRUST DOMAIN",
            "PID",
            "GATEWAY",
            "CONTROLLERS (mTLS: push, admin API)"));
    for (ClusterStatus s : statuses) {
      List<String> controllers = new ArrayList<>();
      s.controllers().forEach(c -> controllers.add(c.mtls()));
      out.println(
          String.format(
              Locale.ROOT,
              "%-10s %-24s %-9d %-17s %s",
              s.cluster(),
              s.trustDomain(),
              s.pid(),
              s.gateway().address(),
              String.join(" ", controllers)));
    }
    out.println();
    out.println(
        String.format(
            Locale.ROOT,
            "%-10s %-24s %-11s %-17s %-17s %-17s",
            "CLUSTER",
            "WORKLOAD",
            "ZONE",
            "CALL THROUGH",
            "INBOUND (mTLS)",
            "ADMIN"));
    for (ClusterStatus s : statuses) {
      for (ClusterStatus.Workload w : s.workloads()) {
        out.println(
            String.format(
                Locale.ROOT,
                "%-10s %-24s %-11s %-17s %-17s %-17s",
                s.cluster(),
                w.pod(),
                w.zone(),
                w.outbound(),
                w.inbound(),
                w.admin()));
      }
    }
    out.println();
    out.println(
        "Try: fedmesh call --cluster us-east --from frontend"
            + " http://reviews.default.svc.clusterset.local:9080/ --count 10");
    out.println(
        "     (or curl -H 'Host: reviews.default.svc.clusterset.local' http://<CALL THROUGH>/)");
    out.println("Logs: " + state.root().resolve("clusters") + "/<cluster>/cluster.log");
    out.flush();
  }

  private static void printSummary(
      PrintWriter out, StateDir state, Topology topology, java.time.Clock clock) {
    StringBuilder b = new StringBuilder();
    b.append('[').append(LocalTime.now(clock).format(CLOCK)).append(']');
    try {
      for (RunningTopology.ClusterView v : RunningTopology.views(state, clock)) {
        b.append("\n  ").append(v.cluster()).append(':');
        for (String line : StatusCommand.lines(v)) {
          b.append("\n    ").append(line);
        }
      }
    } catch (RuntimeException e) {
      b.append("\n  NOT ANSWERING: ").append(e.getMessage());
    }
    out.println(b);
    out.flush();
  }

  /**
   * Removes the stop hook; once the JVM is shutting down (Ctrl-C during start-up) the hook is
   * already running and stops the processes itself.
   */
  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs
    }
  }
}
