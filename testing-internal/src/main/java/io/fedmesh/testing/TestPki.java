package io.fedmesh.testing;

import io.fedmesh.testing.CertificateBuilder.KeyUsageBit;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.KeyPurposeId;

/**
 * Ready-made certificates for trust and TLS tests: a trust domain's root, intermediates, valid
 * X.509-SVIDs, and SVIDs broken in one named way. Each {@code *Builder} factory returns a {@link
 * CertificateBuilder} with every field set explicitly, so a test changes exactly one thing:
 *
 * <pre>{@code
 * TestCert root = TestPki.root("example.org");
 * TestCert leafCa = TestPki.svidBuilder(root, "spiffe://example.org/ns/a/sa/b").ca(true).build();
 * }</pre>
 *
 * <p>Validity is relative to the system clock; pass a {@link java.time.Clock} to {@link
 * CertificateBuilder#clock} for deterministic periods.
 */
public final class TestPki {

  /** Validity of roots and intermediates: long, so leaves made later in a test stay inside it. */
  public static final Duration DEFAULT_CA_VALIDITY = Duration.ofDays(365);

  private TestPki() {}

  /** A builder with the defaults documented on {@link CertificateBuilder}. */
  public static CertificateBuilder builder() {
    return new CertificateBuilder();
  }

  /**
   * A self-signed root CA for a trust domain: subject {@code CN=<trustDomainName>}, {@code
   * cA=true}, key usage {@code keyCertSign | cRLSign}, EC P-256, valid for {@link
   * #DEFAULT_CA_VALIDITY}.
   */
  public static TestCert root(String trustDomainName) {
    return rootBuilder(trustDomainName).build();
  }

  /** The builder behind {@link #root(String)}. */
  public static CertificateBuilder rootBuilder(String trustDomainName) {
    return caBuilder(cn(trustDomainName));
  }

  /**
   * An intermediate CA signed by {@code issuer}: subject {@code CN=<cn>}, {@code cA=true}, key
   * usage {@code keyCertSign | cRLSign}, valid for {@link #DEFAULT_CA_VALIDITY}.
   */
  public static TestCert intermediate(TestCert issuer, String cn) {
    return intermediateBuilder(issuer, cn).build();
  }

  /** The builder behind {@link #intermediate(TestCert, String)}. */
  public static CertificateBuilder intermediateBuilder(TestCert issuer, String cn) {
    return caBuilder(cn(cn)).issuer(Objects.requireNonNull(issuer, "issuer"));
  }

  /**
   * A valid X.509-SVID leaf (SPIFFE X509-SVID sections 2, 4): exactly one URI SAN {@code spiffeId},
   * {@code cA=false}, key usage {@code digitalSignature} only, extended key usage {@code
   * serverAuth, clientAuth}, signed by {@code issuer}. {@code spiffeId} is not validated, so
   * malformed IDs can be embedded on purpose.
   */
  public static TestCert svid(TestCert issuer, String spiffeId) {
    return svidBuilder(issuer, spiffeId).build();
  }

  /** The builder behind {@link #svid(TestCert, String)}; add a second URI SAN, flip CA, etc. */
  public static CertificateBuilder svidBuilder(TestCert issuer, String spiffeId) {
    return builder()
        .subject(cn("svid"))
        .issuer(Objects.requireNonNull(issuer, "issuer"))
        .ca(false)
        .keyUsage(KeyUsageBit.DIGITAL_SIGNATURE)
        .extendedKeyUsage(KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth)
        .uriSan(Objects.requireNonNull(spiffeId, "spiffeId"));
  }

  /** An otherwise valid SVID whose validity ended a day ago (from two days ago to one day ago). */
  public static TestCert expiredSvid(TestCert issuer, String spiffeId) {
    Instant now = Instant.now();
    return svidBuilder(issuer, spiffeId)
        .validity(now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)))
        .build();
  }

  /** An otherwise valid SVID whose validity starts in a day (from one day to two days ahead). */
  public static TestCert notYetValidSvid(TestCert issuer, String spiffeId) {
    Instant now = Instant.now();
    return svidBuilder(issuer, spiffeId)
        .validity(now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(2)))
        .build();
  }

  /**
   * An otherwise valid SVID whose signature is ECDSA {@code r = s = 0} (CVE-2022-21449). {@code
   * issuer} must hold an EC key.
   */
  public static TestCert zeroSignatureSvid(TestCert issuer, String spiffeId) {
    return svidBuilder(issuer, spiffeId).corruptSignatureZeroRS().build();
  }

  private static CertificateBuilder caBuilder(X500Name subject) {
    Instant now = Instant.now();
    return builder()
        .subject(subject)
        .validity(now.minus(CertificateBuilder.DEFAULT_BACKDATE), now.plus(DEFAULT_CA_VALIDITY))
        .ca(true)
        .keyUsage(KeyUsageBit.KEY_CERT_SIGN, KeyUsageBit.CRL_SIGN)
        .omitExtendedKeyUsage();
  }

  /** {@code CN=<value>} built attribute by attribute, so commas in {@code value} stay in the CN. */
  private static X500Name cn(String value) {
    Objects.requireNonNull(value, "cn");
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, value).build();
  }
}
