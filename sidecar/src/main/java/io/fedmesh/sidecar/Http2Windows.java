package io.fedmesh.sidecar;

import io.vertx.core.http.HttpClientOptions;

/**
 * The HTTP/2 flow-control windows the sidecar advertises on the HTTP/2 connections it opens — to
 * upstream sidecars and gateways, and to an h2c app — that is, for responses flowing back to it.
 *
 * <p>HTTP/2's defaults, 64 KiB per stream and 64 KiB for the whole connection (RFC 9113 §6.9.2),
 * let a multiplexed connection carry only four 16 KiB bodies before the sender waits a round trip
 * for a WINDOW_UPDATE: with the app's HTTP/1.1 upgraded onto a shared connection that halved 16 KiB
 * throughput. A window is credit, not a buffer: the sidecar grants more as it hands data on and
 * stops granting while a slow reader holds the relay back, so at most {@link #CONNECTION_WINDOW}
 * waits in the sidecar per connection, and the sidecar opens a bounded number of them (at most four
 * per upstream endpoint, four to the app). {@link #STREAM_WINDOW} keeps one stream useful over a
 * long link: 256 KiB per 50 ms round trip is 5 MiB/s per stream.
 *
 * <p>The listeners keep HTTP/2's defaults: any number of peers may connect to them, and a wider
 * window there would multiply what a slow app can leave buffered in a 64 MiB heap.
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
}
