package io.fedmesh.trust.internal;

import io.fedmesh.trust.TrustException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * Reads and writes PEM: certificates, PKCS#8 private keys, PKCS#10 CSRs. Every error names the
 * source (a file name or a peer) and what was expected.
 */
public final class Pem {
  private static final int MAX_PEM_BYTES = 1 << 20;

  private Pem() {}

  /** Reads a file as text, with an error that names the file when it is missing or too big. */
  public static String readFile(Path file) {
    try {
      long size = Files.size(file);
      if (size > MAX_PEM_BYTES) {
        throw new TrustException(
            file + ": " + size + " bytes (expected: a PEM file of at most " + MAX_PEM_BYTES + ")");
      }
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new TrustException(file + ": no such file");
    } catch (IOException e) {
      throw new TrustException(file + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  /**
   * Parses every {@code CERTIFICATE} block, in order.
   *
   * @throws TrustException when there is none, or one is truncated or not a certificate
   */
  public static List<X509Certificate> certificates(String pem, String source) {
    List<X509Certificate> out = new ArrayList<>();
    for (PemObject o : objects(pem, source)) {
      if (!o.getType().equals("CERTIFICATE")) {
        continue;
      }
      out.add(certificate(o.getContent(), source + " (certificate " + (out.size() + 1) + ")"));
    }
    if (out.isEmpty()) {
      throw new TrustException(
          source + ": no PEM 'CERTIFICATE' block found (expected: -----BEGIN CERTIFICATE-----)");
    }
    return out;
  }

  /** Parses one DER certificate. */
  public static X509Certificate certificate(byte[] der, String source) {
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      return (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException | RuntimeException e) {
      throw new TrustException(
          source + ": not a valid X.509 certificate (" + e.getMessage() + ")", e);
    }
  }

  /**
   * Parses the one private key in {@code pem}: PKCS#8 ({@code PRIVATE KEY}), or the traditional
   * {@code EC PRIVATE KEY} / {@code RSA PRIVATE KEY} forms. Encrypted keys are refused.
   */
  public static PrivateKey privateKey(String pem, String source) {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object o;
      PrivateKey found = null;
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      while ((o = parser.readObject()) != null) {
        PrivateKey key = null;
        if (o instanceof PrivateKeyInfo) {
          key = converter.getPrivateKey((PrivateKeyInfo) o);
        } else if (o instanceof PEMKeyPair) {
          key = converter.getKeyPair((PEMKeyPair) o).getPrivate();
        } else if (o.getClass().getSimpleName().contains("Encrypted")) {
          throw new TrustException(
              source + ": the private key is encrypted (expected: an unencrypted PKCS#8 key)");
        }
        if (key != null) {
          if (found != null) {
            throw new TrustException(source + ": more than one private key (expected: one)");
          }
          found = key;
        }
      }
      if (found == null) {
        throw new TrustException(
            source + ": no private key found (expected: -----BEGIN PRIVATE KEY-----)");
      }
      return found;
    } catch (IOException | RuntimeException e) {
      if (e instanceof TrustException) {
        throw (TrustException) e;
      }
      throw new TrustException(
          source + ": not a valid PEM private key (" + e.getMessage() + ")", e);
    }
  }

  /** Parses one PKCS#10 {@code CERTIFICATE REQUEST}. */
  public static PKCS10CertificationRequest csr(String pem, String source) {
    for (PemObject o : objects(pem, source)) {
      if (o.getType().equals("CERTIFICATE REQUEST")
          || o.getType().equals("NEW CERTIFICATE REQUEST")) {
        return csr(o.getContent(), source);
      }
    }
    throw new TrustException(
        source + ": no PEM 'CERTIFICATE REQUEST' block found (expected: a PKCS#10 CSR)");
  }

  /** Parses one DER PKCS#10 CSR. */
  public static PKCS10CertificationRequest csr(byte[] der, String source) {
    try {
      return new PKCS10CertificationRequest(der);
    } catch (IOException | RuntimeException e) {
      throw new TrustException(source + ": not a valid PKCS#10 CSR (" + e.getMessage() + ")", e);
    }
  }

  private static List<PemObject> objects(String pem, String source) {
    if (pem == null || pem.isBlank()) {
      throw new TrustException(source + ": empty (expected: PEM text)");
    }
    if (pem.length() > MAX_PEM_BYTES) {
      throw new TrustException(source + ": too large (expected: at most 1 MiB of PEM)");
    }
    List<PemObject> out = new ArrayList<>();
    try (PemReader reader = new PemReader(new StringReader(pem))) {
      PemObject o;
      while ((o = reader.readPemObject()) != null) {
        out.add(o);
      }
    } catch (IOException | RuntimeException e) {
      throw new TrustException(source + ": malformed or truncated PEM (" + e.getMessage() + ")", e);
    }
    if (out.isEmpty()) {
      throw new TrustException(source + ": no PEM block found (truncated or not PEM?)");
    }
    return out;
  }

  /** Writes certificates as concatenated PEM blocks. */
  public static String encodeCertificates(List<X509Certificate> certs) {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      for (X509Certificate c : certs) {
        pw.writeObject(c);
      }
    } catch (IOException e) {
      throw new TrustException("cannot encode certificate as PEM", e);
    }
    return w.toString();
  }

  /** Writes a private key as PKCS#8 PEM ({@code PRIVATE KEY}). */
  public static String encodePrivateKey(PrivateKey key) {
    return encode("PRIVATE KEY", key.getEncoded());
  }

  /** Writes a CSR as PEM. */
  public static String encodeCsr(PKCS10CertificationRequest csr) {
    try {
      return encode("CERTIFICATE REQUEST", csr.getEncoded());
    } catch (IOException e) {
      throw new TrustException("cannot encode CSR", e);
    }
  }

  private static String encode(String type, byte[] der) {
    StringWriter w = new StringWriter();
    try (PemWriter pw = new PemWriter(w)) {
      pw.writeObject(new PemObject(type, der));
    } catch (IOException e) {
      throw new TrustException("cannot encode " + type + " as PEM", e);
    }
    return w.toString();
  }

  /** Converts a BouncyCastle certificate holder to a JCA certificate. */
  public static X509Certificate toX509(X509CertificateHolder holder) {
    try {
      return certificate(holder.getEncoded(), "issued certificate");
    } catch (IOException e) {
      throw new TrustException("cannot encode issued certificate", e);
    }
  }
}
