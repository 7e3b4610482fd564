package io.fedmesh.sidecar;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Coalesces the flushes of one HTTP/2 connection that happen in one event-loop task into one.
 *
 * <p>Vert.x 5 flushes an HTTP/2 connection after every frame it writes unless that connection is
 * reading at the time. A relay writes to one connection while reading another: the responses to
 * eight streams arriving in one read of the upstream connection became eight flushes of the
 * downstream one — eight TLS records, eight {@code write} system calls. With Netty's {@link
 * FlushConsolidationHandler} before the codec, a flush outside a read of this connection becomes a
 * task submitted to the connection's event loop, and the frames written until it runs leave in one
 * TLS record and one system call; a flush during a read waits for the read to complete. Nothing
 * waits for a timer or for more data: the flush runs after the tasks and I/O already in hand on
 * that event loop (GOAWAY, close and writability changes flush at once).
 *
 * <p>For the sidecar's own packages; no compatibility promise.
 */
public final class Http2Flushes {
  /** The handler's name in the channel pipeline. */
  static final String NAME = "fedmesh-h2-flush";

  /**
   * Flushes put off in a row before one goes out anyway: bounds the bytes a long task (a large
   * read) keeps back. Netty's default.
   */
  private static final int MAX_DEFERRED =
      FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES;

  private Http2Flushes() {}

  /**
   * Installs the coalescing on {@code conn} if it is an HTTP/2 connection (server or client side);
   * does nothing for HTTP/1.x or when already installed.
   */
  public static void install(HttpConnection conn) {
    ChannelPipeline pipeline = ((ConnectionBase) conn).channelHandlerContext().pipeline();
    ChannelHandlerContext codec = pipeline.context(Http2ConnectionHandler.class);
    if (codec == null || pipeline.get(NAME) != null) {
      return;
    }
    pipeline.addBefore(codec.name(), NAME, new FlushConsolidationHandler(MAX_DEFERRED, true));
  }
}
