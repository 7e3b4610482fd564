package io.fedmesh.trust.tls;

import io.fedmesh.trust.svid.SvidVerificationException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.util.Locale;
import javax.net.ssl.SSLHandshakeException;

/**
 * The TLS meters.
 *
 * <ul>
 *   <li>{@code fedmesh.tls.handshake.failures} (counter; tags {@code listener}, {@code reason}):
 *       handshakes a listener failed, by cause: {@code not_tls} (plaintext or another protocol),
 *       {@code no_client_certificate}, {@code peer_rejected} (the SPIFFE verifier or authorizer
 *       refused the peer), {@code protocol} (version or cipher mismatch, bad record), {@code
 *       timeout}, {@code other}.
 *   <li>{@code fedmesh.tls.peer.rejected} (counter; tags {@code side}, {@code reason}): peers the
 *       verifier refused, by {@link SvidVerificationException.Reason#tag()}.
 * </ul>
 */
final class TlsMetrics {
  static final String HANDSHAKE_FAILURES = "fedmesh.tls.handshake.failures";
  static final String PEER_REJECTED = "fedmesh.tls.peer.rejected";

  private final MeterRegistry registry;

  TlsMetrics(MeterRegistry registry) {
    this.registry = registry == null ? new SimpleMeterRegistry() : registry;
  }

  void peerRejected(String side, SvidVerificationException.Reason reason) {
    registry.counter(PEER_REJECTED, "side", side, "reason", reason.tag()).increment();
  }

  void handshakeFailed(String listener, Throwable cause) {
    registry
        .counter(HANDSHAKE_FAILURES, "listener", listener, "reason", classify(cause))
        .increment();
  }

  /** A low-cardinality reason for a failed handshake. */
  static String classify(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof NotSslRecordException) {
        return "not_tls";
      }
      if (c instanceof SslHandshakeTimeoutException) {
        return "timeout";
      }
      if (c instanceof SvidVerificationException) {
        return "peer_rejected";
      }
    }
    String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
    for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
      m = m + " " + String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT);
    }
    if (m.contains("certificate_required")
        || m.contains("empty client certificate")
        || m.contains("peer_did_not_return_a_certificate")
        || m.contains("no certificate")) {
      return "no_client_certificate";
    }
    if (m.contains("not an ssl/tls record")
        || m.contains("unrecognized ssl message")
        || m.contains("http_request")
        || m.contains("wrong_version_number")) {
      return "not_tls";
    }
    if (m.contains("protocol") || m.contains("cipher") || m.contains("version")) {
      return "protocol";
    }
    return t instanceof SSLHandshakeException ? "handshake" : "other";
  }
}
