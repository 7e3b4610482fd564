package io.fedmesh.trust.svid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.testing.CertificateBuilder.KeyUsageBit;
import io.fedmesh.testing.TestCert;
import io.fedmesh.testing.TestPki;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.SvidVerificationException.Reason;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.assertj.core.api.AbstractThrowableAssert;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * X509-SVID verification (SPIFFE X509-SVID sections 4 and 5, SPIFFE Federation section 4.2): one
 * test per rule, each asserting the {@link Reason} and what the message says.
 */
class SvidVerifierTest {
  private static final TrustDomain DOMAIN_A = TrustDomain.of("a.example");
  private static final TrustDomain DOMAIN_B = TrustDomain.of("b.example");
  private static final String ID_A = "spiffe://a.example/ns/default/sa/reviews";
  private static final String ID_B = "spiffe://b.example/ns/default/sa/ratings";

  /** Whole seconds: certificate times have that precision, so the skew edges are exact. */
  private final Instant now = Clock.systemUTC().instant().truncatedTo(ChronoUnit.SECONDS);

  private final Clock clock = Clock.fixed(now, ZoneOffset.UTC);
  private final TestCert rootA = TestPki.root("a.example");
  private final TestCert rootB = TestPki.root("b.example");
  private final Map<TrustDomain, TrustBundle> bundles = new ConcurrentHashMap<>();
  private SvidVerifier verifier;

  @BeforeEach
  void setUp() {
    bundles.put(DOMAIN_A, bundle(DOMAIN_A, rootA));
    verifier =
        SvidVerifier.builder(td -> Optional.ofNullable(bundles.get(td))).clock(clock).build();
  }

  // ---- accepted ----

  @Test
  void acceptsLeafDirectlyUnderRoot() {
    TestCert leaf = TestPki.svid(rootA, ID_A);

    VerifiedSvid v = verifier.verify(leaf.chain());

    assertThat(v.id()).isEqualTo(SpiffeId.parse(ID_A));
    assertThat(v.authority()).isEqualTo(rootA.certificate());
    assertThat(v.chain()).containsExactly(leaf.certificate());
  }

  @Test
  void acceptsLeafUnderIntermediate() {
    TestCert intermediate = TestPki.intermediate(rootA, "a.example intermediate");
    TestCert leaf = TestPki.svid(intermediate, ID_A);
    assertThat(leaf.chain()).hasSize(2);

    VerifiedSvid v = verifier.verify(leaf.chain());

    assertThat(v.id()).isEqualTo(SpiffeId.parse(ID_A));
    assertThat(v.authority()).isEqualTo(rootA.certificate());
  }

  @Test
  void acceptsChainThatAlsoCarriesTheRoot() {
    TestCert intermediate = TestPki.intermediate(rootA, "a.example intermediate");
    TestCert leaf = TestPki.svid(intermediate, ID_A);

    assertThat(verifier.verify(leaf.chainWithRoot()).authority()).isEqualTo(rootA.certificate());
  }

  @Test
  void acceptsLeafWithoutExtendedKeyUsage() {
    TestCert leaf = TestPki.svidBuilder(rootA, ID_A).omitExtendedKeyUsage().build();

    assertThat(verifier.verify(leaf.chain()).id()).isEqualTo(SpiffeId.parse(ID_A));
  }

  @Test
  void acceptsDnsSanBesideTheUriSan() {
    TestCert leaf = TestPki.svidBuilder(rootA, ID_A).dnsSan("reviews.default.svc").build();

    assertThat(verifier.verify(leaf.chain()).id()).isEqualTo(SpiffeId.parse(ID_A));
  }

  @Test
  void acceptsUnknownNonCriticalExtension() throws Exception {
    X509Certificate leaf = leafWithExtension(rootA, ID_A, false);

    assertThat(verifier.verify(List.of(leaf)).id()).isEqualTo(SpiffeId.parse(ID_A));
  }

  @Test
  void acceptsIntermediateWithinRootPathLength() {
    TestCert root = TestPki.rootBuilder("a.example").pathLength(1).build();
    bundles.put(DOMAIN_A, bundle(DOMAIN_A, root));
    TestCert leaf = TestPki.svid(TestPki.intermediate(root, "int"), ID_A);

    assertThat(verifier.verify(leaf.chain()).authority()).isEqualTo(root.certificate());
  }

