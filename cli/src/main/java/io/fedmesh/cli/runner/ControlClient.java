package io.fedmesh.cli.runner;

import com.fasterxml.jackson.core.type.TypeReference;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The CLI's side of a cluster's control endpoint: mTLS as the operator of that cluster's trust
 * domain, accepting only the cluster process's own identity. Blocking calls, bounded in time.
 */
public final class ControlClient implements AutoCloseable {
  private static final long TIMEOUT_SECONDS = 30;

  /**
   * A change (scale, kill a controller) may take as long as the cluster process lets one run
   * ({@link ClusterProcess#CHANGE_BOUND}; a scale waits for its pods and for the proxies to hold
   * them), plus a margin: waiting less, the CLI said "not running" while the change went on.
   */
  private static final long CHANGE_TIMEOUT_SECONDS = ClusterProcess.CHANGE_BOUND.toSeconds() + 10;

  private final Vertx vertx;
  private final HttpClient http;
  private final StateDir.Ready ready;

  private ControlClient(StateDir state, String cluster, StateDir.Ready ready) {
    this.ready = ready;
    this.vertx = Vertx.vertx();
    MeshTls tls =
        MeshTls.builder(
                state.operator(cluster), BundleSet.of(state.bundle(state.topology(), cluster)))
            .build();
    SpiffeId runner =
        SpiffeId.parse(
            state.operator(cluster).id().trustDomain().idString() + StateDir.RUNNER_PATH);
    this.http =
        vertx.createHttpClient(
            tls.configureClient(new HttpClientOptions(), id -> id.equals(runner)));
  }

  /**
   * A client of {@code cluster} in {@code state}.
   *
   * @throws RunnerException (503) when that cluster's process is not up
   */
  public static ControlClient of(StateDir state, String cluster) {
    StateDir.Ready ready = state.requireReady(cluster);
    return new ControlClient(state, cluster, ready);
  }

  public ClusterStatus status() {
    return decode(
        call(HttpMethod.GET, "/v1/status", null, TIMEOUT_SECONDS),
        new TypeReference<ClusterStatus>() {});
  }

  public ClusterStatus.Scaled scale(String namespace, String service, int replicas) {
    return decode(
        call(
            HttpMethod.POST,
            "/v1/scale",
            new JsonObject()
                .put("namespace", namespace)
                .put("service", service)
                .put("replicas", replicas),
            CHANGE_TIMEOUT_SECONDS),
        new TypeReference<ClusterStatus.Scaled>() {});
  }

  public ClusterStatus.Controller killController(int replica) {
    return decode(
        call(
            HttpMethod.POST,
            "/v1/chaos/kill-controller",
            new JsonObject().put("replica", replica),
            CHANGE_TIMEOUT_SECONDS),
        new TypeReference<ClusterStatus.Controller>() {});
  }

  private Buffer call(HttpMethod method, String path, JsonObject body, long timeoutSeconds) {
    RequestOptions ro =
        new RequestOptions()
            .setMethod(method)
            .setHost(ready.controlHost())
            .setPort(ready.controlPort())
            .setURI(path)
            .setTimeout(TimeUnit.SECONDS.toMillis(timeoutSeconds));
    try {
      return io.fedmesh.cli.OnContext.run(
              vertx,
              () ->
                  http.request(ro)
                      .compose(
                          req ->
                              (body == null ? req.send() : req.send(body.toBuffer()))
                                  .compose(
                                      resp ->
                                          resp.body()
                                              .map(
                                                  b -> {
                                                    if (resp.statusCode() != 200) {
                                                      throw new RunnerException(
                                                          resp.statusCode(), errorOf(b));
                                                    }
                                                    return b;
                                                  }))))
          .toCompletionStage()
          .toCompletableFuture()
          .get(timeoutSeconds + 5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RunnerException r) {
        throw r;
      }
      throw new RunnerException(
          503,
          "cluster "
              + ready.cluster()
              + " did not answer on "
              + ready.controlHost()
              + ":"
              + ready.controlPort()
              + ": "
              + e.getCause());
    } catch (TimeoutException e) {
      throw new RunnerException(
          503,
          "cluster "
              + ready.cluster()
              + " did not answer within "
              + timeoutSeconds
              + " s"
              + (body == null ? "" : "; the change may still be under way: see fedmesh status"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RunnerException(503, "interrupted");
    }
  }

  private static String errorOf(Buffer b) {
    try {
      return b.toJsonObject().getString("error", b.toString());
    } catch (RuntimeException e) {
      return b.toString();
    }
  }

  private static <T> T decode(Buffer b, TypeReference<T> type) {
    try {
      return StateDir.JSON.readValue(b.getBytes(), type);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the control endpoint's answer: " + e, e);
    }
  }

  @Override
  public void close() {
    vertx.close();
  }
}
