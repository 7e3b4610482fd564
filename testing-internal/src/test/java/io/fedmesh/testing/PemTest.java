package io.fedmesh.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class PemTest {

  @Test
  void certificatePemParsesBackToTheSameCertificate() throws Exception {
    TestCert cert = TestPki.root("example.org");
    String pem = cert.certificatePem();

    assertThat(pem)
        .startsWith("-----BEGIN CERTIFICATE-----\n")
        .endsWith("-----END CERTIFICATE-----\n");
    assertThat(pem.lines()).allMatch(line -> line.length() <= 64);
    assertThat(CertificateFactory.getInstance("X.509").generateCertificate(stream(pem)))
        .isEqualTo(cert.certificate());
  }

  @Test
  void chainPemHoldsLeafThenIntermediateInOrder() throws Exception {
    TestCert root = TestPki.root("example.org");
    TestCert intermediate = TestPki.intermediate(root, "i");
    TestCert svid = TestPki.svid(intermediate, "spiffe://example.org/x");

    List<Certificate> parsed =
        List.copyOf(
            CertificateFactory.getInstance("X.509").generateCertificates(stream(svid.chainPem())));

    assertThat(parsed).containsExactly(svid.certificate(), intermediate.certificate());
  }

  @Test
  void ecPrivateKeyPemIsPkcs8() throws Exception {
    TestCert cert = TestPki.builder().build();

    assertThat(KeyFactory.getInstance("EC").generatePrivate(pkcs8(cert.privateKeyPkcs8Pem())))
        .isEqualTo(cert.privateKey());
  }

  @Test
  void rsaPrivateKeyPemIsPkcs8() throws Exception {
    TestCert cert = TestPki.builder().keyAlgorithm(KeyAlgorithm.RSA_2048).build();

    assertThat(KeyFactory.getInstance("RSA").generatePrivate(pkcs8(cert.privateKeyPkcs8Pem())))
        .isEqualTo(cert.privateKey());
  }

  private static PKCS8EncodedKeySpec pkcs8(String pem) {
    assertThat(pem)
        .startsWith("-----BEGIN PRIVATE KEY-----\n")
        .endsWith("-----END PRIVATE KEY-----\n");
    String body =
        pem.replace("-----BEGIN PRIVATE KEY-----", "")
            .replace("-----END PRIVATE KEY-----", "")
            .replace("\n", "");
    return new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body));
  }

  private static ByteArrayInputStream stream(String pem) {
    return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
  }
}
