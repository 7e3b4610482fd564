package io.fedmesh.trust.internal;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;

/**
 * Reads the URI names of a certificate's Subject Alternative Name extension straight from its DER,
 * by GeneralName tag: a DNS or e-mail name that happens to read {@code spiffe://...} is never taken
 * for a URI (the type confusion of CVE-2022-21656).
 */
public final class SanNames {
  private SanNames() {}

  /** The URI SANs of {@code cert}, in order; empty when it has no SAN extension. */
  public static List<String> uris(X509Certificate cert) {
    byte[] ext = cert.getExtensionValue(Extension.subjectAlternativeName.getId());
    return ext == null ? List.of() : uris(ext);
  }

  /** The URI names in a DER-encoded extension value (an OCTET STRING around GeneralNames). */
  public static List<String> uris(byte[] extensionValue) {
    try {
      byte[] inner = ASN1OctetString.getInstance(extensionValue).getOctets();
      return uris(GeneralNames.getInstance(ASN1Primitive.fromByteArray(inner)));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "subjectAltName extension is not valid DER (" + e.getMessage() + ")", e);
    }
  }

  /** The URI names among {@code names}. */
  public static List<String> uris(GeneralNames names) {
    List<String> out = new ArrayList<>();
    for (GeneralName n : names.getNames()) {
      if (n.getTagNo() == GeneralName.uniformResourceIdentifier) {
        out.add(ASN1IA5String.getInstance(n.getName()).getString());
      }
    }
    return out;
  }
}
