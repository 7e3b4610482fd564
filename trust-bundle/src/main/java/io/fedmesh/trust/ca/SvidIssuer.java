package io.fedmesh.trust.ca;

import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.TrustException;
import io.fedmesh.trust.ca.IssuanceException.Reason;
import io.fedmesh.trust.internal.Crypto;
import io.fedmesh.trust.internal.Keys;
import io.fedmesh.trust.internal.Pem;
import io.fedmesh.trust.internal.SanNames;
import io.fedmesh.trust.spiffe.InvalidSpiffeIdException;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.svid.CertificateRequest;
import io.fedmesh.trust.svid.Svid;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * Signs workload CSRs into X.509-SVIDs. A request is honoured only when its CSR is well-formed and
 * self-signed by the key it certifies, names exactly one SPIFFE ID in this CA's trust domain, uses
 * a strong key, and the caller's {@link BootstrapCredential} — checked by the {@link Attestor} —
 * entitles it to that ID. The SVID lives {@link #DEFAULT_TTL} (or what is asked, up to {@link
 * Builder#maxTtl}) and never past the CA's own expiry.
 *
 * <p>The signing CA is read from a supplier at each request, so a {@link CaRotation} switches
 * signing without a restart. Thread-safe.
 */
public final class SvidIssuer {
  /** Lifetime of an SVID when none is asked for. */
  public static final Duration DEFAULT_TTL = Duration.ofHours(24);

  /** Longest SVID lifetime that may be asked for. */
  public static final Duration DEFAULT_MAX_TTL = Duration.ofDays(30);

  private static final Duration MIN_TTL = Duration.ofSeconds(1);

  /** CSR signature algorithms accepted, by OID. */
  private static final Map<ASN1ObjectIdentifier, String> SIGNATURE_ALGORITHMS =
      Map.of(
          X9ObjectIdentifiers.ecdsa_with_SHA256, "SHA256withECDSA",
          X9ObjectIdentifiers.ecdsa_with_SHA384, "SHA384withECDSA",
          X9ObjectIdentifiers.ecdsa_with_SHA512, "SHA512withECDSA",
          PKCSObjectIdentifiers.sha256WithRSAEncryption, "SHA256withRSA",
          PKCSObjectIdentifiers.sha384WithRSAEncryption, "SHA384withRSA",
          PKCSObjectIdentifiers.sha512WithRSAEncryption, "SHA512withRSA");

  private final Supplier<CertificateAuthority> ca;
  private final Attestor attestor;
  private final Duration defaultTtl;
  private final Duration maxTtl;
  private final IssuanceListener listener;

  /** Told of every SVID signed, e.g. by {@link CaRotation} to know when an old CA is unused. */
  @FunctionalInterface
  public interface IssuanceListener {
    void issued(CertificateAuthority ca, X509Certificate leaf);
  }

  private SvidIssuer(Builder b) {
    this.ca = b.ca;
    this.attestor = b.attestor;
    this.defaultTtl = b.defaultTtl;
    this.maxTtl = b.maxTtl;
    this.listener = b.listener;
  }

  /** An issuer signing with a fixed CA. */
  public static Builder builder(CertificateAuthority ca) {
    Objects.requireNonNull(ca, "ca");
    return new Builder(() -> ca);
  }

  /** An issuer signing with whatever CA {@code ca} returns at each request (rotation). */
  public static Builder builder(Supplier<CertificateAuthority> ca) {
    return new Builder(ca);
  }

  /**
   * An SVID for {@code id} signed by {@code ca} on the operator's own authority: the key pair is
   * made here, in the process that holds the CA key (the {@code fedmesh ca issue} path, local
   * runners and tests). The CSR still goes through every check of {@link #issue}.
   */
  public static Svid issueLocally(
      CertificateAuthority ca, SpiffeId id, KeyAlgorithm algorithm, Duration ttl) {
    CertificateRequest csr = CertificateRequest.create(id, algorithm);
    SvidIssuer issuer =
        builder(ca)
            .attestor(Attestor.operator(op -> Entitlement.anyIn(ca.trustDomain())))
            .maxTtl(ttl.compareTo(DEFAULT_MAX_TTL) > 0 ? ttl : DEFAULT_MAX_TTL)
            .build();
    return Svid.of(
        csr.keyPair().getPrivate(), issuer.issue(csr.der(), new OperatorCredential("local"), ttl));
  }

  /** Signs a DER CSR with the default TTL. */
  public List<X509Certificate> issue(byte[] csrDer, BootstrapCredential credential) {
    return issue(csrDer, credential, null);
  }

  /**
   * Signs a DER PKCS#10 CSR for the caller holding {@code credential}.
   *
   * @param ttl the lifetime asked for, or null for the default
   * @return the SVID leaf first, then the CA's intermediates (not the root)
   * @throws IssuanceException naming what was wrong with the request or the credential
   */
  public List<X509Certificate> issue(byte[] csrDer, BootstrapCredential credential, Duration ttl) {
    Duration life = ttl == null ? defaultTtl : ttl;
    if (life.compareTo(MIN_TTL) < 0 || life.compareTo(maxTtl) > 0) {
      throw new IssuanceException(
          Reason.BAD_TTL, "ttl: " + life + " (expected: " + MIN_TTL + ".." + maxTtl + ")");
    }
    PKCS10CertificationRequest csr;
    try {
      csr = Pem.csr(csrDer, "CSR");
    } catch (TrustException e) {
      throw new IssuanceException(Reason.MALFORMED_CSR, e.getMessage());
    }
    PublicKey key = verifyCsrSignature(csr);
    String weak = Keys.weakness(key);
    if (weak != null) {
      throw new IssuanceException(Reason.WEAK_KEY, "CSR key: " + weak);
    }
    SpiffeId requested = requestedId(csr);
    CertificateAuthority signer = ca.get();
    if (!requested.memberOf(signer.trustDomain())) {
      throw new IssuanceException(
          Reason.WRONG_TRUST_DOMAIN,
          "CSR asks for "
              + requested
              + " but this CA signs only for trust domain '"
              + signer.trustDomain()
              + "'");
    }
    Entitlement entitlement;
    try {
      entitlement = attestor.attest(credential);
    } catch (IssuanceException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new IssuanceException(
          Reason.UNAUTHENTICATED, "credential could not be checked: " + e.getMessage());
    }
    if (!entitlement.permits(requested)) {
      throw new IssuanceException(
          Reason.NOT_ENTITLED,
          "CSR asks for "
              + requested
              + " but the "
              + (credential == null ? "caller" : credential.kind())
              + " credential entitles only "
              + entitlement.describe());
    }
    List<X509Certificate> chain = signer.certify(key, requested, life);
    listener.issued(signer, chain.get(0));
    return chain;
  }

  private static PublicKey verifyCsrSignature(PKCS10CertificationRequest csr) {
    try {
      PublicKey key = new JcaPKCS10CertificationRequest(csr).setProvider(Crypto.BC).getPublicKey();
      // Straight through Signature: the content-verifier builder costs a provider walk per CSR.
      String algorithm = SIGNATURE_ALGORITHMS.get(csr.getSignatureAlgorithm().getAlgorithm());
      if (algorithm == null) {
        throw new IssuanceException(
            Reason.BAD_CSR_SIGNATURE,
            "CSR signature algorithm "
                + csr.getSignatureAlgorithm().getAlgorithm()
                + " is not accepted (expected: ECDSA or RSA PKCS#1 with SHA-256/384/512)");
      }
      Signature verifier = Signature.getInstance(algorithm, Crypto.BC);
      verifier.initVerify(key);
      verifier.update(
          csr.toASN1Structure().getCertificationRequestInfo().getEncoded(ASN1Encoding.DER));
      if (!verifier.verify(csr.getSignature())) {
        throw new IssuanceException(
            Reason.BAD_CSR_SIGNATURE,
            "CSR signature does not verify with the key it carries (corrupted or forged request)");
      }
      return key;
    } catch (IssuanceException e) {
      throw e;
    } catch (Exception e) {
      throw new IssuanceException(
          Reason.BAD_CSR_SIGNATURE, "CSR signature cannot be checked: " + e.getMessage());
    }
  }

  static SpiffeId requestedId(PKCS10CertificationRequest csr) {
    List<String> uris = List.of();
    for (Attribute a : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
      for (ASN1Encodable v : a.getAttrValues()) {
        Extensions ext;
        try {
          ext = Extensions.getInstance(v);
        } catch (RuntimeException e) {
          throw new IssuanceException(
              Reason.MALFORMED_CSR, "CSR extensionRequest is malformed: " + e.getMessage());
        }
        Extension san = ext.getExtension(Extension.subjectAlternativeName);
        if (san != null) {
          try {
            uris = SanNames.uris(GeneralNames.getInstance(san.getParsedValue()));
          } catch (RuntimeException e) {
            throw new IssuanceException(
                Reason.MALFORMED_CSR, "CSR subjectAltName is malformed: " + e.getMessage());
          }
        }
      }
    }
    if (uris.isEmpty()) {
      throw new IssuanceException(
          Reason.NO_SPIFFE_ID,
          "CSR has no URI SAN (expected: exactly one SPIFFE ID in the subjectAltName extension)");
    }
    if (uris.size() > 1) {
      throw new IssuanceException(
          Reason.MULTIPLE_SPIFFE_IDS,
          "CSR has " + uris.size() + " URI SANs " + uris + " (expected: exactly one SPIFFE ID)");
    }
    try {
      return SpiffeId.parse(uris.get(0));
    } catch (InvalidSpiffeIdException e) {
      throw new IssuanceException(Reason.MALFORMED_SPIFFE_ID, "CSR: " + e.getMessage());
    }
  }

  /** Builds an issuer; an attestor is required. */
  public static final class Builder {
    private final Supplier<CertificateAuthority> ca;
    private Attestor attestor;
    private Duration defaultTtl = DEFAULT_TTL;
    private Duration maxTtl = DEFAULT_MAX_TTL;
    private IssuanceListener listener = (ca, leaf) -> {};

    Builder(Supplier<CertificateAuthority> ca) {
      this.ca = Objects.requireNonNull(ca, "ca");
    }

    public Builder attestor(Attestor attestor) {
      this.attestor = Objects.requireNonNull(attestor, "attestor");
      return this;
    }

    /** Lifetime of an SVID when the request asks none; 1 s up to {@link #maxTtl}. */
    public Builder defaultTtl(Duration ttl) {
      if (ttl.compareTo(MIN_TTL) < 0) {
        throw new IllegalArgumentException("defaultTtl: " + ttl + " (expected: >= 1s)");
      }
      this.defaultTtl = ttl;
      return this;
    }

    public Builder maxTtl(Duration ttl) {
      if (ttl.compareTo(MIN_TTL) < 0) {
        throw new IllegalArgumentException("maxTtl: " + ttl + " (expected: >= 1s)");
      }
      this.maxTtl = ttl;
      return this;
    }

    public Builder listener(IssuanceListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    public SvidIssuer build() {
      if (attestor == null) {
        throw new IllegalStateException("SvidIssuer needs an attestor");
      }
      if (defaultTtl.compareTo(maxTtl) > 0) {
        throw new IllegalArgumentException(
            "defaultTtl " + defaultTtl + " exceeds maxTtl " + maxTtl);
      }
      return new SvidIssuer(this);
    }
  }
}
