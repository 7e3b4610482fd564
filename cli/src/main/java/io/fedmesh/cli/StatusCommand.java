package io.fedmesh.cli;

import io.fedmesh.cli.RunningTopology.ClusterView;
import io.fedmesh.cli.runner.ClusterStatus;
import io.fedmesh.cli.runner.ControlPlaneStatus;
import io.fedmesh.controller.catalog.GatewayEntry;
import io.fedmesh.controller.catalog.ImportEntry;
import io.fedmesh.controller.catalog.LinkEntry;
import io.fedmesh.controller.catalog.LocalityCount;
import io.fedmesh.controller.catalog.ProxyEntry;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code fedmesh status}: per cluster, the controller replicas (and the leader), links and their
 * state, gateways and their probe verdicts, exported and imported services with healthy endpoints
 * per locality, proxies with the config version they run and any NACK; then the workloads.
 */
@Command(
    name = "status",
    header = "Show the running topology: controllers, links, gateways, services, imports, proxies.",
    sortOptions = false)
final class StatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StateDirOption stateDir = new StateDirOption();

  @Mixin OutputOption output = new OutputOption();

  @Override
  public Integer call() {
    List<ClusterView> views = RunningTopology.views(stateDir.existing(), Fedmesh.of(spec).clock());
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      out.println(Json.write(views));
    } else {
      for (ClusterView v : views) {
        ClusterStatus p = v.platform();
        out.println(
            p.cluster()
                + " (trust domain "
                + p.trustDomain()
                + ", region "
                + p.region()
                + ", pid "
                + p.pid()
                + ")");
        for (String line : lines(v)) {
          out.println("  " + line);
        }
        for (ClusterStatus.Workload w : p.workloads()) {
          out.println(
              String.format(
                  Locale.ROOT,
                  "  workload %-24s %-11s outbound %s  inbound %s  admin %s",
                  w.pod(),
                  w.zone(),
                  w.outbound(),
                  w.inbound(),
                  w.admin()));
        }
      }
    }
    out.flush();
    return Fedmesh.EXIT_OK;
  }

  /** One cluster in a few lines: controllers, links, gateways, services, imports, proxies. */
  static List<String> lines(ClusterView v) {
    ControlPlaneStatus c = v.control();
    List<String> lines = new ArrayList<>();
    List<String> replicas = new ArrayList<>();
    for (ClusterStatus.Controller r : v.platform().controllers()) {
      replicas.add(
          r.replicaId()
              + " "
              + r.mtls()
              + (r.running() ? "" : " DEAD")
              + (r.leader() ? " (leader)" : ""));
    }
    lines.add("controllers: " + String.join(", ", replicas));
    List<String> links = new ArrayList<>();
    for (LinkEntry l : c.links()) {
      links.add(
          l.cluster()
              + " "
              + l.state()
              + (l.dialer() ? " (dials)" : " (accepts)")
              + (l.detail().isEmpty() ? "" : ": " + l.detail()));
    }
    lines.add("links: " + (links.isEmpty() ? "none" : String.join(", ", links)));
    List<String> gateways = new ArrayList<>();
    ClusterStatus.Gateway own = v.platform().gateway();
    gateways.add(
        "own "
            + own.address()
            + (own.ready() ? " ready" : " NOT READY")
            + " ("
            + own.routes()
            + " routes, "
            + own.activeConnections()
            + " connections)");
    for (GatewayEntry g : c.gateways()) {
      if (!g.cluster().equals(c.cluster())) {
        gateways.add(GatewaysCommand.describe(g));
      }
    }
    lines.add("gateways: " + String.join(", ", gateways));
    List<String> services = new ArrayList<>();
    for (ControlPlaneStatus.ServiceSummary s : c.services()) {
      if (s.namespace().equals("fedmesh-system")) {
        continue;
      }
      services.add(s.name() + (s.exported() ? " (exported)" : "") + localities(s.localities()));
    }
    lines.add("services: " + (services.isEmpty() ? "none" : String.join("; ", services)));
    List<String> imports = new ArrayList<>();
    for (ImportEntry i : c.imports()) {
      if (i.namespace().equals("fedmesh-system")) {
        continue;
      }
      imports.add(
          i.name()
              + "-"
              + i.cluster()
              + localities(i.localities())
              + (i.reachable() ? "" : " UNREACHABLE"));
    }
    lines.add("imports: " + (imports.isEmpty() ? "none" : String.join("; ", imports)));
    int nacks = 0;
    int disconnected = 0;
    List<String> versions = new ArrayList<>();
    for (ProxyEntry p : v.liveProxies()) {
      if (!p.nackedVersion().isEmpty()) {
        nacks++;
      }
      if (p.replica().isEmpty()) {
        disconnected++;
      }
      if (!versions.contains(p.ackedVersion())) {
        versions.add(p.ackedVersion());
      }
    }
    lines.add(
        "proxies: "
            + v.liveProxies().size()
            + " (config versions "
            + String.join(",", versions)
            + "; "
            + nacks
            + " NACKed; "
            + disconnected
            + " disconnected)");
    return lines;
  }

  private static String localities(List<LocalityCount> localities) {
    StringBuilder b = new StringBuilder(":");
    for (LocalityCount l : localities) {
      b.append(' ').append(l.zone()).append(' ').append(l.healthy()).append('/').append(l.total());
    }
    return localities.isEmpty() ? ": no endpoints" : b.toString();
  }
}
