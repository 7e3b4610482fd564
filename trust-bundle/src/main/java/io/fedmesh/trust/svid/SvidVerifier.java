package io.fedmesh.trust.svid;

import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.internal.Crypto;
import io.fedmesh.trust.internal.SanNames;
import io.fedmesh.trust.spiffe.InvalidSpiffeIdException;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.SvidVerificationException.Reason;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Verifies a peer's certificate chain as an X.509-SVID (SPIFFE X509-SVID sections 4 and 5).
 *
 * <p>The leaf must carry exactly one URI SAN holding a valid SPIFFE ID; not be a CA; have
 * digitalSignature and neither keyCertSign nor cRLSign; have, when it has an extended key usage,
 * both serverAuth and clientAuth. The chain must lead, through presented intermediates that are CAs
 * with keyCertSign and whose path length constraints hold, to an authority in the bundle <em>of the
 * trust domain named in the leaf's SPIFFE ID</em> — never another domain's (SPIFFE Federation
 * section 4.2). Every certificate must be within its validity, widened by the allowed clock skew;
 * signatures are checked with BouncyCastle on every JDK, which rejects ECDSA r = s = 0
 * (CVE-2022-21449). Unknown critical extensions fail.
 *
 * <p>Thread-safe; reads the bundles at each call, so a bundle update applies to the next handshake.
 */
