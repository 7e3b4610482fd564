package io.fedmesh.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Builds one X.509 v3 certificate, in the shape of Netty's {@code pkitesting.CertificateBuilder}.
 * Every field and extension can be set, and every extension can be left out, so a test can make
 * exactly the defect it is about and nothing else. Obtain one from {@link TestPki#builder()}.
 *
 * <p>Defaults: subject {@link #DEFAULT_SUBJECT}; a random positive 159-bit serial; valid from one
 * hour before to 24 hours after the clock's now; a fresh {@link KeyAlgorithm#EC_P256} key;
 * self-signed; basic constraints {@code cA=false} (critical); key usage {@code keyCertSign |
 * cRLSign} for a CA and {@code digitalSignature} otherwise (critical); extended key usage {@code
 * serverAuth, clientAuth} for a non-CA and none for a CA; subject key identifier set; authority key
 * identifier set when an issuer is given. The signature algorithm follows the signing key: {@code
 * SHA256withECDSA} for EC, {@code SHA256withRSA} for RSA.
 *
 * <p>Setters check their own argument; combinations are checked by {@link #build()}. Not
 * thread-safe; a builder may be built more than once (each build makes a new key pair unless one
 * was supplied).
 */
public final class CertificateBuilder {

  /** Subject distinguished name when none is set. */
  public static final String DEFAULT_SUBJECT = "CN=test";

  /** How long before the clock's now a certificate starts being valid, by default. */
  public static final Duration DEFAULT_BACKDATE = Duration.ofHours(1);

  /** How long after the clock's now a certificate stays valid, by default. */
  public static final Duration DEFAULT_VALIDITY = Duration.ofHours(24);

  /** Key type generated when no key pair is supplied. */
  public static final KeyAlgorithm DEFAULT_KEY_ALGORITHM = KeyAlgorithm.EC_P256;

  private static final SecureRandom RANDOM = new SecureRandom();

  /** The signature of CVE-2022-21449: DER {@code ECDSA-Sig-Value ::= SEQUENCE { r 0, s 0 }}. */
  private static final byte[] ZERO_RS_SIGNATURE = zeroRsSignature();

  /** Key usage bits, named as in RFC 5280 section 4.2.1.3. */
  public enum KeyUsageBit {
    /** {@code digitalSignature} (bit 0). */
    DIGITAL_SIGNATURE(KeyUsage.digitalSignature),
    /** {@code nonRepudiation} / {@code contentCommitment} (bit 1). */
    NON_REPUDIATION(KeyUsage.nonRepudiation),
    /** {@code keyEncipherment} (bit 2). */
    KEY_ENCIPHERMENT(KeyUsage.keyEncipherment),
    /** {@code dataEncipherment} (bit 3). */
    DATA_ENCIPHERMENT(KeyUsage.dataEncipherment),
    /** {@code keyAgreement} (bit 4). */
    KEY_AGREEMENT(KeyUsage.keyAgreement),
    /** {@code keyCertSign} (bit 5). */
    KEY_CERT_SIGN(KeyUsage.keyCertSign),
    /** {@code cRLSign} (bit 6). */
    CRL_SIGN(KeyUsage.cRLSign),
    /** {@code encipherOnly} (bit 7). */
    ENCIPHER_ONLY(KeyUsage.encipherOnly),
    /** {@code decipherOnly} (bit 8). */
    DECIPHER_ONLY(KeyUsage.decipherOnly);

    private final int mask;

    KeyUsageBit(int mask) {
      this.mask = mask;
    }
  }

  private enum Mode {
    DEFAULT,
    EXPLICIT,
    OMIT
  }

  private Clock clock = Clock.systemUTC();
  private X500Name subject = X500Name.getInstance(new X500Principal(DEFAULT_SUBJECT).getEncoded());
  private BigInteger serial;
  private Instant notBefore;
  private Instant notAfter;
  private KeyAlgorithm keyAlgorithm = DEFAULT_KEY_ALGORITHM;
  private KeyPair keyPair;
  private TestCert issuer;

  private boolean basicConstraints = true;
  private boolean ca;
  private Integer pathLength;

  private Mode keyUsageMode = Mode.DEFAULT;
  private int keyUsageBits;
  private boolean keyUsageCritical = true;

  private Mode extendedKeyUsageMode = Mode.DEFAULT;
  private List<KeyPurposeId> extendedKeyUsages = List.of();
  private boolean extendedKeyUsageCritical;

  private final List<GeneralName> subjectAlternativeNames = new ArrayList<>();
  private boolean subjectAlternativeNamesCritical;
  private boolean subjectKeyIdentifier = true;
  private boolean corruptSignatureZeroRs;

  CertificateBuilder() {}

  /** The clock the default validity period is computed from at {@link #build()}. */
  public CertificateBuilder clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /**
   * The subject distinguished name in RFC 4514 form as {@link X500Principal} reads it, e.g. {@code
   * "CN=svc,O=fedmesh"} (so {@code getSubjectX500Principal().getName()} gives it back); {@code ""}
   * gives an empty subject.
   *
   * @throws IllegalArgumentException if it does not parse
   */
  public CertificateBuilder subject(String distinguishedName) {
    Objects.requireNonNull(distinguishedName, "distinguishedName");
    this.subject = X500Name.getInstance(new X500Principal(distinguishedName).getEncoded());
    return this;
  }

  /** The subject distinguished name. */
  public CertificateBuilder subject(X500Name subject) {
    this.subject = Objects.requireNonNull(subject, "subject");
    return this;
  }

  /** The serial number. Zero and negative values are allowed so tests can make invalid ones. */
  public CertificateBuilder serial(BigInteger serial) {
    this.serial = Objects.requireNonNull(serial, "serial");
    return this;
  }

  /**
   * Start of the validity period (stored with one-second precision). Not checked against {@link
   * #notAfter(Instant)}, so inverted periods can be built.
   */
  public CertificateBuilder notBefore(Instant notBefore) {
    this.notBefore = Objects.requireNonNull(notBefore, "notBefore");
    return this;
  }

  /** End of the validity period (stored with one-second precision). */
  public CertificateBuilder notAfter(Instant notAfter) {
    this.notAfter = Objects.requireNonNull(notAfter, "notAfter");
    return this;
  }

  /** Both ends of the validity period. */
  public CertificateBuilder validity(Instant notBefore, Instant notAfter) {
    return notBefore(notBefore).notAfter(notAfter);
  }

  /** Generate a fresh key of this type for the subject (ignored once {@link #keyPair} is set). */
  public CertificateBuilder keyAlgorithm(KeyAlgorithm keyAlgorithm) {
    this.keyAlgorithm = Objects.requireNonNull(keyAlgorithm, "keyAlgorithm");
    return this;
  }

  /** Use this key pair for the subject instead of generating one. */
  public CertificateBuilder keyPair(KeyPair keyPair) {
    Objects.requireNonNull(keyPair, "keyPair");
    Objects.requireNonNull(keyPair.getPublic(), "keyPair.public");
    Objects.requireNonNull(keyPair.getPrivate(), "keyPair.private");
    this.keyPair = keyPair;
    return this;
  }

  /**
   * Sign with {@code issuer}'s private key, take its subject as the issuer name and its key
   * identifier as the authority key identifier. {@code null} means self-signed (the default).
   */
  public CertificateBuilder issuer(TestCert issuer) {
    this.issuer = issuer;
    return this;
  }

  /** The {@code cA} flag of basic constraints; also re-enables the extension if it was omitted. */
  public CertificateBuilder ca(boolean ca) {
    this.ca = ca;
    this.basicConstraints = true;
    return this;
  }

  /**
   * The {@code pathLenConstraint} of basic constraints; requires {@code ca(true)} at build time.
   *
   * @throws IllegalArgumentException if negative
   */
  public CertificateBuilder pathLength(int pathLength) {
    if (pathLength < 0) {
      throw new IllegalArgumentException("pathLength: " + pathLength + " (expected: >= 0)");
    }
    this.pathLength = pathLength;
    return this;
  }

  /** Leave the basic constraints extension out entirely. */
  public CertificateBuilder omitBasicConstraints() {
    this.basicConstraints = false;
    return this;
  }

  /** A critical key usage extension with exactly these bits (none gives an empty bit string). */
  public CertificateBuilder keyUsage(KeyUsageBit... bits) {
    return keyUsage(true, bits);
  }

  /** A key usage extension with exactly these bits and the given criticality. */
  public CertificateBuilder keyUsage(boolean critical, KeyUsageBit... bits) {
    int mask = 0;
    for (KeyUsageBit bit : bits) {
      mask |= Objects.requireNonNull(bit, "bits[]").mask;
    }
    this.keyUsageMode = Mode.EXPLICIT;
    this.keyUsageBits = mask;
    this.keyUsageCritical = critical;
    return this;
  }

  /** Leave the key usage extension out entirely. */
  public CertificateBuilder omitKeyUsage() {
    this.keyUsageMode = Mode.OMIT;
    return this;
  }

  /**
   * A non-critical extended key usage extension with exactly these purposes, e.g. {@link
   * KeyPurposeId#id_kp_serverAuth}. An empty list is encoded as given (an invalid, empty SEQUENCE).
   */
  public CertificateBuilder extendedKeyUsage(KeyPurposeId... purposes) {
    return extendedKeyUsage(false, purposes);
  }

  /** An extended key usage extension with exactly these purposes and the given criticality. */
  public CertificateBuilder extendedKeyUsage(boolean critical, KeyPurposeId... purposes) {
    List<KeyPurposeId> list = new ArrayList<>();
    for (KeyPurposeId purpose : purposes) {
      list.add(Objects.requireNonNull(purpose, "purposes[]"));
    }
    this.extendedKeyUsageMode = Mode.EXPLICIT;
    this.extendedKeyUsages = List.copyOf(list);
    this.extendedKeyUsageCritical = critical;
    return this;
  }

  /** Leave the extended key usage extension out entirely. */
  public CertificateBuilder omitExtendedKeyUsage() {
    this.extendedKeyUsageMode = Mode.OMIT;
    return this;
  }

  /** Add a {@code uniformResourceIdentifier} SAN, e.g. a SPIFFE ID. Not parsed or checked. */
  public CertificateBuilder uriSan(String uri) {
    return san(new GeneralName(GeneralName.uniformResourceIdentifier, requireSan(uri)));
  }

  /** Add a {@code dNSName} SAN. Not checked, so it may hold anything IA5 can, NUL included. */
  public CertificateBuilder dnsSan(String dnsName) {
    return san(new GeneralName(GeneralName.dNSName, requireSan(dnsName)));
  }

  /**
   * Add an {@code iPAddress} SAN.
   *
   * @throws IllegalArgumentException if {@code address} is not an IPv4 or IPv6 literal
   */
  public CertificateBuilder ipSan(String address) {
    return san(new GeneralName(GeneralName.iPAddress, requireSan(address)));
  }

  /** Add an {@code rfc822Name} (email) SAN. Not checked. */
  public CertificateBuilder emailSan(String email) {
    return san(new GeneralName(GeneralName.rfc822Name, requireSan(email)));
  }

  /**
   * Add any {@link GeneralName} as given, e.g. {@code new GeneralName(GeneralName.dNSName,
   * "spiffe://td/x")} for a type-confusion test. SANs keep the order they were added in.
   */
  public CertificateBuilder san(GeneralName name) {
    subjectAlternativeNames.add(Objects.requireNonNull(name, "name"));
    return this;
  }

  /**
   * Whether the subject alternative name extension is critical (default: not, as RFC 5280 asks when
   * the subject is non-empty).
   */
  public CertificateBuilder sanCritical(boolean critical) {
    this.subjectAlternativeNamesCritical = critical;
    return this;
  }

  /** Leave the subject key identifier extension out. */
  public CertificateBuilder omitSubjectKeyIdentifier() {
    this.subjectKeyIdentifier = false;
    return this;
  }

  /**
   * Replace the signature with DER {@code SEQUENCE { INTEGER 0, INTEGER 0 }} (CVE-2022-21449,
   * "psychic signatures"). The certificate still parses; a correct verifier rejects it. Requires an
   * EC signing key (the issuer's, or the subject's when self-signed), checked at {@link #build()}.
   */
  public CertificateBuilder corruptSignatureZeroRS() {
    this.corruptSignatureZeroRs = true;
    return this;
  }

  /**
   * Makes the certificate.
   *
   * @throws IllegalStateException if the options contradict each other (a path length without
   *     {@code ca(true)}, a zero r/s signature with a non-EC signing key)
   */
  public TestCert build() {
    if (pathLength != null && (!ca || !basicConstraints)) {
      throw new IllegalStateException(
          "pathLength: " + pathLength + " needs basic constraints with ca(true)");
    }
    KeyPair subjectKeys = keyPair != null ? keyPair : keyAlgorithm.generate();
    KeyPair signingKeys = issuer != null ? issuer.keyPair() : subjectKeys;
    if (corruptSignatureZeroRs && !KeyAlgorithm.isEc(signingKeys.getPrivate())) {
      throw new IllegalStateException(
          "corruptSignatureZeroRS: signing key algorithm "
              + signingKeys.getPrivate().getAlgorithm()
              + " (expected: EC)");
    }

    Instant now = clock.instant();
    Instant start = notBefore != null ? notBefore : now.minus(DEFAULT_BACKDATE);
    Instant end = notAfter != null ? notAfter : now.plus(DEFAULT_VALIDITY);
    BigInteger serialNumber =
        serial != null ? serial : new BigInteger(159, RANDOM).add(BigInteger.ONE);
    X500Name issuerName =
        issuer != null
            ? X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded())
            : subject;

    try {
      JcaX509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              issuerName,
              serialNumber,
              Date.from(start),
              Date.from(end),
              subject,
              subjectKeys.getPublic());
      addExtensions(builder, subjectKeys.getPublic());
      ContentSigner signer =
          new JcaContentSignerBuilder(KeyAlgorithm.signatureAlgorithmFor(signingKeys.getPrivate()))
              .build(signingKeys.getPrivate());
      X509CertificateHolder holder = builder.build(signer);
      X509Certificate certificate =
          corruptSignatureZeroRs
              ? withSignature(holder, ZERO_RS_SIGNATURE)
              : new JcaX509CertificateConverter().getCertificate(holder);
      return new TestCert(certificate, subjectKeys, issuer);
    } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot build certificate for " + subject, e);
    }
  }

  private void addExtensions(JcaX509v3CertificateBuilder builder, PublicKey subjectKey)
      throws GeneralSecurityException, IOException {
    boolean isCa = basicConstraints && ca;
    JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
    if (basicConstraints) {
      BasicConstraints value =
          pathLength != null ? new BasicConstraints(pathLength) : new BasicConstraints(ca);
      builder.addExtension(Extension.basicConstraints, true, value);
    }
    switch (keyUsageMode) {
      case DEFAULT:
        int bits = isCa ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature;
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(bits));
        break;
      case EXPLICIT:
        builder.addExtension(Extension.keyUsage, keyUsageCritical, new KeyUsage(keyUsageBits));
        break;
      case OMIT:
        break;
    }
    switch (extendedKeyUsageMode) {
      case DEFAULT:
        if (!isCa) {
          builder.addExtension(
              Extension.extendedKeyUsage,
              false,
              new ExtendedKeyUsage(
                  new KeyPurposeId[] {
                    KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                  }));
        }
        break;
      case EXPLICIT:
        builder.addExtension(
            Extension.extendedKeyUsage,
            extendedKeyUsageCritical,
            new ExtendedKeyUsage(extendedKeyUsages.toArray(new KeyPurposeId[0])));
        break;
      case OMIT:
        break;
    }
    if (!subjectAlternativeNames.isEmpty()) {
      builder.addExtension(
          Extension.subjectAlternativeName,
          subjectAlternativeNamesCritical,
          new GeneralNames(subjectAlternativeNames.toArray(new GeneralName[0])));
    }
    if (subjectKeyIdentifier) {
      builder.addExtension(
          Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKey));
    }
    if (issuer != null) {
      builder.addExtension(
          Extension.authorityKeyIdentifier,
          false,
          new AuthorityKeyIdentifier(issuerKeyIdentifier(utils)));
    }
  }

  /** The issuer's subject key identifier, or one derived from its key if it has none. */
  private byte[] issuerKeyIdentifier(JcaX509ExtensionUtils utils) throws GeneralSecurityException {
    Extension ski =
        new JcaX509CertificateHolder(issuer.certificate())
            .getExtension(Extension.subjectKeyIdentifier);
    if (ski != null) {
      return SubjectKeyIdentifier.getInstance(ski.getParsedValue()).getKeyIdentifier();
    }
    return utils.createSubjectKeyIdentifier(issuer.publicKey()).getKeyIdentifier();
  }

  /**
   * Re-encodes {@code holder} with its TBS and algorithm unchanged and {@code signature} as the
   * signature value, and parses it with the JDK.
   */
  private static X509Certificate withSignature(X509CertificateHolder holder, byte[] signature)
      throws GeneralSecurityException, IOException {
    Certificate original = holder.toASN1Structure();
    ASN1EncodableVector fields = new ASN1EncodableVector(3);
    fields.add(original.getTBSCertificate());
    fields.add(original.getSignatureAlgorithm());
    fields.add(new DERBitString(signature));
    byte[] der = Certificate.getInstance(new DERSequence(fields)).getEncoded(ASN1Encoding.DER);
    return (X509Certificate)
        CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
  }

  private static byte[] zeroRsSignature() {
    ASN1EncodableVector rs = new ASN1EncodableVector(2);
    rs.add(new ASN1Integer(0));
    rs.add(new ASN1Integer(0));
    try {
      return new DERSequence(rs).getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static String requireSan(String value) {
    return Objects.requireNonNull(value, "subject alternative name");
  }
}
