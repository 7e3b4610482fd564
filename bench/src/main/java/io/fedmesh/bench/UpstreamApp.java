package io.fedmesh.bench;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's upstream app: a plain Vert.x server on 127.0.0.1 speaking HTTP/1.1 and h2c (prior
 * knowledge) on one port. It answers {@code GET /small} with {@value #SMALL_BYTES} bytes and {@code
 * GET /16k} with {@value #LARGE_BYTES} bytes, without looking at anything else in the request, and
 * the gRPC unary method {@value #GRPC_METHOD} (raw bytes messages, vertx-grpc's generic API, no
 * protobuf) with a {@value #SMALL_BYTES}-byte message whatever it was sent. Every path of the
 * benchmark ends here, so it is the same work in each.
 *
 * <p>Usage: {@code java -cp ... io.fedmesh.bench.UpstreamApp PORT}; prints {@code upstream app
 * ready on PORT} once listening, and runs until terminated.
 */
public final class UpstreamApp {
  /** Size of the small response body, and of the gRPC messages both ways. */
  static final int SMALL_BYTES = 64;

  /** Size of the large response body (16 KiB). */
  static final int LARGE_BYTES = 16 * 1024;

  /** Request path answered with the small body. */
  static final String SMALL_PATH = "/small";

  /** Request path answered with the 16 KiB body. */
  static final String LARGE_PATH = "/16k";

  /** The gRPC service of the benchmark's unary call. */
  static final String GRPC_SERVICE = "fedmesh.bench.Bench";

  /** The gRPC unary method, full name (its HTTP/2 path without the leading slash). */
  static final String GRPC_METHOD = GRPC_SERVICE + "/Call";

  /** The line printed once the server listens. */
  static final String READY = "upstream app ready";

  private UpstreamApp() {}

  /** Starts the app on {@code args[0]} and blocks until the JVM is terminated. */
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      throw new IllegalArgumentException(
          "usage: UpstreamApp PORT (got " + args.length + " arguments; expected one port)");
    }
    int port = Integer.parseInt(args[0]);
    Vertx vertx = Vertx.vertx();
    int bound =
        start(vertx, port)
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS)
            .actualPort();
    PrintStream out =
        new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    out.println(READY + " on " + bound);
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
    stop.await();
  }

  /** The app's server on 127.0.0.1:{@code port} (0: an ephemeral port). */
  static Future<HttpServer> start(Vertx vertx, int port) {
    return start(vertx, port, req -> {});
  }

  /**
   * The app's server on 127.0.0.1:{@code port}, showing {@code observer} every request before it is
   * answered (tests count connections and protocol versions with it).
   */
  static Future<HttpServer> start(Vertx vertx, int port, Handler<HttpServerRequest> observer) {
    byte[] small = body(SMALL_BYTES);
    byte[] large = body(LARGE_BYTES);
    GrpcServer grpc = GrpcServer.server(vertx);
    grpc.callHandler(
        ServiceMethod.server(
            ServiceName.create(GRPC_SERVICE),
            GRPC_METHOD.substring(GRPC_METHOD.indexOf('/') + 1),
            GrpcMessageEncoder.IDENTITY,
            GrpcMessageDecoder.IDENTITY),
        call -> call.last().onSuccess(msg -> call.response().end(Buffer.buffer(small))));
    return vertx
        .createHttpServer(
            new HttpServerOptions()
                .setTcpNoDelay(true)
                .setIdleTimeout(0)
                .setHttp2ClearTextEnabled(true))
        .requestHandler(
            req -> {
              observer.handle(req);
              if (isGrpc(req)) {
                grpc.handle(req);
              } else {
                req.response()
                    .putHeader("content-type", "application/octet-stream")
                    .end(Buffer.buffer(LARGE_PATH.equals(req.path()) ? large : small));
              }
            })
        .listen(port, "127.0.0.1");
  }

  private static boolean isGrpc(HttpServerRequest req) {
    String type = req.getHeader("content-type");
    return type != null && type.startsWith("application/grpc");
  }

  private static byte[] body(int size) {
    byte[] b = new byte[size];
    Arrays.fill(b, (byte) 'x');
    b[size - 1] = '\n';
    return b;
  }
}
