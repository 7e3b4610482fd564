package io.fedmesh.cli;

import io.fedmesh.cli.runner.ClusterStatus;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code fedmesh status}: clusters, links, gateways, services and workloads of the run. */
@Command(
    name = "status",
    header = "Show the running topology: clusters, links, gateways, services, workloads.",
    sortOptions = false)
final class StatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StateDirOption stateDir = new StateDirOption();

  @Mixin OutputOption output = new OutputOption();

  @Override
  public Integer call() {
    List<ClusterStatus> statuses = RunningTopology.statuses(stateDir.existing());
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      out.println(Json.write(statuses));
    } else {
      for (ClusterStatus s : statuses) {
        out.println(
            s.cluster()
                + " (trust domain "
                + s.trustDomain()
                + ", region "
                + s.region()
                + ", pid "
                + s.pid()
                + ", config version "
                + s.configVersion()
                + ")");
        out.println("  " + summary(s).replace("; ", "\n  "));
        for (ClusterStatus.Workload w : s.workloads()) {
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

  /** One cluster in a few clauses: links; gateway; healthy endpoints per service and locality. */
  static String summary(ClusterStatus s) {
    StringBuilder b = new StringBuilder("links:");
    if (s.links().isEmpty()) {
      b.append(" none");
    }
    for (ClusterStatus.Link l : s.links()) {
      b.append(' ').append(l.cluster()).append('=').append(l.state());
    }
    ClusterStatus.Gateway g = s.gateway();
    b.append("; gateway ")
        .append(g.address())
        .append(g.ready() ? " ready" : " NOT READY")
        .append(" (")
        .append(g.routes())
        .append(" routes, ")
        .append(g.activeConnections())
        .append(" connections)");
    for (ClusterStatus.ServiceView v : s.services()) {
      b.append("; ").append(v.name()).append(v.exported() ? " (exported):" : ":");
      for (ClusterStatus.LocalityView l : v.localities()) {
        b.append(' ')
            .append(l.cluster())
            .append('/')
            .append(l.zone())
            .append(' ')
            .append(l.healthy())
            .append('/')
            .append(l.endpoints());
      }
    }
    return b.toString();
  }
}
