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

/** {@code fedmesh services}: every service as each cluster's proxies see it, per locality. */
@Command(
    name = "services",
    header = "List services per cluster with healthy endpoints per locality (local and imported).",
    sortOptions = false)
final class ServicesCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StateDirOption stateDir = new StateDirOption();

  @Mixin OutputOption output = new OutputOption();

  /** One row of {@code -o json}. */
  record Row(
      String cluster,
      String namespace,
      String service,
      boolean exported,
      String locality,
      int healthy,
      int endpoints,
      String via) {}

  @Override
  public Integer call() {
    List<Row> rows = new ArrayList<>();
    for (ClusterStatus s : RunningTopology.statuses(stateDir.existing())) {
      for (ClusterStatus.ServiceView v : s.services()) {
        for (ClusterStatus.LocalityView l : v.localities()) {
          rows.add(
              new Row(
                  s.cluster(),
                  v.namespace(),
                  v.name(),
                  v.exported(),
                  l.cluster() + "/" + l.zone(),
                  l.healthy(),
                  l.endpoints(),
                  l.via()));
        }
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      out.println(Json.write(rows));
    } else {
      String f = "%-10s %-20s %-9s %-22s %-8s %s%n";
      out.printf(Locale.ROOT, f, "CLUSTER", "SERVICE", "EXPORTED", "LOCALITY", "HEALTHY", "VIA");
      for (Row r : rows) {
        out.printf(
            Locale.ROOT,
            f,
            r.cluster(),
            r.namespace() + "/" + r.service(),
            r.exported() ? "yes" : "no",
            r.locality(),
            r.healthy() + "/" + r.endpoints(),
            r.via());
      }
    }
    out.flush();
    return Fedmesh.EXIT_OK;
  }
}
