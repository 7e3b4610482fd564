package io.fedmesh.trust.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.testing.Pkcs10;
import io.fedmesh.testing.TestPki;
import io.fedmesh.trust.MutableClock;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.IssuanceException.Reason;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.SvidVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.api.AbstractThrowableAssert;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Signing workload CSRs: what is checked, in which way it fails, and what the SVID looks like. */
class SvidIssuerTest {
  private static final TrustDomain DOMAIN = TrustDomain.of("a.example");
  private static final SpiffeId ID = SpiffeId.parse("spiffe://a.example/ns/default/sa/reviews");
  private static final SpiffeId OTHER_ID =
      SpiffeId.parse("spiffe://a.example/ns/default/sa/ratings");
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  private final MutableClock clock = MutableClock.atSystemNow();
  private final CertificateAuthority ca = CertificateAuthority.builder(DOMAIN).clock(clock).build();
  private final JoinTokens tokens = new JoinTokens(clock);
  private final SvidIssuer issuer = SvidIssuer.builder(ca).attestor(tokens).build();
  private final KeyPair workload = io.fedmesh.testing.KeyAlgorithm.EC_P256.generate();

  // ---- happy path ----

  @Test
  void issuesSvidForJoinToken() throws Exception {
    List<X509Certificate> chain = issuer.issue(csr(workload, ID), token(ID));

    assertThat(chain).hasSize(1);
    X509Certificate leaf = chain.get(0);
    assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(6, ID.toString()));
    assertThat(leaf.getCriticalExtensionOIDs()).contains("2.5.29.17");
    assertThat(leaf.getSubjectX500Principal().getName()).isEmpty();
    assertThat(leaf.getBasicConstraints()).as("CA=false").isEqualTo(-1);
    boolean[] ku = leaf.getKeyUsage();
    assertThat(ku[0]).as("digitalSignature").isTrue();
    assertThat(ku[5]).as("keyCertSign").isFalse();
    assertThat(ku[6]).as("cRLSign").isFalse();
    assertThat(leaf.getExtendedKeyUsage()).containsExactlyInAnyOrder(SERVER_AUTH, CLIENT_AUTH);
    assertThat(leaf.getPublicKey().getEncoded()).isEqualTo(workload.getPublic().getEncoded());
    assertThat(leaf.getIssuerX500Principal()).isEqualTo(ca.certificate().getSubjectX500Principal());
    assertThat(leaf.getNotAfter().toInstant())
        .isEqualTo(clock.instant().plus(SvidIssuer.DEFAULT_TTL));
    assertThat(leaf.getNotBefore().toInstant()).isEqualTo(clock.instant().minusSeconds(30));
    leaf.verify(ca.certificate().getPublicKey());
    assertThat(verifier().verify(chain).id()).isEqualTo(ID);
  }

  @Test
  void issuesWithCustomTtl() {
    X509Certificate leaf =
        issuer.issue(csr(workload, ID), token(ID), Duration.ofMinutes(10)).get(0);

    assertThat(leaf.getNotAfter().toInstant())
        .isEqualTo(clock.instant().plus(Duration.ofMinutes(10)));
  }

  @Test
  void issuesWithConfiguredDefaultTtl() {
    SvidIssuer oneHour =
        SvidIssuer.builder(ca).attestor(tokens).defaultTtl(Duration.ofHours(1)).build();

    X509Certificate leaf = oneHour.issue(csr(workload, ID), token(ID)).get(0);

    assertThat(leaf.getNotAfter().toInstant()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
  }

  @Test
  void ttlNeverOutlivesTheCa() {
    CertificateAuthority shortCa =
        CertificateAuthority.builder(DOMAIN).clock(clock).validity(Duration.ofHours(2)).build();
    SvidIssuer shortIssuer = SvidIssuer.builder(shortCa).attestor(tokens).build();

    X509Certificate leaf = shortIssuer.issue(csr(workload, ID), token(ID)).get(0);

    assertThat(leaf.getNotAfter().toInstant()).isEqualTo(shortCa.notAfter());
    assertThat(leaf.getNotAfter().toInstant()).isEqualTo(clock.instant().plus(Duration.ofHours(2)));
  }

  @Test
  void listenerIsToldOfEachIssuedSvid() {
    List<X509Certificate> seen = new ArrayList<>();
    SvidIssuer listened =
        SvidIssuer.builder(ca)
            .attestor(tokens)
            .listener(
                (signer, leaf) -> {
                  assertThat(signer).isSameAs(ca);
                  seen.add(leaf);
                })
            .build();

    X509Certificate leaf = listened.issue(csr(workload, ID), token(ID)).get(0);

    assertThat(seen).containsExactly(leaf);
  }

  // ---- TTL ----

  @Test
  void rejectsTtlOverMax() {
    assertRefused(
            () -> issuer.issue(csr(workload, ID), token(ID), Duration.ofDays(31)), Reason.BAD_TTL)
        .hasMessageContaining("ttl: PT744H (expected: PT1S..PT720H)");
  }

  @Test
  void rejectsTtlOverConfiguredMax() {
    SvidIssuer capped =
        SvidIssuer.builder(ca)
            .attestor(tokens)
            .defaultTtl(Duration.ofMinutes(30))
            .maxTtl(Duration.ofHours(1))
            .build();

    assertRefused(
            () -> capped.issue(csr(workload, ID), token(ID), Duration.ofHours(2)), Reason.BAD_TTL)
        .hasMessageContaining("ttl: PT2H (expected: PT1S..PT1H)");
  }

  @Test
  void rejectsZeroTtl() {
    assertRefused(() -> issuer.issue(csr(workload, ID), token(ID), Duration.ZERO), Reason.BAD_TTL)
        .hasMessageContaining("ttl: PT0S");
  }

  @Test
  void builderRejectsDefaultTtlOverMaxTtl() {
    SvidIssuer.Builder b =
        SvidIssuer.builder(ca)
            .attestor(tokens)
            .defaultTtl(Duration.ofDays(2))
            .maxTtl(Duration.ofDays(1));

    assertThatThrownBy(b::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("defaultTtl PT48H exceeds maxTtl PT24H");
  }

  @Test
  void builderRequiresAnAttestor() {
    assertThatThrownBy(() -> SvidIssuer.builder(ca).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("SvidIssuer needs an attestor");
  }

  // ---- the CSR ----

  @Test
  void rejectsCsrWithBadSignature() throws IOException {
    byte[] der = Pkcs10.csrWithBadSignature(workload, ID.toString()).getEncoded();

    assertRefused(() -> issuer.issue(der, token(ID)), Reason.BAD_CSR_SIGNATURE)
        .hasMessageContaining("CSR signature does not verify with the key it carries");
  }

  @Test
  void rejectsGarbageCsr() {
    byte[] garbage = "definitely not DER".getBytes(StandardCharsets.US_ASCII);

    assertRefused(() -> issuer.issue(garbage, token(ID)), Reason.MALFORMED_CSR)
        .hasMessageContaining("CSR: not a valid PKCS#10 CSR");
  }

  @Test
  void rejectsEmptyCsr() {
    assertRefused(() -> issuer.issue(new byte[0], token(ID)), Reason.MALFORMED_CSR)
        .hasMessageContaining("CSR: not a valid PKCS#10 CSR");
  }

  @Test
  void rejectsCsrWithoutSan() throws IOException {
    byte[] der = Pkcs10.csr(workload, new X500Name(new RDN[0]), List.of()).getEncoded();

    assertRefused(() -> issuer.issue(der, token(ID)), Reason.NO_SPIFFE_ID)
        .hasMessageContaining("CSR has no URI SAN");
  }

  @Test
  void rejectsCsrWithSpiffeIdOnlyInSubjectCommonName() throws IOException {
    byte[] der = Pkcs10.csr(workload, new X500Name("CN=" + ID), List.of()).getEncoded();

    assertRefused(() -> issuer.issue(der, token(ID)), Reason.NO_SPIFFE_ID)
        .hasMessageContaining("CSR has no URI SAN");
  }

  @Test
  void rejectsCsrWithSpiffeIdInDnsSan() throws IOException {
    byte[] der =
        Pkcs10.csr(
                workload,
                new X500Name(new RDN[0]),
                List.of(new GeneralName(GeneralName.dNSName, ID.toString())))
            .getEncoded();

    assertRefused(() -> issuer.issue(der, token(ID)), Reason.NO_SPIFFE_ID)
        .hasMessageContaining("CSR has no URI SAN");
  }

  @Test
  void rejectsCsrWithTwoUriSans() throws IOException {
    byte[] der =
        Pkcs10.csr(
                workload,
                new X500Name(new RDN[0]),
                List.of(
                    new GeneralName(GeneralName.uniformResourceIdentifier, ID.toString()),
                    new GeneralName(GeneralName.uniformResourceIdentifier, OTHER_ID.toString())))
            .getEncoded();

    assertRefused(() -> issuer.issue(der, token(ID)), Reason.MULTIPLE_SPIFFE_IDS)
        .hasMessageContaining("CSR has 2 URI SANs")
        .hasMessageContaining("(expected: exactly one SPIFFE ID)");
  }

  @Test
  void rejectsCsrWithMalformedSpiffeId() {
    byte[] der = csr(workload, "spiffe://a.example/ns/../sa/reviews");

    assertRefused(() -> issuer.issue(der, token(ID)), Reason.MALFORMED_SPIFFE_ID)
        .hasMessageContaining("CSR: invalid SPIFFE ID")
        .hasMessageContaining("path segment '..' is not allowed");
  }

  @Test
  void rejectsCsrForAnotherTrustDomain() {
    byte[] der = csr(workload, "spiffe://b.example/ns/default/sa/reviews");

    assertRefused(() -> issuer.issue(der, token(ID)), Reason.WRONG_TRUST_DOMAIN)
        .hasMessageContaining(
            "CSR asks for spiffe://b.example/ns/default/sa/reviews but this CA signs only for"
                + " trust domain 'a.example'");
  }

  @Test
  void rejectsRsa1024Key() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(1024);
    KeyPair weak = g.generateKeyPair();

    assertRefused(() -> issuer.issue(csr(weak, ID), token(ID)), Reason.WEAK_KEY)
        .hasMessageContaining("CSR key: RSA key of 1024 bits (expected: at least 2048)");
  }

  @Test
  void rejectsEcKeyOnUnsupportedCurve() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp521r1"));
    KeyPair p521 = g.generateKeyPair();

    assertRefused(() -> issuer.issue(csr(p521, ID), token(ID)), Reason.WEAK_KEY)
        .hasMessageContaining("EC key on a 521-bit curve that is not P-256 or P-384");
  }

  @Test
  void rejectsEcKeyOnA256BitCurveOtherThanP256() throws GeneralSecurityException {
    KeyPairGenerator g =
        KeyPairGenerator.getInstance(
            "EC", new org.bouncycastle.jce.provider.BouncyCastleProvider());
    g.initialize(new ECGenParameterSpec("secp256k1"));
    KeyPair k1 = g.generateKeyPair();

    // Signed with BouncyCastle: the JDK cannot sign on secp256k1.
    byte[] der = io.fedmesh.trust.svid.CertificateRequest.create(ID, k1).der();
    assertRefused(() -> issuer.issue(der, token(ID)), Reason.WEAK_KEY)
        .hasMessageContaining("EC key on a 256-bit curve that is not P-256 or P-384");
  }

  @Test
  void acceptsRsa2048Key() {
    KeyPair rsa = io.fedmesh.testing.KeyAlgorithm.RSA_2048.generate();

    X509Certificate leaf = issuer.issue(csr(rsa, ID), token(ID)).get(0);

    assertThat(leaf.getPublicKey().getEncoded()).isEqualTo(rsa.getPublic().getEncoded());
  }

  @Test
  void rejectedRequestDoesNotSpendTheToken() {
    JoinTokenCredential token = token(ID);
    assertRefused(
        () -> issuer.issue(csr(workload, ID), token, Duration.ofDays(365)), Reason.BAD_TTL);
    assertRefused(() -> issuer.issue(new byte[] {1, 2, 3}, token), Reason.MALFORMED_CSR);

    assertThat(issuer.issue(csr(workload, ID), token)).hasSize(1);
  }

  // ---- join tokens ----

  @Test
  void rejectsIdTheTokenDoesNotEntitle() {
    assertRefused(() -> issuer.issue(csr(workload, OTHER_ID), token(ID)), Reason.NOT_ENTITLED)
        .hasMessageContaining(
            "CSR asks for " + OTHER_ID + " but the join_token credential entitles only " + ID);
  }

  @Test
  void rejectsReusedToken() {
    JoinTokenCredential token = token(ID);
    issuer.issue(csr(workload, ID), token);

    assertRefused(() -> issuer.issue(csr(workload, ID), token), Reason.UNAUTHENTICATED)
        .hasMessageContaining("join token for " + ID + " was already used");
  }

  @Test
  void multiUseTokenWorksExactlyThatManyTimes() {
    JoinTokenCredential token = new JoinTokenCredential(tokens.issue(ID, Duration.ofHours(1), 2));
    issuer.issue(csr(workload, ID), token);
    issuer.issue(csr(workload, ID), token);

    assertRefused(() -> issuer.issue(csr(workload, ID), token), Reason.UNAUTHENTICATED)
        .hasMessageContaining("was already used");
  }

  @Test
  void rejectsExpiredToken() {
    JoinTokenCredential token =
        new JoinTokenCredential(tokens.issue(ID, Duration.ofMinutes(10), 1));
    Instant expiry = clock.instant().plus(Duration.ofMinutes(10));
    clock.advance(Duration.ofMinutes(10).plusSeconds(1));

    assertRefused(() -> issuer.issue(csr(workload, ID), token), Reason.UNAUTHENTICATED)
        .hasMessageContaining("join token for " + ID + " expired at " + expiry);
  }

  @Test
  void acceptsTokenAtItsExpiryInstant() {
    JoinTokenCredential token =
        new JoinTokenCredential(tokens.issue(ID, Duration.ofMinutes(10), 1));
    clock.advance(Duration.ofMinutes(10));

    assertThat(issuer.issue(csr(workload, ID), token)).hasSize(1);
  }

  @Test
  void rejectsUnknownToken() {
    JoinTokenCredential forged = new JoinTokenCredential(JoinTokens.PREFIX + "A".repeat(43));

    assertRefused(() -> issuer.issue(csr(workload, ID), forged), Reason.UNAUTHENTICATED)
        .hasMessageContaining("join token is unknown");
  }

  @Test
  void rejectsMalformedToken() {
    assertRefused(
            () -> issuer.issue(csr(workload, ID), new JoinTokenCredential("hunter2")),
            Reason.UNAUTHENTICATED)
        .hasMessageContaining("join token is malformed (expected: fmjt_...)");
  }

  @Test
  void rejectsMissingCredential() {
    assertRefused(() -> issuer.issue(csr(workload, ID), null), Reason.UNAUTHENTICATED)
        .hasMessageContaining("expected a join token");
  }

  @Test
  void tokenOfOneIssuerMeansNothingToAnother() {
    JoinTokens otherTokens = new JoinTokens(clock);
    JoinTokenCredential foreign =
        new JoinTokenCredential(otherTokens.issue(ID, Duration.ofHours(1), 1));

    assertRefused(() -> issuer.issue(csr(workload, ID), foreign), Reason.UNAUTHENTICATED)
        .hasMessageContaining("join token is unknown");
  }

  // ---- renewal with the current SVID ----

  @Test
  void renewsWithCurrentSvid() {
    SvidIssuer renewing = renewingIssuer();
    List<X509Certificate> current = renewing.issue(csr(workload, ID), token(ID));
    KeyPair next = io.fedmesh.testing.KeyAlgorithm.EC_P256.generate();
    clock.advance(Duration.ofHours(12));

    List<X509Certificate> renewed = renewing.issue(csr(next, ID), new SvidCredential(current));

    X509Certificate leaf = renewed.get(0);
    assertThat(SvidVerifier.spiffeIdOf(leaf)).isEqualTo(ID);
    assertThat(leaf.getSerialNumber()).isNotEqualTo(current.get(0).getSerialNumber());
    assertThat(leaf.getPublicKey().getEncoded()).isEqualTo(next.getPublic().getEncoded());
    assertThat(leaf.getNotAfter().toInstant())
        .isEqualTo(clock.instant().plus(SvidIssuer.DEFAULT_TTL));
    assertThat(verifier().verify(renewed).id()).isEqualTo(ID);
  }

  @Test
  void renewalCannotChangeTheId() {
    SvidIssuer renewing = renewingIssuer();
    List<X509Certificate> current = renewing.issue(csr(workload, ID), token(ID));

    assertRefused(
            () -> renewing.issue(csr(workload, OTHER_ID), new SvidCredential(current)),
            Reason.NOT_ENTITLED)
        .hasMessageContaining("the svid credential entitles only " + ID);
  }

  @Test
  void renewalRejectsSvidOfAnotherTrustDomain() {
    List<X509Certificate> foreign =
        TestPki.svid(TestPki.root("b.example"), "spiffe://b.example/ns/default/sa/reviews").chain();

    assertRefused(
            () -> renewingIssuer().issue(csr(workload, ID), new SvidCredential(foreign)),
            Reason.UNAUTHENTICATED)
        .hasMessageContaining("current SVID is not valid")
        .hasMessageContaining("no trust bundle for trust domain 'b.example'");
  }

  @Test
  void renewalRejectsSvidOfAnUntrustedCa() {
    List<X509Certificate> rogue = TestPki.svid(TestPki.root("a.example"), ID.toString()).chain();

    assertRefused(
            () -> renewingIssuer().issue(csr(workload, ID), new SvidCredential(rogue)),
            Reason.UNAUTHENTICATED)
        .hasMessageContaining("current SVID is not valid")
        .hasMessageContaining("does not chain to the trust bundle of 'a.example'");
  }

  @Test
  void renewalRejectsExpiredSvid() {
    SvidIssuer renewing = renewingIssuer();
    List<X509Certificate> current =
        renewing.issue(csr(workload, ID), token(ID), Duration.ofHours(1));
    clock.advance(Duration.ofHours(2));

    assertRefused(
            () -> renewing.issue(csr(workload, ID), new SvidCredential(current)),
            Reason.UNAUTHENTICATED)
        .hasMessageContaining("current SVID is not valid")
        .hasMessageContaining("expired at");
  }

  // ---- operator and attestor dispatch ----

  @Test
  void operatorMayIssueAnyIdInTheDomain() {
    SvidIssuer operator =
        SvidIssuer.builder(ca).attestor(Attestor.operator(op -> Entitlement.anyIn(DOMAIN))).build();
    OperatorCredential alice = new OperatorCredential("alice");

    assertThat(SvidVerifier.spiffeIdOf(operator.issue(csr(workload, ID), alice).get(0)))
        .isEqualTo(ID);
    SpiffeId odd = SpiffeId.parse("spiffe://a.example/anything/at/all");
    assertThat(SvidVerifier.spiffeIdOf(operator.issue(csr(workload, odd), alice).get(0)))
        .isEqualTo(odd);
  }

  @Test
  void operatorCannotIssueForAnotherDomain() {
    SvidIssuer operator =
        SvidIssuer.builder(ca).attestor(Attestor.operator(op -> Entitlement.anyIn(DOMAIN))).build();

    assertRefused(
            () ->
                operator.issue(
                    csr(workload, "spiffe://b.example/ns/a/sa/b"), new OperatorCredential("alice")),
            Reason.WRONG_TRUST_DOMAIN)
        .hasMessageContaining("this CA signs only for trust domain 'a.example'");
  }

  @Test
  void byKindRejectsCredentialOfUnknownKind() {
    SvidIssuer dispatching =
        SvidIssuer.builder(ca)
            .attestor(
                Attestor.byKind(
                    Map.of(
                        JoinTokenCredential.class,
                        tokens,
                        SvidCredential.class,
                        new SvidAttestor(verifier()))))
            .build();

    assertRefused(
            () -> dispatching.issue(csr(workload, ID), new OperatorCredential("mallory")),
            Reason.UNAUTHENTICATED)
        .hasMessageContaining(
            "credential of kind 'operator' is not accepted here"
                + " (expected one of: JoinTokenCredential, SvidCredential)");
  }

  @Test
  void byKindRejectsMissingCredential() {
    SvidIssuer dispatching =
        SvidIssuer.builder(ca)
            .attestor(Attestor.byKind(Map.of(JoinTokenCredential.class, tokens)))
            .build();

    assertRefused(() -> dispatching.issue(csr(workload, ID), null), Reason.UNAUTHENTICATED)
        .hasMessageContaining("credential of kind 'none' is not accepted here");
  }

  @Test
  void byKindDispatchesJoinTokens() {
    SvidIssuer dispatching =
        SvidIssuer.builder(ca)
            .attestor(Attestor.byKind(Map.of(JoinTokenCredential.class, tokens)))
            .build();

    assertThat(SvidVerifier.spiffeIdOf(dispatching.issue(csr(workload, ID), token(ID)).get(0)))
        .isEqualTo(ID);
  }

  @Test
  void attestorThatThrowsSomethingElseIsUnauthenticated() {
    // Attestor.operator casts; handed a join token it fails with ClassCastException.
    SvidIssuer operator =
        SvidIssuer.builder(ca).attestor(Attestor.operator(op -> Entitlement.anyIn(DOMAIN))).build();

    assertRefused(() -> operator.issue(csr(workload, ID), token(ID)), Reason.UNAUTHENTICATED)
        .hasMessageContaining("credential could not be checked");
  }

  // ---- helpers ----

  private static byte[] csr(KeyPair keyPair, SpiffeId id) {
    return csr(keyPair, id.toString());
  }

  private static byte[] csr(KeyPair keyPair, String id) {
    try {
      return Pkcs10.csr(keyPair, id).getEncoded();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private JoinTokenCredential token(SpiffeId id) {
    return new JoinTokenCredential(tokens.issue(id, Duration.ofHours(1), 1));
  }

  private SvidVerifier verifier() {
    TrustBundle bundle = TrustBundle.of(DOMAIN, List.of(ca.root()), 1, null);
    return SvidVerifier.builder(td -> td.equals(DOMAIN) ? Optional.of(bundle) : Optional.empty())
        .clock(clock)
        .build();
  }

  private SvidIssuer renewingIssuer() {
    return SvidIssuer.builder(ca)
        .attestor(
            Attestor.byKind(
                Map.of(
                    JoinTokenCredential.class,
                    tokens,
                    SvidCredential.class,
                    new SvidAttestor(verifier()))))
        .build();
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(
      Executable call, Reason reason) {
    return assertThatThrownBy(call::execute)
        .isInstanceOf(IssuanceException.class)
        .satisfies(e -> assertThat(((IssuanceException) e).reason()).isEqualTo(reason));
  }
}
