package io.fedmesh.trust.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.testing.CertificateBuilder.KeyUsageBit;
import io.fedmesh.testing.TestCert;
import io.fedmesh.testing.TestPki;
import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.TrustException;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.SvidVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Creating, saving, loading and checking a trust domain's CA. */
class CertificateAuthorityTest {
  private static final TrustDomain DOMAIN = TrustDomain.of("a.example");
  private static final SpiffeId ID = SpiffeId.parse("spiffe://a.example/ns/default/sa/reviews");

  private final Instant now = Clock.systemUTC().instant().truncatedTo(ChronoUnit.SECONDS);
  private final Clock clock = Clock.fixed(now, ZoneOffset.UTC);

  @TempDir Path dir;

  // ---- create ----

  @Test
  void createsEcRootByDefault() throws Exception {
    CertificateAuthority ca = CertificateAuthority.builder(DOMAIN).clock(clock).build();
    X509Certificate cert = ca.certificate();

    assertThat(cert.getPublicKey()).isInstanceOf(ECPublicKey.class);
    assertThat(cert.getSigAlgName()).isEqualToIgnoringCase("SHA256withECDSA");
    assertIsCaForDomain(cert);
    assertThat(ca.trustDomain()).isEqualTo(DOMAIN);
    assertThat(ca.isIntermediate()).isFalse();
    assertThat(ca.chain()).containsExactly(cert);
    assertThat(ca.root()).isSameAs(cert);
    assertThat(cert.getSubjectX500Principal()).isEqualTo(cert.getIssuerX500Principal());
    cert.verify(cert.getPublicKey());
    assertThat(cert.getNotAfter().toInstant())
        .isEqualTo(now.plus(CertificateAuthority.DEFAULT_ROOT_VALIDITY));
    assertThat(ca.notAfter()).isEqualTo(now.plus(CertificateAuthority.DEFAULT_ROOT_VALIDITY));
  }

  @Test
  void createsRsa2048Root() {
    CertificateAuthority ca =
        CertificateAuthority.builder(DOMAIN)
            .clock(clock)
            .keyAlgorithm(KeyAlgorithm.RSA_2048)
            .build();

    assertThat(((RSAPublicKey) ca.certificate().getPublicKey()).getModulus().bitLength())
        .isEqualTo(2048);
    assertThat(ca.certificate().getSigAlgName()).isEqualToIgnoringCase("SHA256withRSA");
    assertIsCaForDomain(ca.certificate());
  }

  @Test
  void createsRsa3072Root() {
    CertificateAuthority ca =
        CertificateAuthority.builder(DOMAIN)
            .clock(clock)
            .keyAlgorithm(KeyAlgorithm.RSA_3072)
            .build();

    assertThat(((RSAPublicKey) ca.certificate().getPublicKey()).getModulus().bitLength())
        .isEqualTo(3072);
    assertIsCaForDomain(ca.certificate());
  }

  @Test
  void honoursRequestedValidity() {
    CertificateAuthority ca =
        CertificateAuthority.builder(DOMAIN).clock(clock).validity(Duration.ofDays(7)).build();

    assertThat(ca.notAfter()).isEqualTo(now.plus(Duration.ofDays(7)));
  }

  @Test
  void refusesNonPositiveValidity() {
    assertThatThrownBy(() -> CertificateAuthority.builder(DOMAIN).validity(Duration.ZERO))
        .isInstanceOf(CaException.class)
        .hasMessageContaining("validity: PT0S (expected: a positive duration)");
  }

  // ---- save / load ----

