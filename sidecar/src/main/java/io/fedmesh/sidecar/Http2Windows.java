package io.fedmesh.sidecar;

import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;

/**
 * The HTTP/2 flow-control windows the sidecar advertises on every HTTP/2 connection it receives on:
 * its listeners (requests flowing in) and its clients (responses flowing back).
 *
 * <p>HTTP/2's defaults, 64 KiB per stream and 64 KiB for the whole connection (RFC 9113 §6.9.2),
 * let a multiplexed connection carry only four 16 KiB bodies before the sender waits a round trip
 * for a WINDOW_UPDATE; with HTTP/1.1 upgraded onto a few shared connections that halved 16 KiB
 * throughput. The windows are credit, not allocation: the sidecar grants more as it hands data on,
 * and stops granting it while a slow reader holds the relay back, so they bound what one connection
 * can leave buffered in the sidecar — {@link #CONNECTION_WINDOW} — and what one stream can ({@link
 * #STREAM_WINDOW}, enough for a long-distance link's round trip at a useful rate: 256 KiB per 50 ms
 * is 5 MiB/s per stream, more with several). Envoy defaults to 256 MiB for both; Linkerd's proxy to
 * a few MiB; a sidecar meant to stay small takes the low end.
 *
 * <p>For the sidecar's own packages; no compatibility promise.
 */
public final class Http2Windows {
  /** Initial window of each stream: 256 KiB. */
  public static final int STREAM_WINDOW = 256 * 1024;

  /** Window of each connection, all its streams together: 1 MiB. */
  public static final int CONNECTION_WINDOW = 1024 * 1024;

  private Http2Windows() {}

  /** Sets the windows on {@code options}; returns them. */
  public static HttpClientOptions on(HttpClientOptions options) {
    options.getInitialSettings().setInitialWindowSize(STREAM_WINDOW);
    return options.setHttp2ConnectionWindowSize(CONNECTION_WINDOW);
  }

  /** Sets the windows on {@code options}; returns them. */
  public static HttpServerOptions on(HttpServerOptions options) {
    options.getInitialSettings().setInitialWindowSize(STREAM_WINDOW);
    return options.setHttp2ConnectionWindowSize(CONNECTION_WINDOW);
  }
}
