package io.fedmesh.cli.runner;

import io.fedmesh.controller.admin.ControllerAdminClient;
import io.fedmesh.controller.admin.ControllerAdminClient.AdminException;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The operator's calls to one cluster's controller admin API, over any of its replicas: a call that
 * cannot reach a replica (connection refused, reset, timeout) is retried on the next one; an answer
 * from a replica, even a refusal, is final. Both the cluster process (the platform registering
 * services and endpoints, issuing join tokens) and the CLI commands use it.
 */
public final class AdminCalls implements AutoCloseable {
  private static final long TIMEOUT_SECONDS = 30;

  private final String cluster;
  private final Vertx owned;
  private final List<ControllerAdminClient> replicas = new ArrayList<>();
  private final List<String> addresses = new ArrayList<>();

  /** Calls {@code cluster}'s replicas at {@code mtls} ({@code host:port} each) as the operator. */
  public AdminCalls(
      Vertx vertx, String cluster, MeshTls operator, TrustDomain domain, List<String> mtls) {
    this(vertx, false, cluster, operator, domain, mtls);
  }

  private AdminCalls(
      Vertx vertx,
      boolean owned,
      String cluster,
      MeshTls operator,
      TrustDomain domain,
      List<String> mtls) {
    this.cluster = cluster;
    this.owned = owned ? vertx : null;
    for (String a : mtls) {
      int colon = a.lastIndexOf(':');
      replicas.add(
          new ControllerAdminClient(
              vertx,
              operator,
              domain,
              a.substring(0, colon),
              Integer.parseInt(a.substring(colon + 1))));
      addresses.add(a);
    }
  }

  /**
   * The operator's calls to {@code cluster} of the run in {@code state}, with the operator SVID and
   * the cluster's bundle {@code fedmesh up} wrote, to the replicas its {@code ready.json} lists.
   *
   * @throws RunnerException (503) when that cluster's process is not up
   */
  public static AdminCalls of(StateDir state, String cluster) {
    StateDir.Ready ready = state.requireReady(cluster);
    TrustBundle bundle = state.bundle(state.topology(), cluster);
    MeshTls tls = MeshTls.builder(state.operator(cluster), BundleSet.of(bundle)).build();
    return new AdminCalls(
        Vertx.vertx(), true, cluster, tls, bundle.trustDomain(), ready.controllers());
  }

  /** Runs {@code call} on the first replica that answers. */
  public <T> Future<T> call(Function<ControllerAdminClient, Future<T>> call) {
    return attempt(call, 0, null);
  }

  private <T> Future<T> attempt(
      Function<ControllerAdminClient, Future<T>> call, int index, Throwable last) {
    if (index >= replicas.size()) {
      return Future.failedFuture(
          new RunnerException(
              503,
              "no controller replica of cluster "
                  + cluster
                  + " answered (tried "
                  + String.join(", ", addresses)
                  + "): "
                  + (last == null ? "none configured" : last.getMessage())));
    }
    return call.apply(replicas.get(index))
        .recover(
            t ->
                t instanceof AdminException ? Future.failedFuture(t) : attempt(call, index + 1, t));
  }

  /**
   * Runs {@code call} and waits (bounded) for its result; a refusal becomes a {@link
   * RunnerException} with the controller's status and message.
   */
  public <T> T await(Function<ControllerAdminClient, Future<T>> call) {
    try {
      return call(call)
          .toCompletionStage()
          .toCompletableFuture()
          .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof AdminException a) {
        throw new RunnerException(a.status(), stripStatus(a.getMessage()));
      }
      if (e.getCause() instanceof RunnerException r) {
        throw r;
      }
      throw new RunnerException(503, "cluster " + cluster + ": " + e.getCause());
    } catch (TimeoutException e) {
      throw new RunnerException(
          503, "cluster " + cluster + "'s controllers did not answer in time");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RunnerException(503, "interrupted");
    }
  }

  private static String stripStatus(String message) {
    int colon = message.indexOf(": ");
    return colon > 0 && colon <= 4 ? message.substring(colon + 2) : message;
  }

  @Override
  public void close() {
    replicas.forEach(ControllerAdminClient::close);
    if (owned != null) {
      owned.close();
    }
  }
}
