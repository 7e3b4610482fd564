package io.fedmesh.cli;

import io.fedmesh.cli.runner.ClusterStatus;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code fedmesh gateways}: each cluster's east-west gateway and the links that use it. */
@Command(
    name = "gateways",
    header = "List east-west gateways: address, readiness, routes, connections, linked clusters.",
    sortOptions = false)
final class GatewaysCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StateDirOption stateDir = new StateDirOption();

  @Mixin OutputOption output = new OutputOption();

  /** One row of {@code -o json}. */
  record Row(String cluster, ClusterStatus.Gateway gateway, List<ClusterStatus.Link> links) {}

  @Override
  public Integer call() {
    List<Row> rows = new ArrayList<>();
    for (ClusterStatus s : RunningTopology.statuses(stateDir.existing())) {
      rows.add(new Row(s.cluster(), s.gateway(), s.links()));
    }
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      out.println(Json.write(rows));
    } else {
      String f = "%-10s %-17s %-6s %-7s %-12s %s%n";
      out.printf(Locale.ROOT, f, "CLUSTER", "ADDRESS", "READY", "ROUTES", "CONNECTIONS", "LINKS");
      for (Row r : rows) {
        List<String> links = new ArrayList<>();
        r.links().forEach(l -> links.add(l.cluster() + "=" + l.state()));
        out.printf(
            Locale.ROOT,
            f,
            r.cluster(),
            r.gateway().address(),
            r.gateway().ready() ? "yes" : "NO",
            r.gateway().routes(),
            r.gateway().activeConnections(),
            links.isEmpty() ? "-" : String.join(" ", links));
      }
    }
    out.flush();
    return Fedmesh.EXIT_OK;
  }
}
