package io.fedmesh.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * Writes certificates, private keys and CSRs as PEM (RFC 7468): 64-character base64 lines, {@code
 * \n} line ends, a trailing newline after each block.
 */
public final class Pem {

  private static final Base64.Encoder ENCODER =
      Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));

  private Pem() {}

  /** One {@code CERTIFICATE} block. */
  public static String certificate(X509Certificate certificate) {
    Objects.requireNonNull(certificate, "certificate");
    try {
      return block("CERTIFICATE", certificate.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException("cannot encode " + certificate.getSubjectX500Principal(), e);
    }
  }

  /** The {@code CERTIFICATE} blocks of {@code certificates}, concatenated in list order. */
  public static String certificates(List<X509Certificate> certificates) {
    StringBuilder pem = new StringBuilder();
    for (X509Certificate certificate : certificates) {
      pem.append(certificate(certificate));
    }
    return pem.toString();
  }

  /**
   * A {@code PRIVATE KEY} block holding the key's PKCS#8 {@code PrivateKeyInfo}.
   *
   * @throws IllegalArgumentException if the key does not encode as PKCS#8 (e.g. a hardware key)
   */
  public static String privateKey(PrivateKey key) {
    Objects.requireNonNull(key, "key");
    if (!"PKCS#8".equals(key.getFormat()) || key.getEncoded() == null) {
      throw new IllegalArgumentException(
          "private key format: " + key.getFormat() + " (expected: PKCS#8)");
    }
    return block("PRIVATE KEY", key.getEncoded());
  }

  /** A {@code CERTIFICATE REQUEST} block (PKCS#10). */
  public static String certificateRequest(PKCS10CertificationRequest request) {
    Objects.requireNonNull(request, "request");
    try {
      return block("CERTIFICATE REQUEST", request.getEncoded());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String block(String label, byte[] der) {
    return "-----BEGIN "
        + label
        + "-----\n"
        + ENCODER.encodeToString(der)
        + "\n-----END "
        + label
        + "-----\n";
  }
}
