package io.fedmesh.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SignatureException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.Test;

class TestPkiTest {

  private static final String ID = "spiffe://example.org/ns/default/sa/web";

  @Test
  void rootIsASelfSignedCaNamedAfterTheTrustDomain() throws Exception {
    TestCert root = TestPki.root("example.org");
    X509Certificate x509 = root.certificate();

    x509.verify(x509.getPublicKey());
    assertThat(x509.getSubjectX500Principal().getName()).isEqualTo("CN=example.org");
    assertThat(x509.getIssuerX500Principal()).isEqualTo(x509.getSubjectX500Principal());
    assertThat(x509.getBasicConstraints()).isEqualTo(Integer.MAX_VALUE);
    assertThat(x509.getKeyUsage()).startsWith(false, false, false, false, false, true, true);
    assertThat(x509.getExtendedKeyUsage()).isNull();
  }

  @Test
  void cnWithCommaStaysOneAttribute() {
    TestCert root = TestPki.root("a,O=evil");

    assertThat(root.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=a\\,O\\=evil");
  }

  @Test
  void svidIsAValidLeafPerSpiffeRules() throws Exception {
    TestCert root = TestPki.root("example.org");
    X509Certificate svid = TestPki.svid(root, ID).certificate();

    svid.verify(root.publicKey());
    assertThat(svid.getSubjectAlternativeNames()).containsExactly(List.of(6, ID));
    assertThat(svid.getBasicConstraints()).isEqualTo(-1);
    assertThat(svid.getKeyUsage()).startsWith(true, false, false, false, false, false, false);
    assertThat(svid.getExtendedKeyUsage())
        .containsExactly(
            KeyPurposeId.id_kp_serverAuth.getId(), KeyPurposeId.id_kp_clientAuth.getId());
  }

  @Test
  void svidUnderIntermediatePassesPkixValidationAgainstTheRoot() throws Exception {
    TestCert root = TestPki.root("example.org");
    TestCert intermediate = TestPki.intermediate(root, "example.org intermediate");
    TestCert svid = TestPki.svid(intermediate, ID);

    assertThat(svid.chain()).containsExactly(svid.certificate(), intermediate.certificate());
    assertThat(svid.chainWithRoot())
        .containsExactly(svid.certificate(), intermediate.certificate(), root.certificate());
    assertThat(svid.root()).isSameAs(root);
    validate(svid.chain(), root);
  }

  @Test
  void svidFromAnotherRootFailsPkixValidation() {
    TestCert root = TestPki.root("example.org");
    TestCert other = TestPki.root("other.org");
    TestCert svid = TestPki.svid(other, "spiffe://other.org/x");

    assertThatThrownBy(() -> validate(svid.chain(), root))
        .isInstanceOf(CertPathValidatorException.class);
  }

  @Test
  void rootsChainIsItself() {
    TestCert root = TestPki.root("example.org");

    assertThat(root.chain()).containsExactly(root.certificate());
    assertThat(root.root()).isSameAs(root);
  }

  @Test
  void expiredSvidFailsCheckValidity() {
    X509Certificate svid = TestPki.expiredSvid(TestPki.root("example.org"), ID).certificate();

    assertThatThrownBy(svid::checkValidity).isInstanceOf(CertificateExpiredException.class);
  }

  @Test
  void notYetValidSvidFailsCheckValidity() {
    X509Certificate svid = TestPki.notYetValidSvid(TestPki.root("example.org"), ID).certificate();

    assertThatThrownBy(svid::checkValidity).isInstanceOf(CertificateNotYetValidException.class);
  }

  @Test
  void zeroSignatureSvidFailsVerification() {
    TestCert root = TestPki.root("example.org");
    X509Certificate svid = TestPki.zeroSignatureSvid(root, ID).certificate();

    assertThatThrownBy(() -> svid.verify(root.publicKey())).isInstanceOf(SignatureException.class);
  }

  @Test
  void svidBuilderChangesOnlyWhatTheTestSets() throws Exception {
    TestCert root = TestPki.root("example.org");
    X509Certificate caLeaf = TestPki.svidBuilder(root, ID).ca(true).build().certificate();
    X509Certificate twoIds =
        TestPki.svidBuilder(root, ID).uriSan("spiffe://example.org/b").build().certificate();

    assertThat(caLeaf.getBasicConstraints()).isEqualTo(Integer.MAX_VALUE);
    assertThat(caLeaf.getKeyUsage()).startsWith(true, false, false, false, false, false, false);
    assertThat(caLeaf.getExtendedKeyUsage()).hasSize(2);
    assertThat(twoIds.getSubjectAlternativeNames())
        .containsExactly(List.of(6, ID), List.of(6, "spiffe://example.org/b"));
  }

  private static void validate(List<X509Certificate> chain, TestCert root) throws Exception {
    PKIXParameters parameters =
        new PKIXParameters(Set.of(new TrustAnchor(root.certificate(), null)));
    parameters.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX")
        .validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), parameters);
  }
}