public final class SvidVerifier {
  /** Clock skew tolerated on validity windows, in both directions. */
  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);

  /** Longest chain accepted: leaf plus intermediates. */
  public static final int DEFAULT_MAX_CHAIN_LENGTH = 5;

  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  /** Critical extensions this verifier understands and enforces. */
  private static final Set<String> KNOWN_CRITICAL =
      Set.of(
          "2.5.29.19", // basicConstraints
          "2.5.29.15", // keyUsage
          "2.5.29.37", // extKeyUsage
          "2.5.29.17"); // subjectAltName

  private final Function<TrustDomain, Optional<TrustBundle>> bundles;
  private final Clock clock;
  private final Duration clockSkew;
  private final int maxChainLength;

  private SvidVerifier(Builder b) {
    this.bundles = b.bundles;
    this.clock = b.clock;
    this.clockSkew = b.clockSkew;
    this.maxChainLength = b.maxChainLength;
  }

  /**
   * A builder over a bundle lookup, usually {@code bundleSet::get}; it is consulted on every call.
   */
  public static Builder builder(Function<TrustDomain, Optional<TrustBundle>> bundles) {
    return new Builder(bundles);
  }

  /**
   * Verifies {@code chain} (leaf first, as presented by the peer).
   *
   * @throws SvidVerificationException naming the certificate and the rule it breaks
   */
  public VerifiedSvid verify(List<X509Certificate> chain) {
    if (chain == null || chain.isEmpty()) {
      throw fail(Reason.EMPTY_CHAIN, "peer presented no certificate");
    }
    if (chain.size() > maxChainLength) {
      throw fail(
          Reason.CHAIN_TOO_LONG,
          "peer chain has "
              + chain.size()
              + " certificates (expected: at most "
              + maxChainLength
              + ")");
    }
    X509Certificate leaf = chain.get(0);
    SpiffeId id = spiffeIdOf(leaf);
    checkLeaf(leaf, id);
    Instant now = clock.instant();
    for (X509Certificate c : chain) {
      checkValidity(c, now, c == leaf ? "SVID of " + id : "intermediate " + name(c));
      checkCriticalExtensions(c, c == leaf ? "SVID of " + id : "intermediate " + name(c));
    }
    TrustBundle bundle =
        bundles
            .apply(id.trustDomain())
            .orElseThrow(
                () ->
                    fail(
                        Reason.UNKNOWN_TRUST_DOMAIN,
                        "SVID "
                            + id
                            + ": no trust bundle for trust domain '"
                            + id.trustDomain()
                            + "' (not local and not federated)"));
    X509Certificate authority = chainToBundle(chain, id, bundle, now);
    return new VerifiedSvid(id, chain, authority);
  }

  /**
   * The SPIFFE ID in a leaf's single URI SAN, without checking anything else.
   *
   * @throws SvidVerificationException when there is no, or more than one, URI SAN, or it is not a
   *     valid SPIFFE ID
   */
  public static SpiffeId spiffeIdOf(X509Certificate leaf) {
    List<String> uris;
    try {
      uris = SanNames.uris(leaf);
    } catch (IllegalArgumentException e) {
      throw fail(Reason.MALFORMED_SPIFFE_ID, "certificate " + name(leaf) + ": " + e.getMessage());
    }
    if (uris.isEmpty()) {
      throw fail(
          Reason.NO_URI_SAN,
          "certificate "
              + name(leaf)
              + " has no URI SAN (expected: exactly one, the SPIFFE ID; other SAN types do not count)");
    }
    if (uris.size() > 1) {
      throw fail(
          Reason.MULTIPLE_URI_SANS,
          "certificate "
              + name(leaf)
              + " has "
              + uris.size()
              + " URI SANs (expected: exactly one, the SPIFFE ID)");
    }
    try {
      return SpiffeId.parse(uris.get(0));
    } catch (InvalidSpiffeIdException e) {
      throw fail(Reason.MALFORMED_SPIFFE_ID, "certificate " + name(leaf) + ": " + e.getMessage());
    }
  }

  private static void checkLeaf(X509Certificate leaf, SpiffeId id) {
    if (leaf.getBasicConstraints() >= 0) {
      throw fail(Reason.LEAF_IS_CA, "SVID of " + id + " is a CA certificate (expected: CA=false)");
    }
    boolean[] ku = leaf.getKeyUsage();
    if (ku == null || !ku[0]) {
      throw fail(
          Reason.BAD_KEY_USAGE,
          "SVID of " + id + " lacks the digitalSignature key usage (expected: digitalSignature)");
    }
    if (ku.length > 5 && ku[5] || ku.length > 6 && ku[6]) {
      throw fail(
          Reason.BAD_KEY_USAGE,
          "SVID of " + id + " has keyCertSign or cRLSign (expected: neither, in a leaf)");
    }
    List<String> eku;
    try {
      eku = leaf.getExtendedKeyUsage();
    } catch (CertificateParsingException e) {
      throw fail(Reason.BAD_EXTENDED_KEY_USAGE, "SVID of " + id + ": malformed extended key usage");
    }
    if (eku != null && !(eku.contains(SERVER_AUTH) && eku.contains(CLIENT_AUTH))) {
      throw fail(
          Reason.BAD_EXTENDED_KEY_USAGE,
          "SVID of "
              + id
              + " has extended key usage "
              + eku
              + " (expected: serverAuth and clientAuth)");
    }
  }

  private void checkValidity(X509Certificate c, Instant now, String what) {
    Instant notAfter = c.getNotAfter().toInstant();
    Instant notBefore = c.getNotBefore().toInstant();
    if (now.minus(clockSkew).isAfter(notAfter)) {
      throw fail(Reason.EXPIRED, what + " expired at " + notAfter + " (now " + now + ")");
    }
    if (now.plus(clockSkew).isBefore(notBefore)) {
      throw fail(
          Reason.NOT_YET_VALID,
          what + " is not valid before " + notBefore + " (now " + now + "; check clocks)");
    }
  }

  private static void checkCriticalExtensions(X509Certificate c, String what) {
    Set<String> critical = c.getCriticalExtensionOIDs();
    if (critical == null) {
      return;
    }
    for (String oid : critical) {
      if (!KNOWN_CRITICAL.contains(oid)) {
        throw fail(
            Reason.UNSUPPORTED_CRITICAL_EXTENSION,
            what + " has unsupported critical extension " + oid);
      }
    }
  }

  /**
   * Walks from the leaf up: at each step, stop if a bundle authority signed the current
   * certificate, else take the presented intermediate that did.
   */
  private X509Certificate chainToBundle(
      List<X509Certificate> chain, SpiffeId id, TrustBundle bundle, Instant now) {
    X509Certificate current = chain.get(0);
    int intermediatesBelow = 0;
    boolean[] used = new boolean[chain.size()];
    used[0] = true;
    for (int step = 0; step < chain.size(); step++) {
      for (X509Certificate authority : bundle.x509Authorities()) {
        if (signedBy(current, authority)) {
          checkIssuer(authority, intermediatesBelow, id, "bundle authority");
          checkValidity(
              authority,
              now,
              "bundle authority " + name(authority) + " of '" + id.trustDomain() + "'");
          return authority;
        }
      }
      X509Certificate next = null;
      for (int i = 1; i < chain.size(); i++) {
        if (!used[i] && signedBy(current, chain.get(i))) {
          next = chain.get(i);
          used[i] = true;
          break;
        }
      }
      if (next == null) {
        break;
      }
      checkIssuer(next, intermediatesBelow, id, "intermediate");
      current = next;
      intermediatesBelow++;
    }
    boolean selfSigned = chain.size() == 1 && signedBy(chain.get(0), chain.get(0));
    throw fail(
        Reason.UNTRUSTED_CHAIN,
        "SVID of "
            + id
            + (selfSigned ? " is self-signed and" : "")
            + " does not chain to the trust bundle of '"
            + id.trustDomain()
            + "' (bundle sequence "
            + bundle.sequence()
            + ", "
            + bundle.x509Authorities().size()
            + " authorities)");
  }

  private static void checkIssuer(
      X509Certificate issuer, int intermediatesBelow, SpiffeId id, String role) {
    int pathLen = issuer.getBasicConstraints();
    if (pathLen < 0) {
      throw fail(
          Reason.BAD_INTERMEDIATE,
          "chain of " + id + ": " + role + " " + name(issuer) + " is not a CA (expected: CA=true)");
    }
    boolean[] ku = issuer.getKeyUsage();
    if (ku != null && !ku[5]) {
      throw fail(
          Reason.BAD_INTERMEDIATE,
          "chain of " + id + ": " + role + " " + name(issuer) + " lacks keyCertSign");
    }
    if (intermediatesBelow > pathLen) {
      throw fail(
          Reason.PATH_LENGTH_EXCEEDED,
          "chain of "
              + id
              + ": "
              + role
              + " "
              + name(issuer)
              + " allows "
              + pathLen
              + " intermediates below it, found "
              + intermediatesBelow);
    }
  }

  private static boolean signedBy(X509Certificate cert, X509Certificate issuer) {
    if (!cert.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
      return false;
    }
    try {
      cert.verify(issuer.getPublicKey(), Crypto.BC);
      return true;
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private static String name(X509Certificate c) {
    String dn = c.getSubjectX500Principal().getName();
    return "'" + (dn.isEmpty() ? "serial " + c.getSerialNumber().toString(16) : dn) + "'";
  }

  private static SvidVerificationException fail(Reason reason, String message) {
    return new SvidVerificationException(reason, message);
  }

  /** Builds a verifier; defaults: system UTC clock, 30 s skew, chains of up to 5. */
  public static final class Builder {
    private final Function<TrustDomain, Optional<TrustBundle>> bundles;
    private Clock clock = Clock.systemUTC();
    private Duration clockSkew = DEFAULT_CLOCK_SKEW;
    private int maxChainLength = DEFAULT_MAX_CHAIN_LENGTH;

    Builder(Function<TrustDomain, Optional<TrustBundle>> bundles) {
      this.bundles = Objects.requireNonNull(bundles, "bundles");
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Tolerated clock skew, 0 to 10 minutes. */
    public Builder clockSkew(Duration skew) {
      if (skew.isNegative() || skew.compareTo(Duration.ofMinutes(10)) > 0) {
        throw new IllegalArgumentException("clockSkew: " + skew + " (expected: 0s..10m)");
      }
      this.clockSkew = skew;
      return this;
    }

    /** Longest accepted chain, 1 to 10 certificates. */
    public Builder maxChainLength(int n) {
      if (n < 1 || n > 10) {
        throw new IllegalArgumentException("maxChainLength: " + n + " (expected: 1..10)");
      }
      this.maxChainLength = n;
      return this;
    }

    public SvidVerifier build() {
      return new SvidVerifier(this);
    }
  }
}
