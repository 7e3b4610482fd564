package io.fedmesh.trust.internal;

import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;

/** Facts about public keys that the CA and the verifier both need. */
public final class Keys {
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
      int len = ((ECPublicKey) key).getParams().getCurve().getField().getFieldSize();
      return len == 256 || len == 384
          ? null
          : "EC key on a " + len + "-bit curve (expected: P-256 or P-384)";
    }
    return key.getAlgorithm() + " key (expected: EC P-256/P-384 or RSA >= 2048)";
  }
}
