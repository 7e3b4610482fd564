package io.fedmesh.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.testing.CertificateBuilder.KeyUsageBit;
import java.math.BigInteger;
import java.security.SignatureException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.IntStream;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.Test;

class CertificateBuilderTest {

  private static final Instant NOW = Instant.parse("2030-01-02T03:04:05Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  private static final String SERVER_AUTH = KeyPurposeId.id_kp_serverAuth.getId();
  private static final String CLIENT_AUTH = KeyPurposeId.id_kp_clientAuth.getId();

  @Test
  void defaultsMakeASelfSignedEcLeafThatVerifiesWithItsOwnKey() throws Exception {
    TestCert cert = TestPki.builder().clock(CLOCK).build();
    X509Certificate x509 = cert.certificate();

    x509.verify(cert.publicKey());
    assertThat(x509.getSubjectX500Principal().getName()).isEqualTo("CN=test");
    assertThat(x509.getIssuerX500Principal()).isEqualTo(x509.getSubjectX500Principal());
    assertThat(x509.getSigAlgName()).isEqualTo("SHA256withECDSA");
    assertThat(x509.getPublicKey()).isEqualTo(cert.publicKey());
    assertThat(cert.publicKey().getAlgorithm()).isEqualTo("EC");
    assertThat(x509.getSerialNumber()).isPositive();
    assertThat(cert.issuer()).isEmpty();
  }

  @Test
  void defaultValidityIsOneHourBackToTwentyFourHoursAheadOfTheClock() {
    X509Certificate x509 = TestPki.builder().clock(CLOCK).build().certificate();

    assertThat(x509.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofHours(1)));
    assertThat(x509.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofHours(24)));
  }

  @Test
  void defaultLeafExtensions() throws Exception {
    X509Certificate x509 = TestPki.builder().build().certificate();

    assertThat(x509.getBasicConstraints()).isEqualTo(-1);
    assertThat(x509.getCriticalExtensionOIDs())
        .contains(Extension.basicConstraints.getId(), Extension.keyUsage.getId());
    assertThat(setBits(x509.getKeyUsage())).containsExactly(0);
    assertThat(x509.getExtendedKeyUsage()).containsExactly(SERVER_AUTH, CLIENT_AUTH);
    assertThat(x509.getExtensionValue(Extension.subjectKeyIdentifier.getId())).isNotNull();
    assertThat(x509.getExtensionValue(Extension.authorityKeyIdentifier.getId())).isNull();
    assertThat(x509.getSubjectAlternativeNames()).isNull();
  }

  @Test
  void defaultCaExtensionsAreKeyCertSignAndCrlSignWithoutEku() {
    X509Certificate x509 = TestPki.builder().ca(true).build().certificate();

    assertThat(x509.getBasicConstraints()).isEqualTo(Integer.MAX_VALUE);
    assertThat(setBits(x509.getKeyUsage())).containsExactly(5, 6);
    assertThat(x509.getCriticalExtensionOIDs()).contains(Extension.keyUsage.getId());
    assertThat(x509.getExtensionValue(Extension.extendedKeyUsage.getId())).isNull();
  }

  @Test
  void pathLengthIsEncoded() {
    X509Certificate x509 = TestPki.builder().ca(true).pathLength(0).build().certificate();

    assertThat(x509.getBasicConstraints()).isZero();
  }

  @Test
  void pathLengthWithoutCaIsRejectedAtBuild() {
    CertificateBuilder builder = TestPki.builder().ca(false).pathLength(1);

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("pathLength: 1");
  }

  @Test
  void negativePathLengthIsRejectedBySetter() {
    assertThatThrownBy(() -> TestPki.builder().pathLength(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pathLength: -1 (expected: >= 0)");
  }

  @Test
  void omittedExtensionsAreAbsent() {
    X509Certificate x509 =
        TestPki.builder()
            .omitBasicConstraints()
            .omitKeyUsage()
            .omitExtendedKeyUsage()
            .omitSubjectKeyIdentifier()
            .build()
            .certificate();

    assertThat(x509.getExtensionValue(Extension.basicConstraints.getId())).isNull();
    assertThat(x509.getKeyUsage()).isNull();
    assertThat(x509.getExtensionValue(Extension.extendedKeyUsage.getId())).isNull();
    assertThat(x509.getExtensionValue(Extension.subjectKeyIdentifier.getId())).isNull();
    // The JDK answers null, not an empty set, when a certificate has no extensions at all.
    assertThat(x509.getCriticalExtensionOIDs()).isNull();
    assertThat(x509.getNonCriticalExtensionOIDs()).isNull();
  }

  @Test
  void explicitKeyUsageAndEkuReplaceTheDefaults() throws Exception {
    X509Certificate x509 =
        TestPki.builder()
            .keyUsage(false, KeyUsageBit.DIGITAL_SIGNATURE, KeyUsageBit.KEY_ENCIPHERMENT)
            .extendedKeyUsage(KeyPurposeId.id_kp_serverAuth)
            .build()
            .certificate();

    assertThat(setBits(x509.getKeyUsage())).containsExactly(0, 2);
    assertThat(x509.getNonCriticalExtensionOIDs()).contains(Extension.keyUsage.getId());
    assertThat(x509.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
  }

  @Test
  void explicitSubjectSerialAndValidity() {
    Instant start = Instant.parse("2020-01-01T00:00:00Z");
    Instant end = Instant.parse("2021-01-01T00:00:00Z");
    X509Certificate x509 =
        TestPki.builder()
            .subject("CN=svc,O=fedmesh")
            .serial(BigInteger.valueOf(42))
            .validity(start, end)
            .build()
            .certificate();

    assertThat(x509.getSubjectX500Principal().getName()).isEqualTo("CN=svc,O=fedmesh");
    assertThat(x509.getSerialNumber()).isEqualTo(BigInteger.valueOf(42));
    assertThat(x509.getNotBefore().toInstant()).isEqualTo(start);
    assertThat(x509.getNotAfter().toInstant()).isEqualTo(end);
  }

  @Test
  void issuedCertificateVerifiesWithIssuerKeyAndNamesIssuer() throws Exception {
    TestCert ca = TestPki.builder().subject("CN=ca").ca(true).build();
    TestCert leaf = TestPki.builder().subject("CN=leaf").issuer(ca).build();

    leaf.certificate().verify(ca.publicKey());
    assertThatThrownBy(() -> leaf.certificate().verify(leaf.publicKey()))
        .isInstanceOf(SignatureException.class);
    assertThat(leaf.certificate().getIssuerX500Principal())
        .isEqualTo(ca.certificate().getSubjectX500Principal());
    assertThat(leaf.issuer()).containsSame(ca);
  }

  @Test
  void authorityKeyIdentifierMatchesIssuerSubjectKeyIdentifier() throws Exception {
    TestCert ca = TestPki.builder().ca(true).build();
    TestCert leaf = TestPki.builder().issuer(ca).build();

    byte[] ski =
        SubjectKeyIdentifier.fromExtensions(
                new JcaX509CertificateHolder(ca.certificate()).getExtensions())
            .getKeyIdentifier();
    byte[] aki =
        AuthorityKeyIdentifier.fromExtensions(
                new JcaX509CertificateHolder(leaf.certificate()).getExtensions())
            .getKeyIdentifierOctets();
    assertThat(aki).isNotEmpty().isEqualTo(ski);
  }

  @Test
  void rsaIssuerSignsWithSha256WithRsa() throws Exception {
    TestCert ca = TestPki.builder().keyAlgorithm(KeyAlgorithm.RSA_2048).ca(true).build();
    TestCert leaf = TestPki.builder().issuer(ca).build();

    assertThat(ca.publicKey().getAlgorithm()).isEqualTo("RSA");
    assertThat(ca.certificate().getSigAlgName()).isEqualTo("SHA256withRSA");
    assertThat(leaf.certificate().getSigAlgName()).isEqualTo("SHA256withRSA");
    assertThat(leaf.publicKey().getAlgorithm()).isEqualTo("EC");
    leaf.certificate().verify(ca.publicKey());
  }

  @Test
  void suppliedKeyPairIsUsed() {
    var keyPair = KeyAlgorithm.EC_P256.generate();
    TestCert cert = TestPki.builder().keyPair(keyPair).build();

    assertThat(cert.keyPair()).isSameAs(keyPair);
    assertThat(cert.certificate().getPublicKey()).isEqualTo(keyPair.getPublic());
  }

  @Test
  void subjectAlternativeNamesOfEveryTypeRoundTripInOrder() throws Exception {
    X509Certificate x509 =
        TestPki.builder()
            .uriSan("spiffe://example.org/a")
            .uriSan("spiffe://example.org/b")
            .dnsSan("svc.example.org")
            .ipSan("10.1.2.3")
            .ipSan("::1")
            .emailSan("ops@example.org")
            .build()
            .certificate();

    assertThat(x509.getSubjectAlternativeNames())
        .containsExactly(
            List.of(6, "spiffe://example.org/a"),
            List.of(6, "spiffe://example.org/b"),
            List.of(2, "svc.example.org"),
            List.of(7, "10.1.2.3"),
            List.of(7, "0:0:0:0:0:0:0:1"),
            List.of(1, "ops@example.org"));
    assertThat(x509.getNonCriticalExtensionOIDs())
        .contains(Extension.subjectAlternativeName.getId());
  }

  @Test
  void sanWithEmbeddedNulRoundTripsByteForByte() throws Exception {
    String withNul = "spiffe://example.org/good\u0000.evil.example";
    X509Certificate x509 =
        TestPki.builder().uriSan(withNul).dnsSan("a\u0000b").build().certificate();

    GeneralName[] names = sans(x509);
    assertThat(names).hasSize(2);
    assertThat(names[0].getTagNo()).isEqualTo(GeneralName.uniformResourceIdentifier);
    assertThat(ASN1IA5String.getInstance(names[0].getName()).getString()).isEqualTo(withNul);
    assertThat(names[1].getTagNo()).isEqualTo(GeneralName.dNSName);
    assertThat(ASN1IA5String.getInstance(names[1].getName()).getOctets())
        .containsExactly('a', 0, 'b');
  }

  @Test
  void rawGeneralNameAllowsTypeConfusion() throws Exception {
    X509Certificate x509 =
        TestPki.builder()
            .san(new GeneralName(GeneralName.dNSName, "spiffe://example.org/ns/a"))
            .build()
            .certificate();

    GeneralName[] names = sans(x509);
    assertThat(names).hasSize(1);
    assertThat(names[0].getTagNo()).isEqualTo(GeneralName.dNSName);
    assertThat(ASN1IA5String.getInstance(names[0].getName()).getString())
        .isEqualTo("spiffe://example.org/ns/a");
  }

  @Test
  void zeroRsSignatureParsesAndFailsVerificationUnderJdkAndBouncyCastle() throws Exception {
    TestCert ca = TestPki.builder().ca(true).build();
    TestCert forged = TestPki.builder().issuer(ca).corruptSignatureZeroRS().build();
    X509Certificate x509 = forged.certificate();

    assertThat(x509.getSigAlgName()).isEqualTo("SHA256withECDSA");
    assertThat(HexFormat.of().formatHex(x509.getSignature())).isEqualTo("3006020100020100");
    assertThat(x509.getIssuerX500Principal()).isEqualTo(ca.certificate().getSubjectX500Principal());
    assertThatThrownBy(() -> x509.verify(ca.publicKey())).isInstanceOf(SignatureException.class);
    assertThatThrownBy(() -> x509.verify(ca.publicKey(), new BouncyCastleProvider()))
        .isInstanceOf(SignatureException.class);
  }

  @Test
  void zeroRsSignatureKeepsTheTbsOfAnHonestCertificate() throws Exception {
    var keyPair = KeyAlgorithm.EC_P256.generate();
    TestCert ca = TestPki.builder().ca(true).build();
    CertificateBuilder builder =
        TestPki.builder().issuer(ca).keyPair(keyPair).serial(BigInteger.TEN).clock(CLOCK);
    X509Certificate honest = builder.build().certificate();
    X509Certificate forged = builder.corruptSignatureZeroRS().build().certificate();

    honest.verify(ca.publicKey());
    assertThat(forged.getTBSCertificate()).isEqualTo(honest.getTBSCertificate());
  }

  @Test
  void selfSignedZeroRsSignatureFailsVerification() {
    X509Certificate x509 = TestPki.builder().corruptSignatureZeroRS().build().certificate();

    assertThatThrownBy(() -> x509.verify(x509.getPublicKey()))
        .isInstanceOf(SignatureException.class);
  }

  @Test
  void zeroRsSignatureWithRsaIssuerIsRejectedAtBuild() {
    TestCert rsaCa = TestPki.builder().keyAlgorithm(KeyAlgorithm.RSA_2048).ca(true).build();
    CertificateBuilder builder = TestPki.builder().issuer(rsaCa).corruptSignatureZeroRS();

    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("corruptSignatureZeroRS: signing key algorithm RSA (expected: EC)");
  }

  @Test
  void invalidIpSanIsRejectedBySetter() {
    assertThatThrownBy(() -> TestPki.builder().ipSan("not-an-ip"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static GeneralName[] sans(X509Certificate x509) throws Exception {
    return GeneralNames.fromExtensions(
            new JcaX509CertificateHolder(x509).getExtensions(), Extension.subjectAlternativeName)
        .getNames();
  }

  private static List<Integer> setBits(boolean[] keyUsage) {
    return IntStream.range(0, keyUsage.length).filter(i -> keyUsage[i]).boxed().toList();
  }
}
