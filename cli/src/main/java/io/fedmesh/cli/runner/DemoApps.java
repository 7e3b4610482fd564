package io.fedmesh.cli.runner;

import io.fedmesh.sidecar.inbound.InboundProxy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * The demo workloads: an HTTP echo that answers JSON naming where it runs and who called, and a
 * gRPC echo that returns each request message as its response (any method; the generic form, so it
 * needs no generated code). Both take the caller's SPIFFE ID from the header the inbound sidecar
 * sets after stripping any such header the caller sent.
 */
public final class DemoApps {
  /** Where a demo replica runs, reported in each answer. */
  public record Placement(String cluster, String zone, String pod) {}

  private DemoApps() {}

  /** The JSON an HTTP echo answers for {@code path} and {@code caller} (null: none). */
  public static JsonObject echo(Placement p, String path, String caller) {
    return new JsonObject()
        .put("cluster", p.cluster())
        .put("zone", p.zone())
        .put("pod", p.pod())
        .put("path", path)
        .put("caller", caller == null ? "-" : caller);
  }

  /** Starts an HTTP echo on 127.0.0.1:{@code port} (0: any); the future holds the bound port. */
  public static Future<HttpServer> httpEcho(Vertx vertx, Placement p, String host, int port) {
    return vertx
        .createHttpServer(new HttpServerOptions())
        .requestHandler(req -> answerHttp(p, req))
        .listen(port, host);
  }

  private static void answerHttp(Placement p, HttpServerRequest req) {
    String caller = req.getHeader(InboundProxy.PEER_IDENTITY_HEADER);
    req.response()
        .putHeader("content-type", "application/json")
        .end(echo(p, req.path(), caller).encode() + "\n");
  }

  /**
   * Starts a gRPC echo (h2c) on {@code host}:{@code port}: every call's request messages come back
   * as its response messages, with {@code grpc-status: 0} and the placement in the response headers
   * {@code x-fedmesh-cluster}, {@code x-fedmesh-zone} and {@code x-fedmesh-pod}.
   */
  public static Future<HttpServer> grpcEcho(Vertx vertx, Placement p, String host, int port) {
    return vertx
        .createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(true))
        .requestHandler(
            req -> {
              String type = req.getHeader("content-type");
              if (type == null || !type.startsWith("application/grpc")) {
                answerHttp(p, req);
                return;
              }
              req.response()
                  .putHeader("content-type", "application/grpc")
                  .putHeader("x-fedmesh-cluster", p.cluster())
                  .putHeader("x-fedmesh-zone", p.zone())
                  .putHeader("x-fedmesh-pod", p.pod());
              // Length-prefixed messages pass through unchanged: the echo is frame for frame.
              req.handler(
                  (Buffer b) -> {
                    req.response().setChunked(true);
                    req.response().write(b);
                  });
              req.endHandler(
                  v ->
                      req.response()
                          .putTrailer("grpc-status", "0")
                          .putTrailer("grpc-message", "")
                          .end());
            })
        .listen(port, host);
  }
}
