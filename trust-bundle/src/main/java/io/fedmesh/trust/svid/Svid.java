package io.fedmesh.trust.svid;

import io.fedmesh.trust.TrustException;
import io.fedmesh.trust.internal.Pem;
import io.fedmesh.trust.internal.SanNames;
import io.fedmesh.trust.spiffe.SpiffeId;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A workload's X.509-SVID: its private key, its leaf certificate and the intermediates up to (not
 * including) the root in the bundle. Immutable; renewal makes a new one.
 */
public final class Svid {
  private final SpiffeId id;
  private final PrivateKey privateKey;
  private final List<X509Certificate> chain;

  private Svid(SpiffeId id, PrivateKey privateKey, List<X509Certificate> chain) {
    this.id = id;
    this.privateKey = privateKey;
    this.chain = chain;
  }

  /**
   * Wraps a key and the chain a CA returned (leaf first). The SPIFFE ID is read from the leaf's
   * single URI SAN.
   */
  public static Svid of(PrivateKey privateKey, List<X509Certificate> chain) {
    Objects.requireNonNull(privateKey, "privateKey");
    if (chain.isEmpty()) {
      throw new TrustException("SVID has no certificate");
    }
    List<String> uris = SanNames.uris(chain.get(0));
    if (uris.size() != 1) {
      throw new TrustException(
          "SVID leaf has " + uris.size() + " URI SANs (expected: exactly one SPIFFE ID)");
    }
    return new Svid(SpiffeId.parse(uris.get(0)), privateKey, List.copyOf(chain));
  }

  /** Reads an SVID from PEM text: a certificate chain and a private key. */
  public static Svid fromPem(String chainPem, String keyPem, String source) {
    return of(
        Pem.privateKey(keyPem, source + " (key)"),
        Pem.certificates(chainPem, source + " (certificates)"));
  }

  public SpiffeId id() {
    return id;
  }

  public PrivateKey privateKey() {
    return privateKey;
  }

  /** Leaf first, then intermediates. */
  public List<X509Certificate> chain() {
    return chain;
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  public Instant notBefore() {
    return leaf().getNotBefore().toInstant();
  }

  public Instant notAfter() {
    return leaf().getNotAfter().toInstant();
  }

  /** The instant at which {@code fraction} of the lifetime has passed (0.5 = half-life). */
  public Instant renewalTime(double fraction) {
    Duration life = Duration.between(notBefore(), notAfter());
    return notBefore().plusMillis((long) (life.toMillis() * fraction));
  }

  /** The leaf serial number in hex, for logs and key manager aliases. */
  public String serialHex() {
    return leaf().getSerialNumber().toString(16);
  }

  /** Chain as PEM. */
  public String chainPem() {
    return Pem.encodeCertificates(chain);
  }

  /** Private key as PKCS#8 PEM. */
  public String privateKeyPem() {
    return Pem.encodePrivateKey(privateKey);
  }

  @Override
  public String toString() {
    return "Svid{" + id + ", serial=" + serialHex() + ", notAfter=" + notAfter() + "}";
  }
}
