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
 * obs-fold, with 400 ({@link HttpErrors}), and two HTTP/2 guards: one closes a connection feeding
 * its codec {@link #MAX_BYTES_WITHOUT_PROGRESS} bytes without a complete frame (CONTINUATION flood,
 * empty frames included), the other one whose streams mostly end in a reset before their response
 * began (rapid reset, MadeYouReset; {@code Http2ResetGuard}), in place of Vert.x's limit on resets
 * received, which the listener's options must turn off ({@link #serverOptions}). And the limit on
 * concurrent streams the listener advertises holds from the connection's start: Netty applies it
 * only once the client acknowledged the SETTINGS frame, so a client that never does could open any
 * number of streams; streams past it are refused (RST_STREAM REFUSED_STREAM).
 *
 * <p>Connections closed by the HTTP/2 guards are counted in {@link RequestMeters#HTTP2_ABUSE} with
 * {@code kind} {@value #NO_PROGRESS} or {@value #PREMATURE_RESETS}.
 *
 * <p>Vert.x 5.0.7 calls a server's connection handler for HTTP/1.x before the first byte is decoded
 * on a TLS listener and on a plaintext one without h2c; there the decoder is swapped. On a
 * plaintext listener with h2c it calls it only after the first request head was decoded, so the
 * swap would lose bytes and is not made: that listener keeps Netty's decoder (Content-Length
 * dropped, framed by chunks; obs-fold joined). For HTTP/2 it calls it when the client's first
 * SETTINGS frame was read, and the guard counts from there.
 */
public final class ListenerGuards {
  /** The {@code kind} of {@link RequestMeters#HTTP2_ABUSE} the HTTP/2 progress guard counts. */
  public static final String NO_PROGRESS = "no_progress";

  /** The {@code kind} of {@link RequestMeters#HTTP2_ABUSE} the HTTP/2 reset guard counts. */
  public static final String PREMATURE_RESETS = "premature_resets";

  /**
   * Bytes an HTTP/2 client may send without the codec completing a frame: 1 MiB, 9 bytes an empty
   * CONTINUATION frame, so at most about 116,000 of them. Far above any honest gap: Netty cuts a
   * header block at 1.25 times the header list limit (8 KiB by default), a frame is at most 16 KiB
   * (the listeners' SETTINGS_MAX_FRAME_SIZE), and DATA for streams already reset stops within the
   * client's stream window (64 KiB each: the listeners keep HTTP/2's default windows).
   */
  public static final long MAX_BYTES_WITHOUT_PROGRESS = 1 << 20;

  /**
   * Premature resets (streams reset within {@link #PREMATURE_RESET_LIFETIME_MILLIS} of opening and
   * before their response began) one HTTP/2 connection may have within {@link
   * #RESET_WINDOW_SECONDS} before the reset guard looks at their share: it closes the connection
   * when there are this many and they are more than half of the streams closed in the window.
   */
  public static final int MIN_PREMATURE_RESETS = 200;

  /** Premature resets that close a connection within a window whatever their share. */
  public static final int MAX_PREMATURE_RESETS = 10 * MIN_PREMATURE_RESETS;

  /** A stream reset later than this after it opened is not premature (Envoy's 1 s). */
  public static final int PREMATURE_RESET_LIFETIME_MILLIS = 1000;

  /** Length of the reset guard's counting window. */
  public static final int RESET_WINDOW_SECONDS = 30;

  private static final String HTTP_DECODER = "httpDecoder";
  private static final String H2C_UPGRADE = "h2c";

  private ListenerGuards() {}

  /**
   * Installs the guards and {@code meters}' connection count on {@code server}, built from {@code
   * options}, as its connection handler.
   */
  public static void install(HttpServer server, HttpServerOptions options, RequestMeters meters) {
    if (options.getHttp2RstFloodMaxRstFramePerWindow() != 0) {
      throw new IllegalArgumentException(
          "the listener's HTTP/2 reset limit must be off (setHttp2RstFloodMaxRstFramePerWindow(0)):"
              + " fedmesh's reset guard counts premature resets instead");
    }
    Runnable onNoProgress = () -> meters.http2Abuse(NO_PROGRESS);
    Runnable onResets = () -> meters.http2Abuse(PREMATURE_RESETS);
    server.connectionHandler(
        conn -> {
          meters.track(conn);
          guard(conn, options, onNoProgress, onResets);
        });
  }

  /**
   * Options for a relaying listener: Vert.x's (Netty's) HTTP/2 reset-flood limit off, as {@link
   * #install} requires ({@link Http2ResetGuard} counts resets instead), and no WebSocket
   * compression extensions. The listeners relay requests and accept no WebSocket themselves; with
   * the extensions on, Vert.x builds their handshakers and adds a handler to every HTTP/1.x
   * connection that looks for an upgrade in the headers of each request and response it passes.
   * HTTP/1.x request bodies come in pieces of up to {@link HttpRelay#HTTP1_MAX_CHUNK_BYTES}.
   */
  public static HttpServerOptions serverOptions() {
    return new HttpServerOptions()
        .setHttp2RstFloodMaxRstFramePerWindow(0)
        .setPerFrameWebSocketCompressionSupported(false)
        .setPerMessageWebSocketCompressionSupported(false)
        .setMaxChunkSize(HttpRelay.HTTP1_MAX_CHUNK_BYTES);
  }

  private static void guard(
      HttpConnection conn, HttpServerOptions options, Runnable onNoProgress, Runnable onResets) {
    ChannelPipeline pipeline = ((ConnectionBase) conn).channelHandlerContext().pipeline();
    ChannelHandlerContext codec = pipeline.context(Http2ConnectionHandler.class);
    if (codec != null) {
      Http2ConnectionHandler handler = (Http2ConnectionHandler) codec.handler();
      long streams = options.getInitialSettings().getMaxConcurrentStreams();
      handler.connection().remote().maxActiveStreams((int) Math.min(streams, Integer.MAX_VALUE));
      Http2ProgressGuard guard = Http2ProgressGuard.install(handler, codec, onNoProgress);
      Http2ResetGuard.install(handler, () -> guard.abort("premature stream resets", onResets));
      Http2Flushes.install(conn);
    } else if (pipeline.get(H2C_UPGRADE) == null
        && pipeline.get(HTTP_DECODER) instanceof VertxHttpRequestDecoder) {
      pipeline.replace(HTTP_DECODER, HTTP_DECODER, new StrictRequestDecoder(options));
    }
  }
}
