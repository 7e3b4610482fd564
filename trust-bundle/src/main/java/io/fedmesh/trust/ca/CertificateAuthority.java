package io.fedmesh.trust.ca;

import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.TrustException;
import io.fedmesh.trust.internal.Crypto;
import io.fedmesh.trust.internal.Keys;
import io.fedmesh.trust.internal.Pem;
import io.fedmesh.trust.internal.SanNames;
import io.fedmesh.trust.internal.SecretFiles;
import io.fedmesh.trust.spiffe.InvalidSpiffeIdException;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A trust domain's certificate authority: a signing certificate (a self-signed root, or an
 * intermediate under an operator's root), its private key, and the chain up to the root.
 *
 * <p>Create one with {@link #builder(TrustDomain)}, store it with {@link #save(Path, boolean)} (the
 * key as PKCS#8 PEM with mode 0600) and read it back with {@link #load(Path, Clock)}. Loading
 * refuses a key that does not match its certificate, an expired or not-yet-valid CA, and a
 * certificate without the CA basic constraint or keyCertSign. Signing workload CSRs is {@link
 * SvidIssuer}'s job.
 */
public final class CertificateAuthority {
  /** File name of the CA chain (signing certificate first, root last) in a CA directory. */
  public static final String CERT_FILE = "ca.crt";

  /** File name of the CA's PKCS#8 private key in a CA directory, mode 0600. */
  public static final String KEY_FILE = "ca.key";

  /** Validity of a new self-signed root. */
  public static final Duration DEFAULT_ROOT_VALIDITY = Duration.ofDays(3650);

  /** Validity of a new intermediate under an operator's root (capped by the root's expiry). */
  public static final Duration DEFAULT_INTERMEDIATE_VALIDITY = Duration.ofDays(365);

  private static final DateTimeFormatter NAME_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final TrustDomain trustDomain;
  private final List<X509Certificate> chain;
  private final PrivateKey privateKey;
  private final Clock clock;
  private final JcaX509ExtensionUtils extensionUtils;
  private final AuthorityKeyIdentifier authorityKeyIdentifier;

  private CertificateAuthority(
      TrustDomain trustDomain, List<X509Certificate> chain, PrivateKey privateKey, Clock clock) {
    this.trustDomain = trustDomain;
    this.chain = List.copyOf(chain);
    this.privateKey = privateKey;
    this.clock = clock;
    this.extensionUtils = extensionUtils();
    try {
      this.authorityKeyIdentifier = extensionUtils.createAuthorityKeyIdentifier(chain.get(0));
    } catch (CertificateEncodingException e) {
      throw new CaException("cannot read the CA certificate's key identifier", e);
    }
  }

  /** A builder for a new CA of {@code trustDomain}. */
  public static Builder builder(TrustDomain trustDomain) {
    return new Builder(trustDomain);
  }

  /**
   * Loads the CA stored in {@code dir} ({@link #CERT_FILE}, {@link #KEY_FILE}) and checks that it
   * is usable now.
   */
  public static CertificateAuthority load(Path dir, Clock clock) {
    Path certFile = dir.resolve(CERT_FILE);
    Path keyFile = dir.resolve(KEY_FILE);
    if (!Files.isDirectory(dir)) {
      throw new CaException(dir + ": no such CA directory (create one with 'fedmesh ca init')");
    }
    return load(
        Pem.certificates(Pem.readFile(certFile), certFile.toString()),
        Pem.privateKey(Pem.readFile(keyFile), keyFile.toString()),
        certFile.toString(),
        clock);
  }

  /**
   * Checks and wraps an existing CA: {@code chain} is the signing certificate first, then its
   * issuers up to the root; {@code key} is the signing certificate's private key.
   */
  public static CertificateAuthority load(
      List<X509Certificate> chain, PrivateKey key, String source, Clock clock) {
    Objects.requireNonNull(clock, "clock");
    if (chain.isEmpty()) {
      throw new CaException(source + ": no CA certificate");
    }
    checkCaChain(chain, key, source, clock.instant());
    X509Certificate ca = chain.get(0);
    List<String> uris = SanNames.uris(ca);
    if (uris.size() != 1) {
      throw new CaException(
          source
              + ": CA certificate has "
              + uris.size()
              + " URI SANs (expected: one, spiffe://<trust-domain>, as 'fedmesh ca init' writes)");
    }
    TrustDomain domain;
    try {
      domain = TrustDomain.of(uris.get(0));
    } catch (InvalidSpiffeIdException e) {
      throw new CaException(source + ": CA certificate's URI SAN: " + e.getMessage(), e);
    }
    return new CertificateAuthority(domain, chain, key, clock);
  }

  /**
   * Checks a CA chain: each certificate a CA with keyCertSign whose path length constraint allows
   * the CAs below it, within its validity at {@code now}, signed by the next, the last self-signed,
   * and {@code key} the first one's private key.
   */
  static void checkCaChain(
      List<X509Certificate> chain, PrivateKey key, String source, Instant now) {
    for (int i = 0; i < chain.size(); i++) {
      X509Certificate c = chain.get(i);
      String what =
          source
              + ": "
              + (i == 0 ? "CA" : "issuer " + i)
              + " certificate '"
              + c.getSubjectX500Principal().getName()
              + "'";
      if (c.getBasicConstraints() < 0) {
        throw new CaException(what + " is not a CA (expected: basicConstraints CA=true)");
      }
      boolean[] ku = c.getKeyUsage();
      if (ku == null || !ku[5]) {
        throw new CaException(what + " lacks the keyCertSign key usage (expected: keyCertSign)");
      }
      // Certificate i has i CAs below it (this chain's first i); SVIDs add no CA.
      if (c.getBasicConstraints() < i) {
        throw new CaException(
            what
                + " has pathLenConstraint "
                + c.getBasicConstraints()
                + " but "
                + i
                + " CA certificates below it in the chain; SVIDs of this CA would fail"
                + " verification (expected: pathLenConstraint >= "
                + i
                + " or none)");
      }
      if (now.isAfter(c.getNotAfter().toInstant())) {
        throw new CaException(
            what
                + " expired at "
                + c.getNotAfter().toInstant()
                + " (create or rotate to a new CA)");
      }
      if (now.isBefore(c.getNotBefore().toInstant())) {
        throw new CaException(
            what + " is not valid before " + c.getNotBefore().toInstant() + " (check the clock)");
      }
      X509Certificate issuer = i + 1 < chain.size() ? chain.get(i + 1) : c;
      try {
        c.verify(issuer.getPublicKey(), Crypto.BC);
      } catch (GeneralSecurityException e) {
        throw new CaException(
            what
                + (i + 1 < chain.size()
                    ? " is not signed by the next certificate in the file (expected: CA first, root last)"
                    : " is the last in the chain but not self-signed (append the root certificate)"),
            e);
      }
    }
    if (!keyMatches(key, chain.get(0).getPublicKey())) {
      throw new CaException(
          source + ": the private key does not match the CA certificate's public key");
    }
  }

  static boolean keyMatches(PrivateKey key, PublicKey pub) {
    try {
      String alg = Keys.signatureAlgorithmFor(pub);
      byte[] challenge = new byte[32];
      Crypto.random().nextBytes(challenge);
      Signature s = Signature.getInstance(alg, Crypto.BC);
      s.initSign(key);
      s.update(challenge);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg, Crypto.BC);
      v.initVerify(pub);
      v.update(challenge);
      return v.verify(sig);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  /** Writes {@link #CERT_FILE} and {@link #KEY_FILE} (mode 0600) into {@code dir}. */
  public void save(Path dir, boolean force) {
    SecretFiles.checkAbsent(dir.resolve(CERT_FILE), force);
    SecretFiles.checkAbsent(dir.resolve(KEY_FILE), force);
    SecretFiles.writePrivate(dir.resolve(KEY_FILE), Pem.encodePrivateKey(privateKey));
    SecretFiles.writePublic(dir.resolve(CERT_FILE), Pem.encodeCertificates(chain));
  }

  public TrustDomain trustDomain() {
    return trustDomain;
  }

  /** The signing certificate. */
  public X509Certificate certificate() {
    return chain.get(0);
  }

  /** The signing certificate first, then its issuers up to the root. */
  public List<X509Certificate> chain() {
    return chain;
  }

  /** The root this CA chains to: the trust anchor to publish in the bundle. */
  public X509Certificate root() {
    return chain.get(chain.size() - 1);
  }

  /** Whether this CA is an intermediate under another root. */
  public boolean isIntermediate() {
    return chain.size() > 1;
  }

  /** When this CA's signing certificate expires; no SVID it signs outlives it. */
  public Instant notAfter() {
    Instant min = Instant.MAX;
    for (X509Certificate c : chain) {
      Instant na = c.getNotAfter().toInstant();
      if (na.isBefore(min)) {
        min = na;
      }
    }
    return min;
  }

  Clock clock() {
    return clock;
  }

  /**
   * Signs an X.509-SVID for {@code id} over {@code publicKey}, valid from now for {@code ttl} but
   * never past this CA's expiry. The caller has already checked entitlement.
   *
   * @return the leaf first, then this CA's chain without the root
   */
  List<X509Certificate> certify(PublicKey publicKey, SpiffeId id, Duration ttl) {
    if (!id.memberOf(trustDomain)) {
      throw new CaException(
          "SPIFFE ID " + id + " is not in this CA's trust domain '" + trustDomain + "'");
    }
    Instant now = clock.instant();
    Instant caEnd = notAfter();
    if (!now.isBefore(caEnd)) {
      throw new CaException(
          "CA for '" + trustDomain + "' expired at " + caEnd + " (rotate to a new CA)");
    }
    // Backdate a little (a tenth of the TTL, at most 30 s) so that a peer whose clock lags
    // accepts the new SVID at once; proportional so that half-life renewal stays near ttl/2.
    Duration backdate = min(ttl.dividedBy(10), Duration.ofSeconds(30));
    Instant notBefore = max(now.minus(backdate), certificate().getNotBefore().toInstant());
    Instant notAfter = min(now.plus(ttl), caEnd);
    X500Name empty = new X500Name(new RDN[0]);
    try {
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              X500Name.getInstance(certificate().getSubjectX500Principal().getEncoded()),
              serial(),
              Date.from(notBefore),
              Date.from(notAfter),
              empty,
              publicKey);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      // Empty subject, so the SAN is critical (RFC 5280 4.2.1.6).
      b.addExtension(
          Extension.subjectAlternativeName,
          true,
          new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, id.toString())));
      b.addExtension(
          Extension.subjectKeyIdentifier,
          false,
          extensionUtils.createSubjectKeyIdentifier(publicKey));
      b.addExtension(Extension.authorityKeyIdentifier, false, authorityKeyIdentifier);
      X509Certificate leaf = Pem.toX509(b.build(signer()));
      List<X509Certificate> out = new ArrayList<>(chain.size());
      out.add(leaf);
      out.addAll(chain.subList(0, chain.size() - 1));
      return out;
    } catch (CertIOException e) {
      throw new CaException("cannot sign an SVID for " + id + ": " + e.getMessage(), e);
    }
  }

  private ContentSigner signer() {
    try {
      return new JcaContentSignerBuilder(Keys.signatureAlgorithmFor(certificate().getPublicKey()))
          .setProvider(Crypto.BC)
          .setSecureRandom(Crypto.random())
          .build(privateKey);
    } catch (OperatorCreationException e) {
      throw new CaException("cannot sign with the CA key of '" + trustDomain + "'", e);
    }
  }

  static BigInteger serial() {
    byte[] b = new byte[16];
    Crypto.random().nextBytes(b);
    b[0] &= 0x7f;
    b[0] |= 0x01; // 127 bits of randomness, positive, never zero
    return new BigInteger(b);
  }

  private static JcaX509ExtensionUtils extensionUtils() {
    try {
      return new JcaX509ExtensionUtils();
    } catch (GeneralSecurityException e) {
      throw new TrustException("SHA-1 is not available for key identifiers", e);
    }
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) < 0 ? a : b;
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  @Override
  public String toString() {
    return "CertificateAuthority{"
        + trustDomain
        + ", "
        + certificate().getSubjectX500Principal()
        + ", notAfter="
        + notAfter()
        + "}";
  }

  /** Builds a new CA: a self-signed root, or an intermediate under {@link #parent}. */
  public static final class Builder {
    private final TrustDomain trustDomain;
    private KeyAlgorithm keyAlgorithm = KeyAlgorithm.DEFAULT;
    private Duration validity;
    private Clock clock = Clock.systemUTC();
    private List<X509Certificate> parentChain;
    private PrivateKey parentKey;
    private String parentSource;

    Builder(TrustDomain trustDomain) {
      this.trustDomain = Objects.requireNonNull(trustDomain, "trustDomain");
    }

    public Builder keyAlgorithm(KeyAlgorithm keyAlgorithm) {
      this.keyAlgorithm = Objects.requireNonNull(keyAlgorithm, "keyAlgorithm");
      return this;
    }

    /** How long the new CA certificate is valid; capped by the parent's expiry. */
    public Builder validity(Duration validity) {
      if (validity.isNegative() || validity.isZero()) {
        throw new CaException("validity: " + validity + " (expected: a positive duration)");
      }
      this.validity = validity;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Makes the new CA an intermediate signed by an operator-supplied CA: {@code chain} is that
     * CA's certificate first and its root last, {@code key} its private key. Checked at once.
     */
    public Builder parent(List<X509Certificate> chain, PrivateKey key, String source) {
      if (chain.isEmpty()) {
        throw new CaException(source + ": no root certificate");
      }
      checkCaChain(chain, key, source, clock.instant());
      // The new CA goes below chain.get(0), so each parent certificate gets one more
      // intermediate under it than it has now: chain.get(i) must allow i + 1.
      for (int i = 0; i < chain.size(); i++) {
        X509Certificate c = chain.get(i);
        int pathLen = c.getBasicConstraints();
        if (pathLen < i + 1) {
          throw new CaException(
              source
                  + ": certificate '"
                  + c.getSubjectX500Principal().getName()
                  + "' has pathLenConstraint "
                  + pathLen
                  + (i == 0
                      ? ", so it cannot sign an intermediate"
                      : ", so it cannot have " + (i + 1) + " intermediates below it")
                  + " (expected: pathLenConstraint >= "
                  + (i + 1)
                  + " or none)");
        }
      }
      this.parentChain = List.copyOf(chain);
      this.parentKey = key;
      this.parentSource = source;
      return this;
    }

    /** Generates the key pair and signs the CA certificate. */
    public CertificateAuthority build() {
      KeyPair kp = keyAlgorithm.generate();
      Instant now = clock.instant();
      boolean intermediate = parentChain != null;
      Duration v =
          validity != null
              ? validity
              : intermediate ? DEFAULT_INTERMEDIATE_VALIDITY : DEFAULT_ROOT_VALIDITY;
      Instant notBefore = now.minusSeconds(60);
      Instant notAfter = now.plus(v);
      if (intermediate) {
        Instant parentEnd = parentChain.get(0).getNotAfter().toInstant();
        notAfter = min(notAfter, parentEnd);
        notBefore = max(notBefore, parentChain.get(0).getNotBefore().toInstant());
      }
      BigInteger serial = serial();
      X500Name subject =
          new X500NameBuilder(BCStyle.INSTANCE)
              .addRDN(BCStyle.O, "fedmesh")
              .addRDN(
                  BCStyle.CN,
                  (intermediate ? "fedmesh intermediate CA " : "fedmesh root CA ")
                      + NAME_TIME.format(now)
                      + " "
                      + HexFormat.of().toHexDigits(serial.intValue()))
              .build();
      JcaX509ExtensionUtils ext = extensionUtils();
      try {
        X509v3CertificateBuilder b =
            intermediate
                ? new JcaX509v3CertificateBuilder(
                    X500Name.getInstance(parentChain.get(0).getSubjectX500Principal().getEncoded()),
                    serial,
                    Date.from(notBefore),
                    Date.from(notAfter),
                    subject,
                    kp.getPublic())
                : new JcaX509v3CertificateBuilder(
                    subject,
                    serial,
                    Date.from(notBefore),
                    Date.from(notAfter),
                    subject,
                    kp.getPublic());
        // An intermediate signs leaves only; a root may sign one intermediate level (rotation).
        b.addExtension(
            Extension.basicConstraints,
            true,
            intermediate ? new BasicConstraints(0) : new BasicConstraints(1));
        b.addExtension(
            Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        b.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(
                new GeneralName(GeneralName.uniformResourceIdentifier, trustDomain.idString())));
        b.addExtension(
            Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
        if (intermediate) {
          b.addExtension(
              Extension.authorityKeyIdentifier,
              false,
              ext.createAuthorityKeyIdentifier(parentChain.get(0)));
        }
        PrivateKey signingKey = intermediate ? parentKey : kp.getPrivate();
        ContentSigner signer =
            new JcaContentSignerBuilder(
                    Keys.signatureAlgorithmFor(
                        intermediate ? parentChain.get(0).getPublicKey() : kp.getPublic()))
                .setProvider(Crypto.BC)
                .build(signingKey);
        X509Certificate cert = Pem.toX509(b.build(signer));
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(cert);
        if (intermediate) {
          chain.addAll(parentChain);
        }
        return load(
            chain,
            kp.getPrivate(),
            intermediate ? "new intermediate CA under " + parentSource : "new root CA",
            clock);
      } catch (CertIOException | GeneralSecurityException | OperatorCreationException e) {
        throw new CaException("cannot create a CA for '" + trustDomain + "': " + e.getMessage(), e);
      }
    }
  }
}
