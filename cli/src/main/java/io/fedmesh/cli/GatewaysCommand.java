package io.fedmesh.cli;

import io.fedmesh.cli.RunningTopology.ClusterView;
import io.fedmesh.cli.runner.ClusterStatus;
import io.fedmesh.controller.catalog.GatewayEntry;
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
 * {@code fedmesh gateways}: each cluster's own east-west gateway (from its process), and the linked
 * clusters' gateways as its controllers probe them (verdict, load, why unhealthy).
 */
@Command(
    name = "gateways",
    header = "List east-west gateways: own gateway, and linked gateways with probe results.",
    sortOptions = false)
final class GatewaysCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StateDirOption stateDir = new StateDirOption();

  @Mixin OutputOption output = new OutputOption();

  /**
   * One row of {@code -o json}.
   *
   * @param cluster the cluster
   * @param gateway its own gateway
   * @param probed linked clusters' gateways as its controllers probe them
   */
  record Row(String cluster, ClusterStatus.Gateway gateway, List<GatewayEntry> probed) {}

  @Override
  public Integer call() {
    List<Row> rows = new ArrayList<>();
    for (ClusterView v : RunningTopology.views(stateDir.existing(), Fedmesh.of(spec).clock())) {
      List<GatewayEntry> probed = new ArrayList<>();
      for (GatewayEntry g : v.control().gateways()) {
        if (!g.cluster().equals(v.cluster())) {
          probed.add(g);
        }
      }
      rows.add(new Row(v.cluster(), v.platform().gateway(), probed));
    }
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      out.println(Json.write(rows));
    } else {
      String f = "%-10s %-17s %-6s %-7s %-12s %s%n";
      out.printf(
          Locale.ROOT,
          f,
          "CLUSTER",
          "ADDRESS",
          "READY",
          "ROUTES",
          "CONNECTIONS",
          "PROBES OF LINKED");
      for (Row r : rows) {
        List<String> probes = new ArrayList<>();
        r.probed().forEach(g -> probes.add(describe(g)));
        out.printf(
            Locale.ROOT,
            f,
            r.cluster(),
            r.gateway().address(),
            r.gateway().ready() ? "yes" : "NO",
            r.gateway().routes(),
            r.gateway().activeConnections(),
            probes.isEmpty() ? "-" : String.join("; ", probes));
      }
    }
    out.flush();
    return Fedmesh.EXIT_OK;
  }

  /** A linked gateway as probed: cluster, address, verdict, load, and why unhealthy. */
  static String describe(GatewayEntry g) {
    return g.cluster()
        + " "
        + g.host()
        + ":"
        + g.port()
        + (g.healthy() ? " healthy" : " UNHEALTHY")
        + String.format(Locale.ROOT, " load %.2f", g.load())
        + (g.detail().isEmpty() ? "" : " (" + g.detail() + ")");
  }
}
