package io.fedmesh.cli;

import io.fedmesh.cli.runner.ClusterStatus;
import io.fedmesh.cli.runner.StateDir;
import io.fedmesh.proxy.config.Topology;
import io.fedmesh.trust.internal.Pem;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code fedmesh check}: diagnostics over a run, each failed check with a hint. Exit 3 when any
 * check fails, 4 when the run is not up.
 */
@Command(
    name = "check",
    header = "Diagnose a run: processes, links, gateways, healthy endpoints, certificate expiry.",
    sortOptions = false)
final class CheckCommand implements Callable<Integer> {
  /** A CA or operator certificate expiring within this is reported. */
  static final Duration EXPIRY_WARNING = Duration.ofHours(2);

  @Spec CommandSpec spec;

  @Mixin StateDirOption stateDir = new StateDirOption();

  @Mixin OutputOption output = new OutputOption();

  /** One check's outcome. */
  record Check(String cluster, String check, boolean ok, String detail, String hint) {}

  @Override
  public Integer call() {
    StateDir state = stateDir.existing();
    Topology topology = state.topology();
    List<Check> checks = new ArrayList<>();
    Instant now = Fedmesh.of(spec).clock().instant();
    for (Topology.Cluster c : topology.clusters()) {
      expiry(checks, c.name(), "CA certificate", state.caDir(c.name()).resolve("ca.crt"), now);
      expiry(
          checks, c.name(), "operator SVID", state.operatorDir(c.name()).resolve("svid.crt"), now);
    }
    List<ClusterStatus> statuses = RunningTopology.statuses(state);
    for (ClusterStatus s : statuses) {
      checks.add(new Check(s.cluster(), "process", true, "pid " + s.pid() + " answers", ""));
      checks.add(
          new Check(
              s.cluster(),
              "gateway",
              s.gateway().ready(),
              s.gateway().address() + (s.gateway().ready() ? " ready" : " not ready"),
              "see " + state.logFile(s.cluster())));
      for (ClusterStatus.Link l : s.links()) {
        boolean ok = l.state().equals("connected");
        checks.add(
            new Check(
                s.cluster(),
                "link " + l.cluster(),
                ok,
                ok ? "gateway " + l.gateway() : "no gateway address for " + l.cluster(),
                "is cluster "
                    + l.cluster()
                    + " up? fedmesh status; its log: "
                    + state.logFile(l.cluster())));
      }
      for (ClusterStatus.ServiceView v : s.services()) {
        int healthy = v.localities().stream().mapToInt(ClusterStatus.LocalityView::healthy).sum();
        checks.add(
            new Check(
                s.cluster(),
                "service " + v.namespace() + "/" + v.name(),
                healthy > 0,
                healthy + " healthy endpoint(s) reachable",
                "scale it up somewhere: fedmesh scale --cluster "
                    + s.cluster()
                    + " "
                    + v.name()
                    + "=1"));
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    long failed = checks.stream().filter(c -> !c.ok()).count();
    if (output.json()) {
      out.println(Json.write(checks));
    } else {
      for (Check c : checks) {
        out.println(
            (c.ok() ? "ok    " : "FAIL  ")
                + c.cluster()
                + "  "
                + c.check()
                + ": "
                + c.detail()
                + (c.ok() ? "" : "\n        hint: " + c.hint()));
      }
      out.println(failed == 0 ? "All checks passed." : failed + " check(s) failed.");
    }
    out.flush();
    return failed == 0 ? Fedmesh.EXIT_OK : Fedmesh.EXIT_NOT_READY;
  }

  private static void expiry(
      List<Check> checks, String cluster, String what, Path file, Instant now) {
    X509Certificate cert = Pem.certificates(Pem.readFile(file), file.toString()).get(0);
    Instant notAfter = cert.getNotAfter().toInstant();
    boolean ok = notAfter.isAfter(now.plus(EXPIRY_WARNING));
    checks.add(
        new Check(
            cluster,
            what + " expiry",
            ok,
            "valid until " + notAfter,
            "restart the run (fedmesh down; fedmesh up) to issue fresh credentials"));
  }
}
