package io.fedmesh.trust;

import io.fedmesh.trust.internal.Crypto;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Locale;

/** Key algorithms for CAs and SVIDs. ECDSA P-256 is the default, as SPIFFE implementations use. */
public enum KeyAlgorithm {
  EC_P256("EC", 256, "SHA256withECDSA"),
  RSA_2048("RSA", 2048, "SHA256withRSA"),
  RSA_3072("RSA", 3072, "SHA256withRSA");

  /** The default for new CAs and workload keys. */
  public static final KeyAlgorithm DEFAULT = EC_P256;

  private final String jcaName;
  private final int bits;
  private final String signatureAlgorithm;

  KeyAlgorithm(String jcaName, int bits, String signatureAlgorithm) {
    this.jcaName = jcaName;
    this.bits = bits;
    this.signatureAlgorithm = signatureAlgorithm;
  }

  /** Parses {@code ec-p256}, {@code rsa-2048} or {@code rsa-3072} (case-insensitive). */
  public static KeyAlgorithm parse(String s) {
    String n = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    for (KeyAlgorithm a : values()) {
      if (a.name().equals(n)) {
        return a;
      }
    }
    throw new TrustException("key algorithm '" + s + "' (expected: ec-p256, rsa-2048 or rsa-3072)");
  }

  /** Generates a fresh key pair. */
  public KeyPair generate() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance(jcaName);
      if (this == EC_P256) {
        g.initialize(new ECGenParameterSpec("secp256r1"), Crypto.random());
      } else {
        g.initialize(bits, Crypto.random());
      }
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new TrustException("cannot generate a " + this + " key pair: " + e.getMessage(), e);
    }
  }

  /** The signature algorithm a key of this kind signs with. */
  public String signatureAlgorithm() {
    return signatureAlgorithm;
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
