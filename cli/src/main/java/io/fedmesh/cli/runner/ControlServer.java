package io.fedmesh.cli.runner;

import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * A cluster process's control endpoint: mTLS on loopback, only for the operator identity (403 for
 * any other verified peer). JSON in and out:
 *
 * <ul>
 *   <li>{@code GET /v1/status}: {@link ClusterStatus}.
 *   <li>{@code POST /v1/scale} {@code {"namespace": "default", "service": "reviews", "replicas":
 *       0}}: {@link ClusterStatus.Scaled} once the replicas run and every proxy of the cluster that
 *       routes to the service holds them (or, scaling down, once no proxy of the cluster routes to
 *       the leaving ones and they stopped); each wait bounded, {@code propagated} false when a
 *       bound ran out.
 *   <li>{@code POST /v1/chaos/kill-controller} {@code {"replica": 1}}: kills that controller
 *       replica as a crash would; its {@link ClusterStatus.Controller} after.
 * </ul>
 *
 * Errors: {@code {"error": "..."}} with 400 (bad input), 403, 404 (unknown path or name), 409 (the
 * replica is already dead, or the last one running).
 */
final class ControlServer {
  private static final int MAX_BODY = 64 * 1024;

  private final ClusterProcess cluster;
  private final MeshTls tls;
  private final SpiffeId operator;
  private HttpServer server;

  ControlServer(ClusterProcess cluster, MeshTls tls, SpiffeId operator) {
    this.cluster = cluster;
    this.tls = tls;
    this.operator = operator;
  }

  Future<Integer> start(Vertx vertx) {
    server =
        vertx
            .createHttpServer(tls.configureServer(new HttpServerOptions()))
            .requestHandler(this::handle);
    return server.listen(0, ClusterProcess.HOST).map(HttpServer::actualPort);
  }

  Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void handle(HttpServerRequest req) {
    Optional<SpiffeId> peer = MeshTls.peerId(req.connection().sslSession());
    if (peer.isEmpty() || !peer.get().equals(operator)) {
      error(
          req,
          403,
          "peer "
              + peer.map(SpiffeId::toString).orElse("(none)")
              + " is not the operator (expected: "
              + operator
              + ")");
      return;
    }
    String path = req.path();
    if (req.method() == HttpMethod.GET && path.equals("/v1/status")) {
      answer(req, cluster::status);
    } else if (req.method() == HttpMethod.POST && path.equals("/v1/scale")) {
      withBody(
          req,
          body ->
              cluster.scale(
                  body.getString("namespace", "default"),
                  required(body, "service"),
                  integer(body, "replicas")));
    } else if (req.method() == HttpMethod.POST && path.equals("/v1/chaos/kill-controller")) {
      withBody(req, body -> cluster.killController(integer(body, "replica")));
    } else {
      error(
          req,
          404,
          req.method()
              + " "
              + path
              + " (expected: GET /v1/status, POST /v1/scale, POST"
              + " /v1/chaos/kill-controller)");
    }
  }

  private static String required(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (!(v instanceof String s) || s.isEmpty()) {
      throw new RunnerException(400, field + ": missing or not a string (expected: a name)");
    }
    return s;
  }

  private static int integer(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (!(v instanceof Integer i)) {
      throw new RunnerException(400, field + ": " + v + " (expected: an integer >= 0)");
    }
    return i;
  }

  private interface BodyHandler {
    Object apply(JsonObject body) throws Exception;
  }

  private void withBody(HttpServerRequest req, BodyHandler handler) {
    req.body()
        .onSuccess(
            buf -> {
              if (buf.length() > MAX_BODY) {
                error(req, 400, "body larger than " + MAX_BODY + " bytes");
                return;
              }
              JsonObject body;
              try {
                body = buf.toJsonObject();
              } catch (DecodeException | ClassCastException e) {
                error(req, 400, "body is not a JSON object (expected: {\"...\": ...})");
                return;
              }
              answer(req, () -> handler.apply(body));
            })
        .onFailure(e -> error(req, 400, "cannot read the body: " + e.getMessage()));
  }

  private void answer(HttpServerRequest req, Callable<Object> work) {
    Vertx.currentContext()
        .<Object>executeBlocking(() -> cluster.onChanges(work::call), false)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                req.response()
                    .putHeader("content-type", "application/json")
                    .end(encode(ar.result()));
              } else if (ar.cause() instanceof RunnerException e) {
                error(req, e.status(), e.getMessage());
              } else {
                error(req, 500, String.valueOf(ar.cause()));
              }
            });
  }

  private static String encode(Object value) {
    try {
      return StateDir.JSON.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot encode " + value.getClass().getSimpleName(), e);
    }
  }

  private static void error(HttpServerRequest req, int status, String message) {
    req.response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", message).encode());
  }
}
