package io.fedmesh.testing;

import java.io.IOException;
import java.security.KeyPair;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.CertificationRequest;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Certificate signing requests (PKCS#10, RFC 2986) for issuance tests, signed with SHA256withECDSA
 * or SHA256withRSA according to the key. Write them with {@link Pem#certificateRequest}.
 */
public final class Pkcs10 {

  private Pkcs10() {}

  /**
   * A CSR with an empty subject and one URI SAN, {@code spiffeId}, in an {@code extensionRequest}
   * attribute, signed by {@code keyPair}. {@code spiffeId} is not validated.
   */
  public static PKCS10CertificationRequest csr(KeyPair keyPair, String spiffeId) {
    return csr(
        keyPair,
        new X500Name(new RDN[0]),
        List.of(
            new GeneralName(
                GeneralName.uniformResourceIdentifier,
                Objects.requireNonNull(spiffeId, "spiffeId"))));
  }

  /**
   * A CSR for {@code subject} requesting exactly {@code subjectAlternativeNames} (none: no {@code
   * extensionRequest} attribute at all), signed by {@code keyPair}.
   */
  public static PKCS10CertificationRequest csr(
      KeyPair keyPair, X500Name subject, List<GeneralName> subjectAlternativeNames) {
    Objects.requireNonNull(keyPair, "keyPair");
    Objects.requireNonNull(subject, "subject");
    try {
      JcaPKCS10CertificationRequestBuilder builder =
          new JcaPKCS10CertificationRequestBuilder(subject, keyPair.getPublic());
      if (!subjectAlternativeNames.isEmpty()) {
        ExtensionsGenerator extensions = new ExtensionsGenerator();
        extensions.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(subjectAlternativeNames.toArray(new GeneralName[0])));
        Extensions requested = extensions.generate();
        builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, requested);
      }
      return builder.build(
          new JcaContentSignerBuilder(KeyAlgorithm.signatureAlgorithmFor(keyPair.getPrivate()))
              .build(keyPair.getPrivate()));
    } catch (IOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot build CSR for " + subject, e);
    }
  }

  /**
   * The CSR {@link #csr(KeyPair, String)} makes, with the last byte of its signature flipped: it
   * parses, and its signature does not verify.
   */
  public static PKCS10CertificationRequest csrWithBadSignature(KeyPair keyPair, String spiffeId) {
    return withTamperedSignature(csr(keyPair, spiffeId));
  }

  /** {@code request} with the last byte of its signature flipped; the request info is unchanged. */
  public static PKCS10CertificationRequest withTamperedSignature(
      PKCS10CertificationRequest request) {
    CertificationRequest original = request.toASN1Structure();
    byte[] signature = request.getSignature().clone();
    signature[signature.length - 1] ^= (byte) 0xFF;
    CertificationRequest tampered =
        new CertificationRequest(
            original.getCertificationRequestInfo(),
            original.getSignatureAlgorithm(),
            new DERBitString(signature));
    try {
      return new PKCS10CertificationRequest(tampered.getEncoded(ASN1Encoding.DER));
    } catch (IOException e) {
      throw new IllegalStateException("cannot re-encode tampered CSR", e);
    }
  }
}
