package io.fedmesh.trust.bundle;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates for this package's tests, made with BouncyCastle at run time. Stand-in until the
 * shared testing-internal module's builder is available.
 */
final class TestCerts {
  private static final Instant NOT_BEFORE = Instant.parse("2025-01-01T00:00:00Z");
  private static final Instant NOT_AFTER = Instant.parse("2035-01-01T00:00:00Z");
  private static final AtomicLong SERIAL = new AtomicLong(1000);
  private static KeyPair rsa;

  private TestCerts() {}

  static KeyPair ec(String curve) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec(curve));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static KeyPair p256() {
    return ec("secp256r1");
  }

  /** One RSA-2048 pair per test run: generating them is slow. */
  static synchronized KeyPair rsa() {
    if (rsa == null) {
      try {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        rsa = generator.generateKeyPair();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
    return rsa;
  }

  /** A self-signed root CA: basicConstraints CA=true, keyCertSign and cRLSign. */
  static X509Certificate ca(String cn) {
    return ca(cn, p256());
  }

  static X509Certificate ca(String cn, KeyPair keys) {
    return selfSigned(cn, keys, true, KeyUsage.keyCertSign | KeyUsage.cRLSign);
  }

  /** A self-signed non-CA: basicConstraints CA=false, digitalSignature only. */
  static X509Certificate leaf(String cn) {
    return selfSigned(cn, p256(), false, KeyUsage.digitalSignature);
  }

  /**
   * A self-signed certificate.
   *
   * @param ca the basicConstraints CA flag, or null for no basicConstraints at all
   * @param keyUsage KeyUsage bits, or 0 for no keyUsage extension
   */
  static X509Certificate selfSigned(String cn, KeyPair keys, Boolean ca, int keyUsage) {
    try {
      X500Name name = new X500Name("CN=" + cn);
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              name,
              BigInteger.valueOf(SERIAL.incrementAndGet()),
              Date.from(NOT_BEFORE),
              Date.from(NOT_AFTER),
              name,
              keys.getPublic());
      if (ca != null) {
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
      }
      if (keyUsage != 0) {
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
      }
      String algorithm =
          keys.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(new JcaContentSignerBuilder(algorithm).build(keys.getPrivate())));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
