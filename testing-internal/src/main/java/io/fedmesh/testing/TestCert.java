package io.fedmesh.testing;

import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A certificate made by {@link CertificateBuilder}, with its key pair and the {@code TestCert} that
 * signed it (none when self-signed). Immutable.
 */
public final class TestCert {

  private final X509Certificate certificate;
  private final KeyPair keyPair;
  private final TestCert issuer;

  TestCert(X509Certificate certificate, KeyPair keyPair, TestCert issuer) {
    this.certificate = Objects.requireNonNull(certificate, "certificate");
    this.keyPair = Objects.requireNonNull(keyPair, "keyPair");
    this.issuer = issuer;
  }

  /** The certificate. */
  public X509Certificate certificate() {
    return certificate;
  }

  /** The subject's key pair; its public half is the certificate's public key. */
  public KeyPair keyPair() {
    return keyPair;
  }

  /** The subject's private key. */
  public PrivateKey privateKey() {
    return keyPair.getPrivate();
  }

  /** The subject's public key. */
  public PublicKey publicKey() {
    return keyPair.getPublic();
  }

  /** The {@code TestCert} whose key signed this one, or empty when this one is self-signed. */
  public Optional<TestCert> issuer() {
    return Optional.ofNullable(issuer);
  }

  /** The top of this certificate's issuer chain: the self-signed root, or this one when it is. */
  public TestCert root() {
    TestCert top = this;
    while (top.issuer != null) {
      top = top.issuer;
    }
    return top;
  }

  /**
   * What a TLS peer presents: this certificate followed by its issuers, leaf first, without the
   * root at the top. A self-signed certificate's chain is itself.
   */
  public List<X509Certificate> chain() {
    List<X509Certificate> chain = new ArrayList<>();
    for (TestCert c = this; c != null; c = c.issuer) {
      if (c.issuer == null && c != this) {
        break;
      }
      chain.add(c.certificate);
    }
    return List.copyOf(chain);
  }

  /** This certificate followed by every issuer, leaf first, root last. */
  public List<X509Certificate> chainWithRoot() {
    List<X509Certificate> chain = new ArrayList<>();
    for (TestCert c = this; c != null; c = c.issuer) {
      chain.add(c.certificate);
    }
    return List.copyOf(chain);
  }

  /** The certificate as one PEM {@code CERTIFICATE} block. */
  public String certificatePem() {
    return Pem.certificate(certificate);
  }

  /** {@link #chain()} as concatenated PEM {@code CERTIFICATE} blocks, leaf first. */
  public String chainPem() {
    return Pem.certificates(chain());
  }

  /** The private key as a PEM PKCS#8 {@code PRIVATE KEY} block. */
  public String privateKeyPkcs8Pem() {
    return Pem.privateKey(keyPair.getPrivate());
  }

  @Override
  public String toString() {
    return "TestCert{"
        + certificate.getSubjectX500Principal().getName()
        + " issued by "
        + certificate.getIssuerX500Principal().getName()
        + '}';
  }
}
