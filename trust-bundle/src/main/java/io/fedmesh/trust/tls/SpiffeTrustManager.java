package io.fedmesh.trust.tls;

import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.SvidVerificationException;
import io.fedmesh.trust.svid.SvidVerifier;
import io.fedmesh.trust.svid.VerifiedSvid;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
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
  private final Function<TrustDomain, Optional<TrustBundle>> bundles;
  private final Predicate<SpiffeId> authorizer;
  private final TlsMetrics metrics;
  private final String side;

  SpiffeTrustManager(
      SvidVerifier verifier,
      Function<TrustDomain, Optional<TrustBundle>> bundles,
      Predicate<SpiffeId> authorizer,
      TlsMetrics metrics,
      String side) {
    this.verifier = verifier;
    this.bundles = bundles;
    this.authorizer = authorizer;
    this.metrics = metrics;
    this.side = side;
  }

  /**
   * Leaves verified by a full handshake, with the bundle instance that vouched for them: lets
   * {@link #recheck} confirm cheaply that nothing changed since.
   */
  private final Map<X509Certificate, TrustBundle> recentlyVerified =
      Collections.synchronizedMap(
          new LinkedHashMap<>(64, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<X509Certificate, TrustBundle> e) {
              return size() > RECENT_MAX;
            }
          });

  private static final int RECENT_MAX = 1024;

  /**
   * Re-checks a completed handshake's peer against the bundles as they are now. A resumed TLS
   * session skips the trust manager, so a peer whose trust domain was removed could resume its way
   * back in (CVE-2022-21654); this runs after every handshake, resumed or not. When the trust
   * manager verified this leaf under the same bundle instance, only the validity window is checked
   * again.
   *
   * @throws SvidVerificationException when the peer is no longer trusted
   */
  void recheck(X509Certificate[] chain) {
    if (chain == null || chain.length == 0) {
      throw new SvidVerificationException(
          SvidVerificationException.Reason.EMPTY_CHAIN, "peer presented no certificate");
    }
    TrustBundle vouched = recentlyVerified.get(chain[0]);
    if (vouched != null) {
      SpiffeId id = SvidVerifier.spiffeIdOf(chain[0]);
      Optional<TrustBundle> now = bundles.apply(id.trustDomain());
      if (now.isPresent() && now.get() == vouched) {
        return;
      }
    }
    try {
      check(chain);
    } catch (CertificateException e) {
      throw (SvidVerificationException) e.getCause();
    }
  }

  private void check(X509Certificate[] chain) throws CertificateException {
    try {
      VerifiedSvid v = verifier.verify(chain == null ? java.util.List.of() : Arrays.asList(chain));
      bundles.apply(v.id().trustDomain()).ifPresent(b -> recentlyVerified.put(chain[0], b));
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