  @Test
  void saveWritesCertAndPrivateKeyFiles() throws IOException {
    CertificateAuthority ca = CertificateAuthority.builder(DOMAIN).clock(clock).build();

    ca.save(dir, false);

    assertThat(dir.resolve(CertificateAuthority.CERT_FILE)).exists();
    assertThat(Files.readString(dir.resolve("ca.crt"))).startsWith("-----BEGIN CERTIFICATE-----");
    assertThat(Files.readString(dir.resolve("ca.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(Files.getPosixFilePermissions(dir.resolve(CertificateAuthority.KEY_FILE)))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("no temporary file left behind")
          .containsExactlyInAnyOrder("ca.crt", "ca.key");
    }
  }

  @Test
  void loadRoundTrips() throws Exception {
    CertificateAuthority ca = CertificateAuthority.builder(DOMAIN).clock(clock).build();
    ca.save(dir, false);

    CertificateAuthority loaded = CertificateAuthority.load(dir, clock);

    assertThat(loaded.trustDomain()).isEqualTo(DOMAIN);
    assertThat(loaded.chain()).isEqualTo(ca.chain());
    assertThat(loaded.notAfter()).isEqualTo(ca.notAfter());
    // The loaded key signs what the saved certificate's key verifies.
    KeyPair workload = KeyAlgorithm.EC_P256.generate();
    X509Certificate leaf = loaded.certify(workload.getPublic(), ID, Duration.ofHours(1)).get(0);
    leaf.verify(ca.certificate().getPublicKey());
  }

  @Test
  void loadRoundTripsRsa() throws Exception {
    CertificateAuthority ca =
        CertificateAuthority.builder(DOMAIN)
            .clock(clock)
            .keyAlgorithm(KeyAlgorithm.RSA_2048)
            .build();
    ca.save(dir, false);

    CertificateAuthority loaded = CertificateAuthority.load(dir, clock);

    assertThat(loaded.certificate()).isEqualTo(ca.certificate());
    X509Certificate leaf =
        loaded.certify(KeyAlgorithm.EC_P256.generate().getPublic(), ID, Duration.ofHours(1)).get(0);
    leaf.verify(ca.certificate().getPublicKey());
  }

  @Test
  void saveRefusesToOverwriteWithoutForce() throws IOException {
    CertificateAuthority first = CertificateAuthority.builder(DOMAIN).clock(clock).build();
    first.save(dir, false);
    String savedKey = Files.readString(dir.resolve("ca.key"));
    CertificateAuthority second = CertificateAuthority.builder(DOMAIN).clock(clock).build();

    assertThatThrownBy(() -> second.save(dir, false))
        .isInstanceOf(TrustException.class)
        .hasMessageContaining("ca.crt: already exists (use --force to overwrite)");
    assertThat(Files.readString(dir.resolve("ca.key"))).isEqualTo(savedKey);
    assertThat(CertificateAuthority.load(dir, clock).certificate()).isEqualTo(first.certificate());
  }

  @Test
  void saveRefusesToOverwriteLoneKeyWithoutForce() throws IOException {
    Files.writeString(dir.resolve("ca.key"), "precious");
    CertificateAuthority ca = CertificateAuthority.builder(DOMAIN).clock(clock).build();

    assertThatThrownBy(() -> ca.save(dir, false))
        .isInstanceOf(TrustException.class)
        .hasMessageContaining("ca.key: already exists");
    assertThat(Files.readString(dir.resolve("ca.key"))).isEqualTo("precious");
    assertThat(dir.resolve("ca.crt")).doesNotExist();
  }

  @Test
  void saveOverwritesWithForce() {
    CertificateAuthority.builder(DOMAIN).clock(clock).build().save(dir, false);
    CertificateAuthority second = CertificateAuthority.builder(DOMAIN).clock(clock).build();

    second.save(dir, true);

    assertThat(CertificateAuthority.load(dir, clock).certificate()).isEqualTo(second.certificate());
  }

  // ---- intermediate under an operator's root ----

  @Test
  void createsIntermediateUnderOperatorRoot() throws Exception {
    TestCert operatorRoot = TestPki.root("operator root");

    CertificateAuthority ca =
        CertificateAuthority.builder(DOMAIN)
            .clock(clock)
            .parent(List.of(operatorRoot.certificate()), operatorRoot.privateKey(), "operator.pem")
            .build();

    assertThat(ca.isIntermediate()).isTrue();
    assertThat(ca.chain()).containsExactly(ca.certificate(), operatorRoot.certificate());
    assertThat(ca.root()).isEqualTo(operatorRoot.certificate());
    assertIsCaForDomain(ca.certificate());
    assertThat(ca.certificate().getBasicConstraints()).isZero();
    assertThat(ca.certificate().getIssuerX500Principal())
        .isEqualTo(operatorRoot.certificate().getSubjectX500Principal());
    ca.certificate().verify(operatorRoot.publicKey());
    assertThat(ca.notAfter())
        .isEqualTo(now.plus(CertificateAuthority.DEFAULT_INTERMEDIATE_VALIDITY));
  }

  @Test
  void intermediateValidityIsCappedByOperatorRootExpiry() {
    TestCert operatorRoot = TestPki.root("operator root");

    CertificateAuthority ca =
        CertificateAuthority.builder(DOMAIN)
            .clock(clock)
            .validity(Duration.ofDays(3650))
            .parent(List.of(operatorRoot.certificate()), operatorRoot.privateKey(), "operator.pem")
            .build();

    assertThat(ca.certificate().getNotAfter()).isEqualTo(operatorRoot.certificate().getNotAfter());
  }

  @Test
  void svidOfIntermediateCaVerifiesAgainstOperatorRoot() {
    TestCert operatorRoot = TestPki.root("operator root");
    CertificateAuthority ca =
        CertificateAuthority.builder(DOMAIN)
            .clock(clock)
            .parent(List.of(operatorRoot.certificate()), operatorRoot.privateKey(), "operator.pem")
            .build();
    TrustBundle bundle = TrustBundle.of(DOMAIN, List.of(ca.root()), 1, null);

    List<X509Certificate> chain =
        ca.certify(KeyAlgorithm.EC_P256.generate().getPublic(), ID, Duration.ofHours(1));

    assertThat(chain).containsExactly(chain.get(0), ca.certificate());
    assertThat(
            SvidVerifier.builder(td -> Optional.of(bundle)).clock(clock).build().verify(chain).id())
        .isEqualTo(ID);
  }

  @Test
  void refusesOperatorRootWithPathLengthZeroAsParent() {
    TestCert operatorRoot = TestPki.rootBuilder("operator root").pathLength(0).build();
    CertificateAuthority.Builder b = CertificateAuthority.builder(DOMAIN).clock(clock);

    assertThatThrownBy(
            () ->
                b.parent(
                    List.of(operatorRoot.certificate()), operatorRoot.privateKey(), "operator.pem"))
        .isInstanceOf(CaException.class)
        .hasMessageContaining("operator.pem")
        .hasMessageContaining("pathLenConstraint 0, so it cannot sign an intermediate");
  }

  @Test
  void refusesParentChainWhoseRootPathLengthLeavesNoRoomForANewIntermediate() {
    // operator root (pathLen 1) -> operator intermediate -> [new fedmesh CA] -> SVID: two
    // intermediates under a root that allows one; every SVID would fail PATH_LENGTH_EXCEEDED.
    TestCert operatorRoot = TestPki.rootBuilder("operator root").pathLength(1).build();
    TestCert operatorIntermediate = TestPki.intermediate(operatorRoot, "operator intermediate");
    CertificateAuthority.Builder b = CertificateAuthority.builder(DOMAIN).clock(clock);

    assertThatThrownBy(
            () ->
                b.parent(
                    operatorIntermediate.chainWithRoot(),
                    operatorIntermediate.privateKey(),
                    "operator.pem"))
        .isInstanceOf(CaException.class)
        .hasMessageContaining("operator.pem")
        .hasMessageContaining("'CN=operator root'")
        .hasMessageContaining("pathLenConstraint 1");
  }

  @Test
  void svidOfIntermediateUnderOperatorIntermediateVerifies() {
    TestCert operatorRoot = TestPki.rootBuilder("operator root").pathLength(2).build();
    TestCert operatorIntermediate = TestPki.intermediate(operatorRoot, "operator intermediate");
    CertificateAuthority ca =
        CertificateAuthority.builder(DOMAIN)
            .clock(clock)
            .parent(
                operatorIntermediate.chainWithRoot(),
                operatorIntermediate.privateKey(),
                "operator.pem")
            .build();
    TrustBundle bundle = TrustBundle.of(DOMAIN, List.of(ca.root()), 1, null);

    List<X509Certificate> chain =
        ca.certify(KeyAlgorithm.EC_P256.generate().getPublic(), ID, Duration.ofHours(1));

    assertThat(chain).hasSize(3);
    assertThat(
            SvidVerifier.builder(td -> Optional.of(bundle)).clock(clock).build().verify(chain).id())
        .isEqualTo(ID);
  }

  @Test
  void refusesParentKeyThatDoesNotMatch() {
    TestCert operatorRoot = TestPki.root("operator root");
    TestCert other = TestPki.root("other");
    CertificateAuthority.Builder b = CertificateAuthority.builder(DOMAIN).clock(clock);

    assertThatThrownBy(
            () -> b.parent(List.of(operatorRoot.certificate()), other.privateKey(), "operator.pem"))
        .isInstanceOf(CaException.class)
        .hasMessageContaining(
            "operator.pem: the private key does not match the CA certificate's public key");
  }

  @Test
  void refusesParentThatIsNotACa() {
    TestCert notCa = TestPki.builder().subject("CN=not a ca").build();
    CertificateAuthority.Builder b = CertificateAuthority.builder(DOMAIN).clock(clock);

    assertThatThrownBy(
            () -> b.parent(List.of(notCa.certificate()), notCa.privateKey(), "operator.pem"))
        .isInstanceOf(CaException.class)
        .hasMessageContaining("'CN=not a ca' is not a CA (expected: basicConstraints CA=true)");
  }

  // ---- load refuses ----

  @Test
  void loadRefusesKeyNotMatchingCertificate() throws IOException {
    CertificateAuthority.builder(DOMAIN).clock(clock).build().save(dir, false);
    Path other = Files.createDirectory(dir.resolve("other"));
    CertificateAuthority.builder(DOMAIN).clock(clock).build().save(other, false);
    Files.copy(other.resolve("ca.key"), dir.resolve("ca.key"), StandardCopyOption.REPLACE_EXISTING);

    assertLoadRefused(
        CaException.class,
        "ca.crt: the private key does not match the CA certificate's public key");
  }

  @Test
  void loadRefusesExpiredCa() {
    CertificateAuthority.builder(DOMAIN)
        .clock(clock)
        .validity(Duration.ofDays(30))
        .build()
        .save(dir, false);
    Clock later = Clock.fixed(now.plus(Duration.ofDays(31)), ZoneOffset.UTC);

    assertThatThrownBy(() -> CertificateAuthority.load(dir, later))
        .isInstanceOf(CaException.class)
        .hasMessageContaining("expired at " + now.plus(Duration.ofDays(30)))
        .hasMessageContaining("create or rotate to a new CA");
  }

  @Test
  void loadRefusesNotYetValidCa() {
    CertificateAuthority.builder(DOMAIN).clock(clock).build().save(dir, false);
    Clock earlier = Clock.fixed(now.minus(Duration.ofHours(1)), ZoneOffset.UTC);

    assertThatThrownBy(() -> CertificateAuthority.load(dir, earlier))
        .isInstanceOf(CaException.class)
        .hasMessageContaining("is not valid before " + now.minusSeconds(60))
        .hasMessageContaining("check the clock");
  }

  @Test
  void loadRefusesCertificateWithoutBasicConstraints() throws IOException {
    TestCert cert =
        TestPki.builder()
            .subject("CN=fake ca")
            .omitBasicConstraints()
            .keyUsage(KeyUsageBit.KEY_CERT_SIGN, KeyUsageBit.CRL_SIGN)
            .uriSan("spiffe://a.example")
            .build();
    write(cert);

    assertLoadRefused(
        CaException.class, "'CN=fake ca' is not a CA (expected: basicConstraints CA=true)");
  }

  @Test
  void loadRefusesCertificateWithCaFalse() throws IOException {
    TestCert cert =
        TestPki.builder()
            .subject("CN=fake ca")
            .ca(false)
            .keyUsage(KeyUsageBit.KEY_CERT_SIGN)
            .uriSan("spiffe://a.example")
            .build();
    write(cert);

    assertLoadRefused(CaException.class, "'CN=fake ca' is not a CA");
  }

  @Test
  void loadRefusesCertificateWithoutKeyCertSign() throws IOException {
    TestCert cert =
        TestPki.builder()
            .subject("CN=fake ca")
            .ca(true)
            .keyUsage(KeyUsageBit.CRL_SIGN)
            .uriSan("spiffe://a.example")
            .build();
    write(cert);

    assertLoadRefused(
        CaException.class, "'CN=fake ca' lacks the keyCertSign key usage (expected: keyCertSign)");
  }

  @Test
  void loadRefusesCaWithoutTrustDomainSan() throws IOException {
    write(TestPki.root("no san"));

    assertLoadRefused(CaException.class, "CA certificate has 0 URI SANs");
  }

  @Test
  void loadRefusesIncompleteChain() throws IOException {
    TestCert operatorRoot = TestPki.root("operator root");
    TestCert intermediate =
        TestPki.intermediateBuilder(operatorRoot, "int").uriSan("spiffe://a.example").build();
    write(intermediate); // without the root

    assertLoadRefused(
        CaException.class, "is the last in the chain but not self-signed (append the root");
  }

  @Test
  void loadRefusesChainThatBreaksARootPathLength() {
    TestCert operatorRoot = TestPki.rootBuilder("operator root").pathLength(0).build();
    TestCert intermediate =
        TestPki.intermediateBuilder(operatorRoot, "int").uriSan("spiffe://a.example").build();

    assertThatThrownBy(
            () ->
                CertificateAuthority.load(
                    intermediate.chainWithRoot(), intermediate.privateKey(), "ca.crt", clock))
        .isInstanceOf(CaException.class)
        .hasMessageContaining("'CN=operator root'")
        .hasMessageContaining("pathLenConstraint 0");
  }

  @Test
  void loadRefusesTruncatedPem() throws IOException {
    CertificateAuthority.builder(DOMAIN).clock(clock).build().save(dir, false);
    String pem = Files.readString(dir.resolve("ca.crt"));
    Files.writeString(dir.resolve("ca.crt"), pem.substring(0, pem.length() / 2));

    assertLoadRefused(TrustException.class, "ca.crt: malformed or truncated PEM");
  }

  @Test
  void loadRefusesCorruptedCertificateBody() throws IOException {
    CertificateAuthority.builder(DOMAIN).clock(clock).build().save(dir, false);
    List<String> lines = Files.readAllLines(dir.resolve("ca.crt"));
    lines.remove(2); // a line of base64 out of the middle: still PEM, no longer DER
    Files.write(dir.resolve("ca.crt"), lines);

    assertLoadRefused(
        TrustException.class, "ca.crt (certificate 1): not a valid X.509 certificate");
  }

  @Test
  void loadRefusesGarbageCertificateFile() throws IOException {
    CertificateAuthority.builder(DOMAIN).clock(clock).build().save(dir, false);
    Files.writeString(dir.resolve("ca.crt"), "this is not PEM at all\n", StandardCharsets.US_ASCII);

    assertLoadRefused(TrustException.class, "ca.crt: no PEM block found");
  }

  @Test
  void loadRefusesGarbageKeyFile() throws IOException {
    CertificateAuthority.builder(DOMAIN).clock(clock).build().save(dir, false);
    Files.writeString(dir.resolve("ca.key"), "garbage\n", StandardCharsets.US_ASCII);

    assertLoadRefused(TrustException.class, "ca.key: no private key found");
  }

  @Test
  void loadRefusesKeyFileHoldingACertificate() throws IOException {
    CertificateAuthority.builder(DOMAIN).clock(clock).build().save(dir, false);
    Files.copy(dir.resolve("ca.crt"), dir.resolve("ca.key"), StandardCopyOption.REPLACE_EXISTING);

    assertLoadRefused(TrustException.class, "ca.key: no private key found");
  }

  @Test
  void loadRefusesMissingCertificateFile() throws IOException {
    CertificateAuthority.builder(DOMAIN).clock(clock).build().save(dir, false);
    Files.delete(dir.resolve("ca.crt"));

    assertLoadRefused(TrustException.class, dir.resolve("ca.crt") + ": no such file");
  }

  @Test
  void loadRefusesMissingKeyFile() throws IOException {
    CertificateAuthority.builder(DOMAIN).clock(clock).build().save(dir, false);
    Files.delete(dir.resolve("ca.key"));

    assertLoadRefused(TrustException.class, dir.resolve("ca.key") + ": no such file");
  }

  @Test
  void loadRefusesMissingDirectory() {
    Path missing = dir.resolve("nope");

    assertThatThrownBy(() -> CertificateAuthority.load(missing, clock))
        .isInstanceOf(CaException.class)
        .hasMessageContaining(missing + ": no such CA directory");
  }

  // ---- helpers ----

  private static void assertIsCaForDomain(X509Certificate cert) {
    assertThat(cert.getBasicConstraints()).as("CA=true").isGreaterThanOrEqualTo(0);
    assertThat(cert.getKeyUsage()[5]).as("keyCertSign").isTrue();
    assertThat(cert.getKeyUsage()[0]).as("digitalSignature").isFalse();
    try {
      assertThat(cert.getSubjectAlternativeNames()).containsExactly(List.of(6, DOMAIN.idString()));
    } catch (CertificateParsingException e) {
      throw new AssertionError(e);
    }
  }

  private void write(TestCert cert) throws IOException {
    Files.writeString(dir.resolve("ca.crt"), cert.chainPem());
    Files.writeString(dir.resolve("ca.key"), cert.privateKeyPkcs8Pem());
  }

  private void assertLoadRefused(Class<? extends TrustException> type, String fragment) {
    assertThatThrownBy(() -> CertificateAuthority.load(dir, clock))
        .isInstanceOf(type)
        .hasMessageContaining(fragment);
  }
}
