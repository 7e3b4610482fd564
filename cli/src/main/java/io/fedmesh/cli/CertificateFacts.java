package io.fedmesh.cli;

import io.fedmesh.trust.internal.SanNames;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What an operator wants to know about one certificate, as {@code ca inspect} and {@code bundle
 * inspect} print it, in text or (by Jackson, from the record components) JSON.
 *
 * @param subject RFC 2253 subject, empty for an SVID (its identity is the URI SAN)
 * @param issuer RFC 2253 issuer
 * @param serial serial number, colon-separated hex
 * @param spiffeId the single URI SAN when there is exactly one, else null
 * @param uriSans every URI SAN, in order
 * @param ca whether basicConstraints says CA=true
 * @param pathLenConstraint the CA's path length constraint; null when not a CA or unlimited
 * @param keyAlgorithm e.g. {@code EC P-256}, {@code RSA 2048}
 * @param keySize key size in bits
 * @param notBefore start of validity, ISO-8601 UTC
 * @param notAfter end of validity, ISO-8601 UTC
 * @param status {@code valid}, {@code expired} or {@code not yet valid}, at the time of inspection
 * @param expiresIn time left, e.g. {@code 23h 59m}; null unless valid
 * @param sha256 SHA-256 fingerprint of the DER encoding, colon-separated upper-case hex
 */
record CertificateFacts(
    String subject,
    String issuer,
    String serial,
    String spiffeId,
    List<String> uriSans,
    boolean ca,
    Integer pathLenConstraint,
    String keyAlgorithm,
    int keySize,
    String notBefore,
    String notAfter,
    String status,
    String expiresIn,
    String sha256) {

  static final String VALID = "valid";
  static final String EXPIRED = "expired";
  static final String NOT_YET_VALID = "not yet valid";

  private static final Map<String, String> CURVES =
      Map.of(
          "1.2.840.10045.3.1.7", "P-256",
          "1.3.132.0.34", "P-384",
          "1.3.132.0.35", "P-521",
          "secp256r1", "P-256",
          "secp384r1", "P-384",
          "secp521r1", "P-521");

  static CertificateFacts of(X509Certificate c, Instant now) {
    List<String> uris;
    try {
      uris = SanNames.uris(c);
    } catch (IllegalArgumentException e) {
      throw new UsageException(
          "certificate '" + c.getSubjectX500Principal().getName() + "': " + e.getMessage(), e);
    }
    int bc = c.getBasicConstraints();
    Instant notBefore = c.getNotBefore().toInstant();
    Instant notAfter = c.getNotAfter().toInstant();
    String status;
    String expiresIn = null;
    if (now.isAfter(notAfter)) {
      status = EXPIRED;
    } else if (now.isBefore(notBefore)) {
      status = NOT_YET_VALID;
    } else {
      status = VALID;
      expiresIn = Durations.approximate(Duration.between(now, notAfter));
    }
    PublicKey key = c.getPublicKey();
    return new CertificateFacts(
        c.getSubjectX500Principal().getName(),
        c.getIssuerX500Principal().getName(),
        colonHex(c.getSerialNumber().toByteArray(), false),
        uris.size() == 1 ? uris.get(0) : null,
        List.copyOf(uris),
        bc >= 0,
        bc >= 0 && bc != Integer.MAX_VALUE ? bc : null,
        keyAlgorithm(key),
        keySize(key),
        notBefore.toString(),
        notAfter.toString(),
        status,
        expiresIn,
        fingerprint(c));
  }

  /** "expires in 23h 59m", "EXPIRED 2h ago" or "NOT YET VALID (starts in 5m)". */
  String validityText(Instant now) {
    switch (status) {
      case EXPIRED:
        return "EXPIRED "
            + Durations.approximate(Duration.between(Instant.parse(notAfter), now))
            + " ago";
      case NOT_YET_VALID:
        return "NOT YET VALID (starts in "
            + Durations.approximate(Duration.between(now, Instant.parse(notBefore)))
            + ")";
      default:
        return "expires in " + expiresIn;
    }
  }

  /** "yes (pathLen 1)", "yes (pathLen unlimited)" or "no". */
  String caText() {
    if (!ca) {
      return "no";
    }
    return "yes (pathLen " + (pathLenConstraint == null ? "unlimited" : pathLenConstraint) + ")";
  }

  /** SHA-256 over the DER encoding, as {@code AB:CD:...}, the form {@code openssl x509} prints. */
  static String fingerprint(X509Certificate c) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(c.getEncoded());
      return colonHex(digest, true);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 fingerprint of a parsed certificate failed", e);
    }
  }

  private static String colonHex(byte[] bytes, boolean upper) {
    String hex = HexFormat.ofDelimiter(":").formatHex(bytes);
    return upper ? hex.toUpperCase(Locale.ROOT) : hex;
  }

  private static String keyAlgorithm(PublicKey key) {
    if (key instanceof ECPublicKey) {
      String curve = curveName((ECPublicKey) key);
      return "EC " + CURVES.getOrDefault(curve, curve);
    }
    if (key instanceof RSAPublicKey) {
      return "RSA " + ((RSAPublicKey) key).getModulus().bitLength();
    }
    return key.getAlgorithm();
  }

  private static String curveName(ECPublicKey key) {
    try {
      AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
      p.init(key.getParams());
      return p.getParameterSpec(ECGenParameterSpec.class).getName();
    } catch (GeneralSecurityException e) {
      return key.getParams().getCurve().getField().getFieldSize() + "-bit curve";
    }
  }

  private static int keySize(PublicKey key) {
    if (key instanceof ECPublicKey) {
      return ((ECPublicKey) key).getParams().getCurve().getField().getFieldSize();
    }
    if (key instanceof RSAPublicKey) {
      return ((RSAPublicKey) key).getModulus().bitLength();
    }
    return 0;
  }
}
