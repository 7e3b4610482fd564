package io.fedmesh.trust.svid;

import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.TrustException;
import io.fedmesh.trust.internal.Crypto;
import io.fedmesh.trust.internal.Keys;
import io.fedmesh.trust.internal.Pem;
import io.fedmesh.trust.spiffe.SpiffeId;
import java.io.IOException;
import java.security.KeyPair;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A workload's PKCS#10 certificate signing request for its SPIFFE ID, made with a key pair it
 * generated itself: the private key stays in the workload, only this request travels.
 *
 * @param keyPair the workload's fresh key pair
 * @param der the signed PKCS#10 request
 */
public record CertificateRequest(KeyPair keyPair, byte[] der) {

  /** Generates a key pair of {@code algorithm} and a CSR for {@code id}. */
  public static CertificateRequest create(SpiffeId id, KeyAlgorithm algorithm) {
    return create(id, algorithm.generate());
  }

  /** A CSR for {@code id} signed with {@code keyPair}; the URI SAN rides in extensionRequest. */
  public static CertificateRequest create(SpiffeId id, KeyPair keyPair) {
    try {
      ExtensionsGenerator ext = new ExtensionsGenerator();
      ext.addExtension(
          Extension.subjectAlternativeName,
          true,
          new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, id.toString())));
      PKCS10CertificationRequest csr =
          new JcaPKCS10CertificationRequestBuilder(new X500Name(new RDN[0]), keyPair.getPublic())
              .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate())
              .build(
                  new JcaContentSignerBuilder(Keys.signatureAlgorithmFor(keyPair.getPublic()))
                      .setProvider(Crypto.BC)
                      .build(keyPair.getPrivate()));
      return new CertificateRequest(keyPair, csr.getEncoded());
    } catch (IOException | OperatorCreationException e) {
      throw new TrustException("cannot build a CSR for " + id + ": " + e.getMessage(), e);
    }
  }

  /** The request as PEM. */
  public String pem() {
    return Pem.encodeCsr(Pem.csr(der, "CSR"));
  }
}
