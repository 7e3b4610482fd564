package io.fedmesh.cli;

import io.fedmesh.cli.runner.AdminCalls;
import io.fedmesh.cli.runner.StateDir;
import io.fedmesh.proxy.config.ConfigErrors;
import io.fedmesh.proxy.config.FailoverPolicies;
import io.fedmesh.proxy.config.FailoverPolicy;
import io.fedmesh.proxy.config.KnownLocalities;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fedmesh policy apply -f FILE --cluster C}: checks the file as {@code policy validate}
 * does, against the run's topology (its regions, zones and clusters), then sends it to C's
 * controllers ({@code POST /v1/policies}), which read it again and store every policy or none. The
 * controllers push each policy to the sidecars that call its service (visible in their {@code
 * /config}).
 */
@Command(
    name = "apply",
    header = "Apply a FailoverPolicy file to a running cluster (all of it, or nothing).",
    description = {
      "The file is checked against the run's topology first; on any error every error is printed",
      "as file:line:col: field: what is allowed, nothing is sent, and the command exits with 2."
    },
    sortOptions = false)
final class PolicyApplyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = {"-f", "--file"},
      required = true,
      paramLabel = "FILE",
      description = "YAML file with one or more FailoverPolicy documents (--- between them).")
  Path file;

  @Option(names = "--cluster", required = true, paramLabel = "CLUSTER", description = "Cluster.")
  String cluster;

  @Mixin StateDirOption stateDir = new StateDirOption();

  @Mixin OutputOption output = new OutputOption();

  @Override
  public Integer call() {
    StateDir state = stateDir.existing();
    RunningTopology.cluster(state, "--cluster", cluster);
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UsageException(file + ": cannot read: " + e);
    }
    List<FailoverPolicy> policies;
    try {
      policies = check(text, file.toString(), state.topology().localities());
    } catch (ConfigErrors e) {
      return PolicyValidateCommand.refuse(
          spec.commandLine().getErr(), file.toString(), e, "nothing applied");
    }
    JsonObject applied = apply(state, cluster, file.toString(), text);
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      out.println(Json.write(applied.getMap()));
    } else {
      out.println(
          "Applied "
              + policies.size()
              + (policies.size() == 1 ? " policy" : " policies")
              + " from "
              + file
              + " to cluster "
              + cluster
              + ":");
      for (FailoverPolicy p : policies) {
        out.println(
            "  "
                + p.namespace()
                + "/"
                + p.name()
                + " for service "
                + p.service().name()
                + ": "
                + PolicyValidateCommand.summary(p.policy()));
      }
    }
    out.flush();
    return Fedmesh.EXIT_OK;
  }

  /** Reads {@code text} as {@code fedmesh policy validate} does, against {@code known}. */
  static List<FailoverPolicy> check(String text, String source, KnownLocalities known) {
    return FailoverPolicies.parse(text, source, known);
  }

  /** Sends {@code text} to {@code cluster}'s controllers; their answer ({@code applied}). */
  static JsonObject apply(StateDir state, String cluster, String source, String text) {
    try (AdminCalls admin = AdminCalls.of(state, cluster)) {
      return admin
          .await(
              a ->
                  a.call(
                      HttpMethod.POST,
                      "/v1/policies",
                      new JsonObject().put("source", source).put("yaml", text)))
          .toJsonObject();
    }
  }
}
