package io.fedmesh.testing;

import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

/** Key types a {@link CertificateBuilder} can generate. */
public enum KeyAlgorithm {
  /** ECDSA on NIST P-256 (secp256r1); certificates it signs use SHA256withECDSA. */
  EC_P256,
  /** RSA with a 2048-bit modulus; certificates it signs use SHA256withRSA. */
  RSA_2048;

  /** A fresh key pair of this type, made by the default JDK provider. */
  public KeyPair generate() {
    try {
      switch (this) {
        case EC_P256:
          KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
          ec.initialize(new ECGenParameterSpec("secp256r1"));
          return ec.generateKeyPair();
        case RSA_2048:
          KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
          rsa.initialize(2048);
          return rsa.generateKeyPair();
        default:
          throw new AssertionError(this);
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate a " + this + " key pair", e);
    }
  }

  /**
   * The JCA signature algorithm a certificate signed by {@code key} uses: SHA256withECDSA for EC
   * keys (JDK "EC" or BouncyCastle "ECDSA"), SHA256withRSA for RSA keys.
   *
   * @throws IllegalArgumentException for any other key type
   */
  static String signatureAlgorithmFor(Key key) {
    String algorithm = key.getAlgorithm();
    if ("EC".equals(algorithm) || "ECDSA".equals(algorithm)) {
      return "SHA256withECDSA";
    }
    if ("RSA".equals(algorithm)) {
      return "SHA256withRSA";
    }
    throw new IllegalArgumentException(
        "signing key algorithm: " + algorithm + " (expected: EC, ECDSA or RSA)");
  }

  static boolean isEc(Key key) {
    return "EC".equals(key.getAlgorithm()) || "ECDSA".equals(key.getAlgorithm());
  }
}
