package io.fedmesh.sidecar;

import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * How the sidecar's HTTP clients reach upstream sidecars and gateways: one definition, so that the
 * outbound's requests and the health probes of the same service travel exactly the same way. For
 * the sidecar's own packages; no compatibility promise.
 */
public final class MeshClients {
  private MeshClients() {}

  /**
   * HTTP client options for mTLS with {@code tls}'s SVID to a server presenting one of {@code
   * serverIds}: HTTP/2 by ALPN (HTTP/1.1 if the server offers only that) with the sidecar's {@link
   * Http2Windows}, the SNI always sent (a gateway routes by it), connections kept alive.
   */
  public static HttpClientOptions upstream(MeshTls tls, Collection<SpiffeId> serverIds) {
    return upstream(tls, serverIds, HttpVersion.HTTP_2);
  }

  /**
   * As {@link #upstream(MeshTls, Collection)}, with {@code version} the protocol asked for by ALPN:
   * {@link HttpVersion#HTTP_2} (HTTP/1.1 if the server offers only that) or {@link
   * HttpVersion#HTTP_1_1} (offered alone: connections carry one request at a time and are reused).
   */
  public static HttpClientOptions upstream(
      MeshTls tls, Collection<SpiffeId> serverIds, HttpVersion version) {
    Set<SpiffeId> ids = Set.copyOf(serverIds);
    HttpClientOptions options =
        Http2Windows.on(new HttpClientOptions())
            .setProtocolVersion(version)
            .setUseAlpn(true)
            .setForceSni(true)
            .setKeepAlive(true)
            .setMaxChunkSize(HttpRelay.HTTP1_MAX_CHUNK_BYTES);
    if (version == HttpVersion.HTTP_1_1) {
      options.setAlpnVersions(List.of(HttpVersion.HTTP_1_1)).setPipelining(false);
    }
    return tls.configureClient(options, ids::contains);
  }
}
