package io.fedmesh.cli;

import io.fedmesh.cli.RunningTopology.ClusterView;
import io.fedmesh.cli.runner.ClusterStatus;
import io.fedmesh.cli.runner.ControlPlaneStatus;
import io.fedmesh.cli.runner.StateDir;
import io.fedmesh.controller.catalog.GatewayEntry;
import io.fedmesh.controller.catalog.ImportEntry;
import io.fedmesh.controller.catalog.LinkEntry;
import io.fedmesh.controller.catalog.LocalityCount;
import io.fedmesh.controller.catalog.ProxyEntry;
import io.fedmesh.proxy.config.Topology;
import io.fedmesh.proxy.push.SystemIdentities;
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
    header =
        "Diagnose a run: certificates, controllers, clock skew, links, gateway probes, services,"
            + " NACKed configs.",
    sortOptions = false)
final class CheckCommand implements Callable<Integer> {
  /** A CA or operator certificate expiring within this is reported. */
  static final Duration EXPIRY_WARNING = Duration.ofHours(2);

  /** Clock skew between a controller and this machine beyond which the check fails. */
  static final Duration MAX_CLOCK_SKEW = Duration.ofSeconds(1);

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
    for (ClusterView v : RunningTopology.views(state, Fedmesh.of(spec).clock())) {
      String cluster = v.cluster();
      ClusterStatus p = v.platform();
      ControlPlaneStatus c = v.control();
      String log = "see " + state.logFile(cluster);
      checks.add(new Check(cluster, "process", true, "pid " + p.pid() + " answers", ""));
      for (ClusterStatus.Controller r : p.controllers()) {
        checks.add(
            new Check(
                cluster,
                "controller " + r.replicaId(),
                r.running(),
                r.running() ? r.mtls() + (r.leader() ? " (leader)" : "") : "not running",
                "the other replicas serve the catalog and the proxies; restart the run"
                    + " (fedmesh down; fedmesh up) to get it back"));
      }
      long skew = Math.abs(v.clockSkewMillis()) - v.skewToleranceMillis();
      checks.add(
          new Check(
              cluster,
              "clock skew",
              skew <= MAX_CLOCK_SKEW.toMillis(),
              "controller "
                  + c.replicaId()
                  + " is "
                  + v.clockSkewMillis()
                  + " ms off this machine (±"
                  + v.skewToleranceMillis()
                  + " ms)",
              "sync the clocks (NTP): SVID validity and probe timing assume skew under "
                  + MAX_CLOCK_SKEW.toMillis()
                  + " ms"));
      checks.add(
          new Check(
              cluster,
              "gateway",
              p.gateway().ready(),
              p.gateway().address() + (p.gateway().ready() ? " ready" : " not ready"),
              log));
      for (LinkEntry l : c.links()) {
        boolean ok = l.state().equals("connected");
        checks.add(
            new Check(
                cluster,
                "link " + l.cluster(),
                ok,
                l.state() + (l.detail().isEmpty() ? "" : ": " + l.detail()),
                "is cluster "
                    + l.cluster()
                    + " up and its gateway reachable? fedmesh gateways; its log: "
                    + state.logFile(l.cluster())));
      }
      for (GatewayEntry g : c.gateways()) {
        if (g.cluster().equals(cluster)) {
          continue;
        }
        checks.add(
            new Check(
                cluster,
                "gateway of " + g.cluster(),
                g.healthy(),
                g.host() + ":" + g.port() + (g.healthy() ? " answers probes" : " " + g.detail()),
                "routes through it are out until it answers again; its log: "
                    + state.logFile(g.cluster())));
      }
      for (ControlPlaneStatus.ServiceSummary svc : c.services()) {
        if (svc.namespace().equals(SystemIdentities.NAMESPACE)) {
          continue;
        }
        int healthy = svc.localities().stream().mapToInt(LocalityCount::healthy).sum();
        for (ImportEntry i : c.imports()) {
          if (i.reachable()
              && i.namespace().equals(svc.namespace())
              && i.name().equals(svc.name())) {
            healthy += i.localities().stream().mapToInt(LocalityCount::healthy).sum();
          }
        }
        checks.add(
            new Check(
                cluster,
                "service " + svc.namespace() + "/" + svc.name(),
                healthy > 0,
                healthy + " healthy endpoint(s) in the clusterset",
                "scale it up somewhere: fedmesh scale --cluster "
                    + cluster
                    + " "
                    + svc.name()
                    + "=1"));
      }
      for (ProxyEntry px : v.liveProxies()) {
        boolean nacked = !px.nackedVersion().isEmpty();
        boolean connected = !px.replica().isEmpty();
        checks.add(
            new Check(
                cluster,
                "proxy " + px.proxyId(),
                !nacked && connected,
                (connected ? "config version " + px.ackedVersion() : "not connected")
                    + (nacked
                        ? "; NACKed version " + px.nackedVersion() + ": " + px.nackDetail()
                        : ""),
                nacked
                    ? "the proxy refused a pushed config and keeps the last good one: fix the"
                        + " policy or service named in the reason (fedmesh policy apply)"
                    : "it reconnects to another replica by itself; " + log));
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
