package io.fedmesh.trust.internal;

import java.math.BigInteger;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;

/** Facts about public keys that the CA and the verifier both need. */
public final class Keys {
  /** Group orders identify the NIST curves whatever name a provider gives them. */
  private static final BigInteger P256_ORDER =
      new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

  private static final BigInteger P384_ORDER =
      new BigInteger(
          "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973",
          16);

  private Keys() {}

  /** The signature algorithm to sign with {@code key}'s private half. */
  public static String signatureAlgorithmFor(PublicKey key) {
    return key instanceof RSAPublicKey ? "SHA256withRSA" : "SHA256withECDSA";
  }

  /**
   * Whether a workload public key is strong enough to certify: EC P-256/P-384, or RSA of at least
   * 2048 bits.
   */
  public static String weakness(PublicKey key) {
    if (key instanceof RSAPublicKey) {
      int len = ((RSAPublicKey) key).getModulus().bitLength();
      return len < 2048 ? "RSA key of " + len + " bits (expected: at least 2048)" : null;
    }
    if (key instanceof ECPublicKey) {
      BigInteger order = ((ECPublicKey) key).getParams().getOrder();
      if (order.equals(P256_ORDER) || order.equals(P384_ORDER)) {
        return null;
      }
      int len = ((ECPublicKey) key).getParams().getCurve().getField().getFieldSize();
      return "EC key on a "
          + len
          + "-bit curve that is not P-256 or P-384 (expected: P-256 or P-384)";
    }
    return key.getAlgorithm() + " key (expected: EC P-256/P-384 or RSA >= 2048)";
  }
}
