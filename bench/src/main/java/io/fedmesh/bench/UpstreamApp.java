package io.fedmesh.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's upstream app: a plain HTTP/1.1 (and h2c) Vert.x server on 127.0.0.1 answering
 * {@code GET /small} with {@value #SMALL_BYTES} bytes and {@code GET /16k} with {@value
 * #LARGE_BYTES} bytes, without looking at anything else in the request. Every path of the benchmark
 * ends here, so it is the same work in each.
 *
 * <p>Usage: {@code java -cp ... io.fedmesh.bench.UpstreamApp PORT}; prints {@code upstream app
 * ready on PORT} once listening, and runs until terminated.
 */
public final class UpstreamApp {
  /** Size of the small response body. */
  static final int SMALL_BYTES = 64;

  /** Size of the large response body (16 KiB). */
  static final int LARGE_BYTES = 16 * 1024;

  /** Request path answered with the small body. */
  static final String SMALL_PATH = "/small";

  /** Request path answered with the 16 KiB body. */
  static final String LARGE_PATH = "/16k";

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
    byte[] small = body(SMALL_BYTES);
    byte[] large = body(LARGE_BYTES);
    Vertx vertx = Vertx.vertx();
    int bound =
        vertx
            .createHttpServer(new HttpServerOptions().setTcpNoDelay(true).setIdleTimeout(0))
            .requestHandler(
                req ->
                    req.response()
                        .putHeader("content-type", "application/octet-stream")
                        .end(Buffer.buffer(LARGE_PATH.equals(req.path()) ? large : small)))
            .listen(port, "127.0.0.1")
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

  private static byte[] body(int size) {
    byte[] b = new byte[size];
    Arrays.fill(b, (byte) 'x');
    b[size - 1] = '\n';
    return b;
  }
}
