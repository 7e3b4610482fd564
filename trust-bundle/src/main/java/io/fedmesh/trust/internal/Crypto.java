package io.fedmesh.trust.internal;

import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The one BouncyCastle provider instance used for certificate signing and signature checks. It is
 * used by reference and never installed into {@link java.security.Security}, so JSSE keeps its own
 * providers.
 */
public final class Crypto {
  /** BouncyCastle, used for X.509 and CSR signatures on every JDK alike (CVE-2022-21449). */
  public static final Provider BC = new BouncyCastleProvider();

  private static final SecureRandom RANDOM = new SecureRandom();

  /** Since JDK 24, SunEC's P-256 signing is about twice BouncyCastle's (bench/run-identity.sh). */
  private static final int SUN_EC_FAST_SINCE = 24;

  private Crypto() {}

  /**
   * The provider that signs certificates fastest with a key of this algorithm on this JDK:
   * BouncyCastle for EC before JDK 24 (its P-256 is about 1.7 times SunEC's on Java 17), SunEC for
   * EC from 24 on, the JDK's own for RSA. Signature <em>checks</em> always use {@link #BC}.
   */
  public static Provider signingProvider(String keyAlgorithm) {
    if (keyAlgorithm.equals("EC")) {
      Provider sunEc = Security.getProvider("SunEC");
      return Runtime.version().feature() >= SUN_EC_FAST_SINCE && sunEc != null ? sunEc : BC;
    }
    Provider sunRsa = Security.getProvider("SunRsaSign");
    return sunRsa != null ? sunRsa : BC;
  }

  /** A process-wide CSPRNG. */
  public static SecureRandom random() {
    return RANDOM;
  }
}
