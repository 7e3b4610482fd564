package io.fedmesh.trust.tls;

import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.svid.SvidVerificationException;
import io.fedmesh.trust.svid.SvidVerifier;
import io.fedmesh.trust.svid.VerifiedSvid;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Replaces PKIX with the SPIFFE verifier on both sides of a handshake, then asks an authorizer
 * whether the verified peer ID may connect. A refusal becomes a {@link CertificateException}, which
 * both engines turn into a TLS alert; its cause is the {@link SvidVerificationException}.
 */
final class SpiffeTrustManager extends X509ExtendedTrustManager {
  private static final X509Certificate[] NO_ISSUERS = new X509Certificate[0];

  private final SvidVerifier verifier;
  private final Predicate<SpiffeId> authorizer;
  private final TlsMetrics metrics;
  private final String side;

  SpiffeTrustManager(
      SvidVerifier verifier, Predicate<SpiffeId> authorizer, TlsMetrics metrics, String side) {
    this.verifier = verifier;
    this.authorizer = authorizer;
    this.metrics = metrics;
    this.side = side;
  }

  private void check(X509Certificate[] chain) throws CertificateException {
    try {
      VerifiedSvid v = verifier.verify(chain == null ? java.util.List.of() : Arrays.asList(chain));
      if (!authorizer.test(v.id())) {
        throw new SvidVerificationException(
            SvidVerificationException.Reason.NOT_AUTHORIZED,
            "peer " + v.id() + " is not authorized on this " + side + " connection");
      }
    } catch (SvidVerificationException e) {
      metrics.peerRejected(side, e.reason());
      CertificateException ce = new CertificateException(e.getMessage());
      ce.initCause(e);
      throw ce;
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    check(chain);
  }

  /** None: we do not advertise CAs, the client has one SVID to present anyway. */
  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return NO_ISSUERS;
  }
}
