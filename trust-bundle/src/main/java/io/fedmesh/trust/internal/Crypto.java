package io.fedmesh.trust.internal;

import java.security.Provider;
import java.security.SecureRandom;
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

  private Crypto() {}

  /** A process-wide CSPRNG. */
  public static SecureRandom random() {
    return RANDOM;
  }
}
