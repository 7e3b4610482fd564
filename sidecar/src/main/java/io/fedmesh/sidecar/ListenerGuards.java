package io.fedmesh.sidecar;

import io.fedmesh.sidecar.metrics.RequestMeters;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Input guards both HTTP listeners install on every connection, through one call to {@link
 * #install}: the request decoder that refuses both Content-Length and Transfer-Encoding, and
 * obs-fold, with 400 ({@link HttpErrors}), and the HTTP/2 guard that closes a connection feeding
 * its codec {@link #MAX_BYTES_WITHOUT_PROGRESS} bytes without a complete frame (CONTINUATION flood,
 * empty frames included).
 *
 * <p>Connections closed by the HTTP/2 guard are counted in {@link RequestMeters#HTTP2_ABUSE} with
 * {@code kind} {@value #NO_PROGRESS}.
 *
 * <p>Vert.x 5.0.7 calls a server's connection handler for HTTP/1.x before the first byte is decoded
 * on a TLS listener and on a plaintext one without h2c; there the decoder is swapped. On a
 * plaintext listener with h2c it calls it only after the first request head was decoded, so the
 * swap would lose bytes and is not made: that listener keeps Netty's decoder (Content-Length
 * dropped, framed by chunks; obs-fold joined). For HTTP/2 it calls it when the client's first
 * SETTINGS frame was read, and the guard counts from there.
 */
public final class ListenerGuards {
  /** The {@code kind} of {@link RequestMeters#HTTP2_ABUSE} the HTTP/2 guard counts. */
  public static final String NO_PROGRESS = "no_progress";

  /**
   * Bytes an HTTP/2 client may send without the codec completing a frame: 1 MiB, 9 bytes an empty
   * CONTINUATION frame, so at most about 116,000 of them. Far above any honest gap: Netty cuts a
   * header block at 1.25 times the header list limit (8 KiB by default), a frame is at most 16 KiB
   * (the listeners' SETTINGS_MAX_FRAME_SIZE), and DATA for streams already reset stops within the
   * client's stream window (64 KiB each: the listeners keep HTTP/2's default windows).
   */
  public static final long MAX_BYTES_WITHOUT_PROGRESS = 1 << 20;

  private static final String HTTP_DECODER = "httpDecoder";
  private static final String H2C_UPGRADE = "h2c";

  private ListenerGuards() {}

  /**
   * Installs the guards and {@code meters}' connection count on {@code server}, built from {@code
   * options}, as its connection handler.
   */
  public static void install(HttpServer server, HttpServerOptions options, RequestMeters meters) {
    Runnable onAbuse = () -> meters.http2Abuse(NO_PROGRESS);
    server.connectionHandler(
        conn -> {
          meters.track(conn);
          guard(conn, options, onAbuse);
        });
  }

  private static void guard(HttpConnection conn, HttpServerOptions options, Runnable onAbuse) {
    ChannelPipeline pipeline = ((ConnectionBase) conn).channelHandlerContext().pipeline();
    ChannelHandlerContext codec = pipeline.context(Http2ConnectionHandler.class);
    if (codec != null) {
      Http2ProgressGuard.install((Http2ConnectionHandler) codec.handler(), codec, onAbuse);
      Http2Flushes.install(conn);
    } else if (pipeline.get(H2C_UPGRADE) == null
        && pipeline.get(HTTP_DECODER) instanceof VertxHttpRequestDecoder) {
      pipeline.replace(HTTP_DECODER, HTTP_DECODER, new StrictRequestDecoder(options));
    }
  }
}
