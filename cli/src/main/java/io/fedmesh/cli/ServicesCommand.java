package io.fedmesh.cli;

import io.fedmesh.cli.RunningTopology.ClusterView;
import io.fedmesh.cli.runner.ControlPlaneStatus;
import io.fedmesh.controller.catalog.ImportEntry;
import io.fedmesh.controller.catalog.LocalityCount;
import io.fedmesh.proxy.push.SystemIdentities;
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
 * {@code fedmesh services}: per cluster, its own services and those it imports from linked
 * clusters, with healthy endpoints per locality, from the controllers' admin API.
 */
@Command(
    name = "services",
    header = "List services per cluster with healthy endpoints per locality (local and imported).",
    sortOptions = false)
final class ServicesCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StateDirOption stateDir = new StateDirOption();

  @Mixin OutputOption output = new OutputOption();

  /**
   * One row of {@code -o json}.
   *
   * @param cluster the cluster whose catalog lists it
   * @param namespace the namespace
   * @param service the name callers use for it in that cluster ({@code svc-<owner>} for imports)
   * @param owner the cluster running its endpoints
   * @param exported for local services: whether linked clusters may import it
   * @param locality region/zone of the endpoints
   * @param healthy healthy endpoints there
   * @param endpoints all endpoints there
   * @param reachable for imports: false while the link or the owner's gateway is lost
   */
  record Row(
      String cluster,
      String namespace,
      String service,
      String owner,
      boolean exported,
      String locality,
      int healthy,
      int endpoints,
      boolean reachable) {}

  @Override
  public Integer call() {
    List<Row> rows = new ArrayList<>();
    for (ClusterView v : RunningTopology.views(stateDir.existing(), Fedmesh.of(spec).clock())) {
      ControlPlaneStatus c = v.control();
      for (ControlPlaneStatus.ServiceSummary s : c.services()) {
        if (s.namespace().equals(SystemIdentities.NAMESPACE)) {
          continue;
        }
        for (LocalityCount l : s.localities()) {
          rows.add(
              new Row(
                  c.cluster(),
                  s.namespace(),
                  s.name(),
                  c.cluster(),
                  s.exported(),
                  l.region() + "/" + l.zone(),
                  l.healthy(),
                  l.total(),
                  true));
        }
      }
      for (ImportEntry i : c.imports()) {
        if (i.namespace().equals(SystemIdentities.NAMESPACE)) {
          continue;
        }
        for (LocalityCount l : i.localities()) {
          rows.add(
              new Row(
                  c.cluster(),
                  i.namespace(),
                  i.name() + "-" + i.cluster(),
                  i.cluster(),
                  true,
                  l.region() + "/" + l.zone(),
                  l.healthy(),
                  l.total(),
                  i.reachable()));
        }
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      out.println(Json.write(rows));
    } else {
      String f = "%-10s %-28s %-9s %-9s %-22s %-8s %s%n";
      out.printf(
          Locale.ROOT, f, "CLUSTER", "SERVICE", "OWNER", "EXPORTED", "LOCALITY", "HEALTHY", "");
      for (Row r : rows) {
        out.printf(
            Locale.ROOT,
            f,
            r.cluster(),
            r.namespace() + "/" + r.service(),
            r.owner(),
            r.owner().equals(r.cluster()) ? (r.exported() ? "yes" : "no") : "imported",
            r.locality(),
            r.healthy() + "/" + r.endpoints(),
            r.reachable() ? "" : "UNREACHABLE");
      }
    }
    out.flush();
    return Fedmesh.EXIT_OK;
  }
}