  @Test
  void acceptsChainOfExactlyMaxLength() {
    TestCert ca = rootA;
    for (int i = 1; i < SvidVerifier.DEFAULT_MAX_CHAIN_LENGTH; i++) {
      ca = TestPki.intermediate(ca, "int " + i);
    }
    TestCert leaf = TestPki.svid(ca, ID_A);
    assertThat(leaf.chain()).hasSize(SvidVerifier.DEFAULT_MAX_CHAIN_LENGTH);

    assertThat(verifier.verify(leaf.chain()).authority()).isEqualTo(rootA.certificate());
  }

  // ---- validity and clock skew ----

  @Test
  void rejectsExpiredSvid() {
    TestCert leaf =
        TestPki.svidBuilder(rootA, ID_A)
            .validity(now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)))
            .build();

    assertRejected(leaf.chain(), Reason.EXPIRED)
        .hasMessageContaining("SVID of " + ID_A + " expired at " + now.minus(Duration.ofDays(1)));
  }

  @Test
  void rejectsExpiredSvidFromFixture() {
    verifier = SvidVerifier.builder(td -> Optional.ofNullable(bundles.get(td))).build();

    assertRejected(TestPki.expiredSvid(rootA, ID_A).chain(), Reason.EXPIRED)
        .hasMessageContaining("expired at");
  }

  @Test
  void rejectsNotYetValidSvid() {
    TestCert leaf =
        TestPki.svidBuilder(rootA, ID_A)
            .validity(now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(2)))
            .build();

    assertRejected(leaf.chain(), Reason.NOT_YET_VALID)
        .hasMessageContaining(
            "SVID of " + ID_A + " is not valid before " + now.plus(Duration.ofDays(1)));
  }

  @Test
  void rejectsNotYetValidSvidFromFixture() {
    verifier = SvidVerifier.builder(td -> Optional.ofNullable(bundles.get(td))).build();

    assertRejected(TestPki.notYetValidSvid(rootA, ID_A).chain(), Reason.NOT_YET_VALID)
        .hasMessageContaining("is not valid before");
  }

  @Test
  void acceptsSvidExpiredExactlyClockSkewAgo() {
    TestCert leaf =
        TestPki.svidBuilder(rootA, ID_A)
            .validity(now.minus(Duration.ofHours(1)), now.minus(SvidVerifier.DEFAULT_CLOCK_SKEW))
            .build();

    assertThat(verifier.verify(leaf.chain()).id()).isEqualTo(SpiffeId.parse(ID_A));
  }

  @Test
  void rejectsSvidExpiredJustOverClockSkewAgo() {
    TestCert leaf =
        TestPki.svidBuilder(rootA, ID_A)
            .validity(
                now.minus(Duration.ofHours(1)),
                now.minus(SvidVerifier.DEFAULT_CLOCK_SKEW).minusSeconds(1))
            .build();

    assertRejected(leaf.chain(), Reason.EXPIRED).hasMessageContaining("expired at");
  }

  @Test
  void acceptsSvidValidFromExactlyClockSkewAhead() {
    TestCert leaf =
        TestPki.svidBuilder(rootA, ID_A)
            .validity(now.plus(SvidVerifier.DEFAULT_CLOCK_SKEW), now.plus(Duration.ofHours(1)))
            .build();

    assertThat(verifier.verify(leaf.chain()).id()).isEqualTo(SpiffeId.parse(ID_A));
  }

  @Test
  void rejectsSvidValidFromJustOverClockSkewAhead() {
    TestCert leaf =
        TestPki.svidBuilder(rootA, ID_A)
            .validity(
                now.plus(SvidVerifier.DEFAULT_CLOCK_SKEW).plusSeconds(1),
                now.plus(Duration.ofHours(1)))
            .build();

    assertRejected(leaf.chain(), Reason.NOT_YET_VALID).hasMessageContaining("check clocks");
  }

  @Test
  void zeroClockSkewRejectsOneSecondPastExpiry() {
    verifier =
        SvidVerifier.builder(td -> Optional.ofNullable(bundles.get(td)))
            .clock(clock)
            .clockSkew(Duration.ZERO)
            .build();
    TestCert leaf =
        TestPki.svidBuilder(rootA, ID_A)
            .validity(now.minus(Duration.ofHours(1)), now.minusSeconds(1))
            .build();

    assertRejected(leaf.chain(), Reason.EXPIRED).hasMessageContaining("expired at");
  }

  @Test
  void rejectsExpiredIntermediate() {
    TestCert intermediate =
        TestPki.intermediateBuilder(rootA, "old intermediate")
            .validity(now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1)))
            .build();
    TestCert leaf = TestPki.svid(intermediate, ID_A);

    assertRejected(leaf.chain(), Reason.EXPIRED)
        .hasMessageContaining("intermediate 'CN=old intermediate' expired at");
  }

  @Test
  void rejectsExpiredBundleAuthority() {
    TestCert oldRoot =
        TestPki.rootBuilder("a.example")
            .validity(now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1)))
            .build();
    bundles.put(DOMAIN_A, bundle(DOMAIN_A, oldRoot));
    TestCert leaf = TestPki.svid(oldRoot, ID_A);

    assertRejected(leaf.chain(), Reason.EXPIRED)
        .hasMessageContaining("bundle authority 'CN=a.example' of 'a.example' expired at");
  }

  // ---- trust domains and chains ----

  @Test
  void rejectsSvidOfDomainWithoutBundle() {
    TestCert leaf = TestPki.svid(rootB, ID_B);

    assertRejected(leaf.chain(), Reason.UNKNOWN_TRUST_DOMAIN)
        .hasMessageContaining("no trust bundle for trust domain 'b.example'");
  }

  @Test
  void rejectsIdOfDomainBChainingToRootOfDomainA() {
    bundles.put(DOMAIN_B, bundle(DOMAIN_B, rootB));
    TestCert leaf = TestPki.svid(rootA, ID_B);

    assertRejected(leaf.chain(), Reason.UNTRUSTED_CHAIN)
        .hasMessageContaining("SVID of " + ID_B)
        .hasMessageContaining("does not chain to the trust bundle of 'b.example'");
  }

  @Test
  void rejectsIdOfDomainBUnderIntermediateOfDomainA() {
    bundles.put(DOMAIN_B, bundle(DOMAIN_B, rootB));
    TestCert leaf = TestPki.svid(TestPki.intermediate(rootA, "a.example intermediate"), ID_B);

    assertRejected(leaf.chainWithRoot(), Reason.UNTRUSTED_CHAIN)
        .hasMessageContaining("does not chain to the trust bundle of 'b.example'");
  }

  @Test
  void rejectsChainToAnotherClustersCa() {
    TestCert otherCluster = TestPki.root("a.example other cluster");
    TestCert leaf = TestPki.svid(otherCluster, ID_A);

    assertRejected(leaf.chain(), Reason.UNTRUSTED_CHAIN)
        .hasMessageContaining("does not chain to the trust bundle of 'a.example'")
        .hasMessageNotContaining("self-signed");
  }

  @Test
  void rejectsIntermediateOfAnotherClustersCa() {
    TestCert otherCluster = TestPki.root("a.example other cluster");
    TestCert leaf = TestPki.svid(TestPki.intermediate(otherCluster, "int"), ID_A);

    assertRejected(leaf.chain(), Reason.UNTRUSTED_CHAIN)
        .hasMessageContaining("does not chain to the trust bundle of 'a.example'");
  }

  @Test
  void rejectsImpostorRootWithTheSameName() {
    // Same subject DN as the real root, different key: names alone must not make a chain.
    TestCert impostor = TestPki.root("a.example");
    TestCert leaf = TestPki.svid(impostor, ID_A);

    assertRejected(leaf.chain(), Reason.UNTRUSTED_CHAIN)
        .hasMessageContaining("does not chain to the trust bundle of 'a.example'");
  }

  @Test
  void rejectsChainMissingItsIntermediate() {
    TestCert leaf = TestPki.svid(TestPki.intermediate(rootA, "int"), ID_A);

    assertRejected(List.of(leaf.certificate()), Reason.UNTRUSTED_CHAIN)
        .hasMessageContaining("does not chain to the trust bundle of 'a.example'")
        .hasMessageNotContaining("self-signed");
  }

  @Test
  void rejectsSelfSignedLeaf() {
    TestCert leaf = TestPki.builder().subject("CN=svid").uriSan(ID_A).build();
    assertThat(leaf.issuer()).isEmpty();

    assertRejected(leaf.chain(), Reason.UNTRUSTED_CHAIN)
        .hasMessageContaining("SVID of " + ID_A + " is self-signed and does not chain");
  }

  @Test
  void rejectsEcdsaSignatureWithZeroRAndS() {
    TestCert leaf = TestPki.zeroSignatureSvid(rootA, ID_A);

    assertRejected(leaf.chain(), Reason.UNTRUSTED_CHAIN)
        .hasMessageContaining("does not chain to the trust bundle of 'a.example'");
  }

  @Test
  void rejectsEcdsaZeroSignatureOnIntermediate() {
    TestCert intermediate =
        TestPki.intermediateBuilder(rootA, "forged int").corruptSignatureZeroRS().build();
    TestCert leaf = TestPki.svid(intermediate, ID_A);

    assertRejected(leaf.chain(), Reason.UNTRUSTED_CHAIN)
        .hasMessageContaining("does not chain to the trust bundle of 'a.example'");
  }

  // ---- URI SAN ----

  @Test
  void rejectsTwoUriSans() {
    TestCert leaf =
        TestPki.svidBuilder(rootA, ID_A).uriSan("spiffe://a.example/ns/admin/sa/root").build();

    assertRejected(leaf.chain(), Reason.MULTIPLE_URI_SANS)
        .hasMessageContaining("has 2 URI SANs (expected: exactly one, the SPIFFE ID)");
  }

  @Test
  void rejectsLeafWithoutAnySan() {
    TestCert leaf = TestPki.builder().subject("CN=svid").issuer(rootA).build();

    assertRejected(leaf.chain(), Reason.NO_URI_SAN).hasMessageContaining("has no URI SAN");
  }

  @Test
  void rejectsSpiffeIdInDnsSanWithoutUriSan() {
    // CVE-2022-21656: a DNS name that reads like a SPIFFE ID is not a URI SAN.
    TestCert leaf = TestPki.builder().subject("CN=svid").issuer(rootA).dnsSan(ID_A).build();

    assertRejected(leaf.chain(), Reason.NO_URI_SAN)
        .hasMessageContaining("has no URI SAN")
        .hasMessageContaining("other SAN types do not count");
  }

  @Test
  void rejectsSpiffeIdInEmailSanWithoutUriSan() {
    TestCert leaf = TestPki.builder().subject("CN=svid").issuer(rootA).emailSan(ID_A).build();

    assertRejected(leaf.chain(), Reason.NO_URI_SAN).hasMessageContaining("has no URI SAN");
  }

  @Test
  void rejectsNulInUriSanPath() {
    TestCert leaf = TestPki.svid(rootA, "spiffe://a.example/ns/default\u0000/sa/reviews");

    assertRejected(leaf.chain(), Reason.MALFORMED_SPIFFE_ID)
        .hasMessageContaining("character '\\x00' in path segment")
        .hasMessageNotContaining("\u0000");
  }

  @Test
  void rejectsNulInUriSanTrustDomain() {
    TestCert leaf = TestPki.svid(rootA, "spiffe://a.example\u0000.evil.example/ns/a/sa/b");

    assertRejected(leaf.chain(), Reason.MALFORMED_SPIFFE_ID)
        .hasMessageContaining("character '\\x00' at index 9 is not allowed in a trust domain");
  }

  @Test
  void rejectsC1ControlByteInUriSanWithoutEchoingIt() {
    // An IA5String byte 0x85 decodes to U+0085 (NEL): it must not reach logs as a line break.
    TestCert leaf = TestPki.svid(rootA, "spiffe://a.example/ns/default\u0085/sa/reviews");

    assertRejected(leaf.chain(), Reason.MALFORMED_SPIFFE_ID)
        .hasMessageContaining("character '\\x85' in path segment")
        .hasMessageNotContaining("\u0085");
  }

  @Test
  void rejectsMalformedSpiffeIdInUriSan() {
    TestCert leaf = TestPki.svid(rootA, "spiffe://a.example/ns/../sa/reviews");

    assertRejected(leaf.chain(), Reason.MALFORMED_SPIFFE_ID)
        .hasMessageContaining("path segment '..' is not allowed");
  }

  @Test
  void rejectsNonSpiffeUriSan() {
    TestCert leaf = TestPki.svid(rootA, "https://a.example/ns/default/sa/reviews");

    assertRejected(leaf.chain(), Reason.MALFORMED_SPIFFE_ID)
        .hasMessageContaining("scheme must be 'spiffe://'");
  }

  @Test
  void rejectsTrustDomainOnlyIdInUriSan() {
    TestCert leaf = TestPki.svid(rootA, "spiffe://a.example");

    assertRejected(leaf.chain(), Reason.MALFORMED_SPIFFE_ID)
        .hasMessageContaining("a workload ID needs a path");
  }

  @Test
  void spiffeIdOfReadsTheUriSan() {
    assertThat(SvidVerifier.spiffeIdOf(TestPki.svid(rootB, ID_B).certificate()))
        .isEqualTo(SpiffeId.parse(ID_B));
  }

  // ---- leaf constraints ----

  @Test
  void rejectsLeafThatIsCa() {
    TestCert leaf = TestPki.svidBuilder(rootA, ID_A).ca(true).build();

    assertRejected(leaf.chain(), Reason.LEAF_IS_CA)
        .hasMessageContaining("SVID of " + ID_A + " is a CA certificate (expected: CA=false)");
  }

  @Test
  void rejectsLeafWithoutDigitalSignature() {
    TestCert leaf = TestPki.svidBuilder(rootA, ID_A).keyUsage(KeyUsageBit.KEY_ENCIPHERMENT).build();

    assertRejected(leaf.chain(), Reason.BAD_KEY_USAGE)
        .hasMessageContaining("lacks the digitalSignature key usage");
  }

  @Test
  void rejectsLeafWithoutKeyUsageExtension() {
    TestCert leaf = TestPki.svidBuilder(rootA, ID_A).omitKeyUsage().build();

    assertRejected(leaf.chain(), Reason.BAD_KEY_USAGE)
        .hasMessageContaining("lacks the digitalSignature key usage");
  }

  @Test
  void rejectsLeafWithKeyCertSign() {
    TestCert leaf =
        TestPki.svidBuilder(rootA, ID_A)
            .keyUsage(KeyUsageBit.DIGITAL_SIGNATURE, KeyUsageBit.KEY_CERT_SIGN)
            .build();

    assertRejected(leaf.chain(), Reason.BAD_KEY_USAGE)
        .hasMessageContaining("has keyCertSign or cRLSign (expected: neither, in a leaf)");
  }

  @Test
  void rejectsLeafWithCrlSign() {
    TestCert leaf =
        TestPki.svidBuilder(rootA, ID_A)
            .keyUsage(KeyUsageBit.DIGITAL_SIGNATURE, KeyUsageBit.CRL_SIGN)
            .build();

    assertRejected(leaf.chain(), Reason.BAD_KEY_USAGE)
        .hasMessageContaining("has keyCertSign or cRLSign (expected: neither, in a leaf)");
  }

  @Test
  void rejectsServerAuthOnlyExtendedKeyUsage() {
    TestCert leaf =
        TestPki.svidBuilder(rootA, ID_A).extendedKeyUsage(KeyPurposeId.id_kp_serverAuth).build();

    assertRejected(leaf.chain(), Reason.BAD_EXTENDED_KEY_USAGE)
        .hasMessageContaining("[1.3.6.1.5.5.7.3.1]")
        .hasMessageContaining("(expected: serverAuth and clientAuth)");
  }

  @Test
  void rejectsClientAuthOnlyExtendedKeyUsage() {
    TestCert leaf =
        TestPki.svidBuilder(rootA, ID_A).extendedKeyUsage(KeyPurposeId.id_kp_clientAuth).build();

    assertRejected(leaf.chain(), Reason.BAD_EXTENDED_KEY_USAGE)
        .hasMessageContaining("(expected: serverAuth and clientAuth)");
  }

  @Test
  void rejectsUnknownCriticalExtensionOnLeaf() throws Exception {
    X509Certificate leaf = leafWithExtension(rootA, ID_A, true);

    assertRejected(List.of(leaf), Reason.UNSUPPORTED_CRITICAL_EXTENSION)
        .hasMessageContaining("SVID of " + ID_A + " has unsupported critical extension " + OID);
  }

  // ---- intermediates ----

  @Test
  void rejectsIntermediateWithoutBasicConstraints() {
    TestCert intermediate =
        TestPki.intermediateBuilder(rootA, "not a ca").omitBasicConstraints().build();
    TestCert leaf = TestPki.svid(intermediate, ID_A);

    assertRejected(leaf.chain(), Reason.BAD_INTERMEDIATE)
        .hasMessageContaining("intermediate 'CN=not a ca' is not a CA (expected: CA=true)");
  }

  @Test
  void rejectsIntermediateWithCaFalse() {
    TestCert intermediate = TestPki.intermediateBuilder(rootA, "not a ca").ca(false).build();
    TestCert leaf = TestPki.svid(intermediate, ID_A);

    assertRejected(leaf.chain(), Reason.BAD_INTERMEDIATE)
        .hasMessageContaining("intermediate 'CN=not a ca' is not a CA");
  }

  @Test
  void rejectsIntermediateWithoutKeyCertSign() {
    TestCert intermediate =
        TestPki.intermediateBuilder(rootA, "no certsign").keyUsage(KeyUsageBit.CRL_SIGN).build();
    TestCert leaf = TestPki.svid(intermediate, ID_A);

    assertRejected(leaf.chain(), Reason.BAD_INTERMEDIATE)
        .hasMessageContaining("intermediate 'CN=no certsign' lacks keyCertSign");
  }

  @Test
  void rejectsIntermediateWithoutKeyUsageExtension() {
    // X509-SVID 4.3: a signing certificate must set keyCertSign; no key usage at all sets none.
    TestCert intermediate = TestPki.intermediateBuilder(rootA, "no ku").omitKeyUsage().build();
    TestCert leaf = TestPki.svid(intermediate, ID_A);

    assertRejected(leaf.chain(), Reason.BAD_INTERMEDIATE)
        .hasMessageContaining("intermediate 'CN=no ku' lacks keyCertSign");
  }

  @Test
  void rejectsBundleAuthorityWithoutKeyUsageExtension() {
    TestCert root = TestPki.rootBuilder("a.example").omitKeyUsage().build();
    bundles.put(DOMAIN_A, bundle(DOMAIN_A, root));
    TestCert leaf = TestPki.svid(root, ID_A);

    assertRejected(leaf.chain(), Reason.BAD_INTERMEDIATE)
        .hasMessageContaining("bundle authority 'CN=a.example' lacks keyCertSign");
  }

  @Test
  void rejectsIntermediateUnderRootWithPathLengthZero() {
    TestCert root = TestPki.rootBuilder("a.example").pathLength(0).build();
    bundles.put(DOMAIN_A, bundle(DOMAIN_A, root));
    TestCert leaf = TestPki.svid(TestPki.intermediate(root, "int"), ID_A);

    assertRejected(leaf.chain(), Reason.PATH_LENGTH_EXCEEDED)
        .hasMessageContaining(
            "bundle authority 'CN=a.example' allows 0 intermediates below it, found 1");
  }

  @Test
  void rejectsIntermediateUnderIntermediateWithPathLengthZero() {
    TestCert upper = TestPki.intermediateBuilder(rootA, "upper").pathLength(0).build();
    TestCert lower = TestPki.intermediate(upper, "lower");
    TestCert leaf = TestPki.svid(lower, ID_A);

    assertRejected(leaf.chain(), Reason.PATH_LENGTH_EXCEEDED)
        .hasMessageContaining("intermediate 'CN=upper' allows 0 intermediates below it, found 1");
  }

  // ---- chain shape ----

  @Test
  void rejectsEmptyChain() {
    assertRejected(List.of(), Reason.EMPTY_CHAIN)
        .hasMessageContaining("peer presented no certificate");
  }

  @Test
  void rejectsNullChain() {
    assertRejected(null, Reason.EMPTY_CHAIN).hasMessageContaining("peer presented no certificate");
  }

  @Test
  void rejectsChainLongerThanDefaultMax() {
    TestCert ca = rootA;
    for (int i = 1; i <= SvidVerifier.DEFAULT_MAX_CHAIN_LENGTH; i++) {
      ca = TestPki.intermediate(ca, "int " + i);
    }
    TestCert leaf = TestPki.svid(ca, ID_A);
    assertThat(leaf.chain()).hasSize(SvidVerifier.DEFAULT_MAX_CHAIN_LENGTH + 1);

    assertRejected(leaf.chain(), Reason.CHAIN_TOO_LONG)
        .hasMessageContaining("peer chain has 6 certificates (expected: at most 5)");
  }

  @Test
  void rejectsChainLongerThanConfiguredMax() {
    verifier =
        SvidVerifier.builder(td -> Optional.ofNullable(bundles.get(td)))
            .clock(clock)
            .maxChainLength(1)
            .build();
    TestCert leaf = TestPki.svid(TestPki.intermediate(rootA, "int"), ID_A);

    assertRejected(leaf.chain(), Reason.CHAIN_TOO_LONG)
        .hasMessageContaining("peer chain has 2 certificates (expected: at most 1)");
  }

  @Test
  void builderRejectsOutOfRangeSettings() {
    SvidVerifier.Builder b = SvidVerifier.builder(td -> Optional.empty());

    assertThatThrownBy(() -> b.maxChainLength(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxChainLength: 0 (expected: 1..10)");
    assertThatThrownBy(() -> b.clockSkew(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("clockSkew: PT-1S (expected: 0s..10m)");
  }

  // ---- bundle updates ----

  @Test
  void bundleRemovalAppliesToNextCall() {
    TestCert leaf = TestPki.svid(rootA, ID_A);
    assertThat(verifier.verify(leaf.chain()).id()).isEqualTo(SpiffeId.parse(ID_A));

    bundles.remove(DOMAIN_A);

    assertRejected(leaf.chain(), Reason.UNKNOWN_TRUST_DOMAIN)
        .hasMessageContaining("no trust bundle for trust domain 'a.example'");
  }

  @Test
  void bundleReplacementAppliesToNextCall() {
    TestCert oldLeaf = TestPki.svid(rootA, ID_A);
    TestCert newRoot = TestPki.root("a.example new");
    TestCert newLeaf = TestPki.svid(newRoot, ID_A);
    assertThat(verifier.verify(oldLeaf.chain()).authority()).isEqualTo(rootA.certificate());

    bundles.put(DOMAIN_A, bundles.get(DOMAIN_A).withAuthorities(List.of(newRoot.certificate())));

    assertThat(verifier.verify(newLeaf.chain()).authority()).isEqualTo(newRoot.certificate());
    assertRejected(oldLeaf.chain(), Reason.UNTRUSTED_CHAIN)
        .hasMessageContaining("(bundle sequence 2, 1 authorities)");
  }

  @Test
  void bundleWithTwoAuthoritiesAcceptsBoth() {
    TestCert newRoot = TestPki.root("a.example new");
    bundles.put(
        DOMAIN_A,
        TrustBundle.of(DOMAIN_A, List.of(rootA.certificate(), newRoot.certificate()), 1, null));

    assertThat(verifier.verify(TestPki.svid(rootA, ID_A).chain()).authority())
        .isEqualTo(rootA.certificate());
    assertThat(verifier.verify(TestPki.svid(newRoot, ID_A).chain()).authority())
        .isEqualTo(newRoot.certificate());
  }

  // ---- helpers ----

  private static final String OID = "1.3.6.1.4.1.55555.1";

  private AbstractThrowableAssert<?, ? extends Throwable> assertRejected(
      List<X509Certificate> chain, Reason reason) {
    return assertThatThrownBy(() -> verifier.verify(chain))
        .isInstanceOf(SvidVerificationException.class)
        .satisfies(e -> assertThat(((SvidVerificationException) e).reason()).isEqualTo(reason));
  }

  private static TrustBundle bundle(TrustDomain domain, TestCert root) {
    return TrustBundle.of(domain, List.of(root.certificate()), 1, null);
  }

  /**
   * A valid SVID signed by {@code issuer}, plus a private extension {@link #OID} (which {@link
   * io.fedmesh.testing.CertificateBuilder} cannot add).
   */
  private X509Certificate leafWithExtension(TestCert issuer, String id, boolean critical)
      throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair kp = g.generateKeyPair();
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded()),
            BigInteger.valueOf(42),
            Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(Duration.ofHours(1))),
            new X500Name("CN=svid"),
            kp.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    b.addExtension(
        Extension.extendedKeyUsage,
        false,
        new ExtendedKeyUsage(
            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
    b.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, id)));
    b.addExtension(new ASN1ObjectIdentifier(OID), critical, DERNull.INSTANCE);
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.privateKey())));
  }
}
