package io.fedmesh.cli;

import io.fedmesh.cli.runner.AdminCalls;
import io.fedmesh.cli.runner.StateDir;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fedmesh link --from A --to B}: B's controllers issue a peering token (admin API {@code
 * POST /v1/peering-tokens}), A's redeem it ({@code POST /v1/links}) through B's east-west gateway
 * and open the peering stream; each side then imports what the other exports and trusts its bundle.
 * {@code fedmesh unlink} removes the link on A's side ({@code DELETE /v1/links/B}); A tells B,
 * which removes it too.
 */
@Command(
    name = "link",
    header = "Link two clusters of the run: each imports what the other exports.",
    sortOptions = false)
class LinkCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--from", required = true, paramLabel = "CLUSTER", description = "Dialing side.")
  String from;

  @Option(names = "--to", required = true, paramLabel = "CLUSTER", description = "Accepting side.")
  String to;

  @Mixin StateDirOption stateDir = new StateDirOption();

  @Mixin OutputOption output = new OutputOption();

  boolean unlink() {
    return false;
  }

  @Override
  public Integer call() {
    StateDir state = stateDir.existing();
    RunningTopology.cluster(state, "--from", from);
    RunningTopology.cluster(state, "--to", to);
    if (from.equals(to)) {
      throw new UsageException("--to: '" + to + "' is --from too (expected: another cluster)");
    }
    // A refusal (used or expired token, self-link, already linked, not linked) is a usage error.
    Map<String, Object> result = unlink() ? unlink(state, from, to) : link(state, from, to);
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      out.println(Json.write(result));
    } else if (unlink()) {
      out.println("Unlinked " + from + " from " + to + ".");
    } else {
      out.println(
          "Linked "
              + from
              + " -> "
              + to
              + " (peering through "
              + result.get("gatewayHost")
              + ":"
              + result.get("gatewayPort")
              + "): "
              + result.get("state")
              + ".");
    }
    out.flush();
    return Fedmesh.EXIT_OK;
  }

  /** Links {@code from} (dials) to {@code to} (accepts); the new link as {@code from} stores it. */
  static Map<String, Object> link(StateDir state, String from, String to) {
    String token;
    try (AdminCalls accepter = AdminCalls.of(state, to)) {
      token =
          accepter
              .await(a -> a.call(HttpMethod.POST, "/v1/peering-tokens", new JsonObject()))
              .toJsonObject()
              .getString("token");
    }
    try (AdminCalls dialer = AdminCalls.of(state, from)) {
      return dialer
          .await(a -> a.call(HttpMethod.POST, "/v1/links", new JsonObject().put("token", token)))
          .toJsonObject()
          .getMap();
    }
  }

  /** Removes {@code from}'s link with {@code to}. */
  static Map<String, Object> unlink(StateDir state, String from, String to) {
    try (AdminCalls dialer = AdminCalls.of(state, from)) {
      dialer.await(a -> a.call(HttpMethod.DELETE, "/v1/links/" + to, null));
    }
    return Map.of("from", from, "to", to, "state", "unlinked");
  }
}
