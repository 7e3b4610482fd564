package io.fedmesh.cli;

import io.fedmesh.proxy.config.ConfigErrors;
import io.fedmesh.proxy.config.ConfigException;
import io.fedmesh.proxy.config.FailoverPolicies;
import io.fedmesh.proxy.config.FailoverPolicy;
import io.fedmesh.proxy.config.KnownLocalities;
import io.fedmesh.proxy.config.TopologyLoader;
import io.fedmesh.proxy.model.LocalityFailover;
import io.fedmesh.proxy.model.TrafficPolicy;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fedmesh policy validate}: loads a file of FailoverPolicy documents as {@code policy apply}
 * and the controller would, and shows them or every error in them.
 */
@Command(
    name = "validate",
    header = "Check a file of FailoverPolicy documents.",
    description = {
      "Reads every document of FILE (separated by ---). A file is valid whole or not at all: on",
      "any error, each error is printed on its own line as FILE:LINE:COL: FIELD: VALUE",
      "(expected: ...), and the command exits with 2. With --topology, failover regions must be",
      "regions of that topology; without it, only the syntax and the rules within each policy",
      "are checked."
    },
    sortOptions = false)
final class PolicyValidateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = {"-f", "--file"},
      required = true,
      paramLabel = "FILE",
      description = "YAML file of FailoverPolicy documents.")
  Path file;

  @Option(
      names = "--topology",
      paramLabel = "TOPOLOGY",
      description =
          "Topology YAML (kind: Topology) whose clusters, regions and zones the policies may name.")
  Path topology;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "text",
      description =
          "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}); json prints the"
              + " normalized policies, every field explicit.")
  OutputFormat output;

  /** The JSON document of {@code -o json}. */
  record Report(String file, String topology, List<Map<String, Object>> policies) {}

  @Override
  public Integer call() {
    KnownLocalities known =
        topology == null ? KnownLocalities.UNCHECKED : TopologyLoader.load(topology).localities();
    List<FailoverPolicy> policies;
    try {
      policies = FailoverPolicies.load(file, known);
    } catch (ConfigErrors e) {
      return refuse(spec.commandLine().getErr(), file.toString(), e, "no policy is valid");
    }
    PrintWriter w = spec.commandLine().getOut();
    if (output == OutputFormat.json) {
      w.println(
          Json.write(
              new Report(
                  file.toString(),
                  topology == null ? null : topology.toString(),
                  policies.stream().map(FailoverPolicy::toDocument).toList())));
    } else {
      w.println(
          file
              + ": valid, "
              + policies.size()
              + (policies.size() == 1 ? " policy" : " policies")
              + (topology == null
                  ? " (regions not checked: no --topology)"
                  : " (regions checked against " + topology + ")"));
      for (FailoverPolicy p : policies) {
        w.println("  " + p.namespace() + "/" + p.name() + " for service " + p.service().name());
        w.println("      " + summary(p.policy()));
      }
    }
    w.flush();
    return Fedmesh.EXIT_OK;
  }

  /**
   * Prints every error of a refused policy file, then a summary line naming the file; the exit code
   * of a usage error.
   */
  static int refuse(PrintWriter err, String file, ConfigErrors e, String consequence) {
    for (ConfigException error : e.errors()) {
      err.println(error.getMessage());
    }
    int n = e.errors().size();
    err.println(
        "fedmesh: error: "
            + file
            + ": "
            + n
            + (n == 1 ? " error" : " errors")
            + "; "
            + consequence
            + " (a policy file is accepted whole or not at all)");
    err.flush();
    return Fedmesh.EXIT_USAGE;
  }

  static String summary(TrafficPolicy p) {
    LocalityFailover l = p.locality();
    String failover =
        new TreeMap<>(l.failover())
            .entrySet().stream()
                .map(e -> e.getKey() + " -> " + String.join(", ", e.getValue()))
                .collect(Collectors.joining("; "));
    return "failoverPriority ["
        + l.failoverPriority().stream().map(Object::toString).collect(Collectors.joining(", "))
        + "]"
        + (failover.isEmpty() ? "" : ", failover " + failover)
        + ", timeout "
        + Durations.format(p.timeout())
        + ", "
        + p.retries().attempts()
        + " retries";
  }
}
