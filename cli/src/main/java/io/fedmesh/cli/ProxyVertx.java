package io.fedmesh.cli;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.PrintWriter;

/**
 * The Vert.x instance of a long-running proxy process (sidecar, gateway): Netty's native epoll
 * transport where it loads (Linux x86-64), fewer system calls and no selector garbage per wake-up
 * than NIO (measured in bench/README.md "Tuning log"); NIO elsewhere, with one line saying why.
 */
final class ProxyVertx {
  private ProxyVertx() {}

  static Vertx create(PrintWriter err) {
    Vertx vertx =
        Vertx.vertx(
            new VertxOptions()
                .setPreferNativeTransport(true)
                .setEventLoopPoolSize(Runtime.getRuntime().availableProcessors()));
    if (!vertx.isNativeTransportEnabled()) {
      Throwable why = vertx.unavailableNativeTransportCause();
      err.println(
          "fedmesh: native transport unavailable ("
              + (why == null ? "unknown reason" : why.getMessage())
              + "); using Java NIO");
    }
    return vertx;
  }
}
