package io.fedmesh.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.util.List;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;

class Pkcs10Test {

  private static final String ID = "spiffe://example.org/ns/default/sa/web";

  @Test
  void csrCarriesExactlyTheSpiffeIdAndAValidSignature() throws Exception {
    KeyPair keyPair = KeyAlgorithm.EC_P256.generate();
    PKCS10CertificationRequest csr = Pkcs10.csr(keyPair, ID);

    assertThat(verifies(csr, keyPair)).isTrue();
    assertThat(csr.getSubject().getRDNs()).isEmpty();
    GeneralName[] sans =
        GeneralNames.fromExtensions(csr.getRequestedExtensions(), Extension.subjectAlternativeName)
            .getNames();
    assertThat(sans).hasSize(1);
    assertThat(sans[0].getTagNo()).isEqualTo(GeneralName.uniformResourceIdentifier);
    assertThat(ASN1IA5String.getInstance(sans[0].getName()).getString()).isEqualTo(ID);
  }

  @Test
  void rsaCsrIsSignedWithRsa() throws Exception {
    KeyPair keyPair = KeyAlgorithm.RSA_2048.generate();
    PKCS10CertificationRequest csr = Pkcs10.csr(keyPair, ID);

    assertThat(csr.getSignatureAlgorithm().getAlgorithm().getId())
        .isEqualTo("1.2.840.113549.1.1.11");
    assertThat(verifies(csr, keyPair)).isTrue();
  }

  @Test
  void badSignatureCsrParsesButDoesNotVerify() throws Exception {
    KeyPair keyPair = KeyAlgorithm.EC_P256.generate();
    PKCS10CertificationRequest good = Pkcs10.csr(keyPair, ID);
    PKCS10CertificationRequest bad = Pkcs10.csrWithBadSignature(keyPair, ID);

    assertThat(verifies(bad, keyPair)).isFalse();
    assertThat(bad.toASN1Structure().getCertificationRequestInfo())
        .isEqualTo(good.toASN1Structure().getCertificationRequestInfo());
  }

  @Test
  void csrWithoutSansHasNoExtensionRequest() throws Exception {
    KeyPair keyPair = KeyAlgorithm.EC_P256.generate();
    PKCS10CertificationRequest csr = Pkcs10.csr(keyPair, new X500Name("CN=x"), List.of());

    assertThat(csr.getAttributes()).isEmpty();
    assertThat(verifies(csr, keyPair)).isTrue();
  }

  @Test
  void csrPemHasCertificateRequestLabel() throws Exception {
    PKCS10CertificationRequest csr = Pkcs10.csr(KeyAlgorithm.EC_P256.generate(), ID);
    String pem = Pem.certificateRequest(csr);

    assertThat(pem)
        .startsWith("-----BEGIN CERTIFICATE REQUEST-----\n")
        .endsWith("-----END CERTIFICATE REQUEST-----\n");
  }

  private static boolean verifies(PKCS10CertificationRequest csr, KeyPair keyPair)
      throws Exception {
    return csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(keyPair.getPublic()));
  }
}
