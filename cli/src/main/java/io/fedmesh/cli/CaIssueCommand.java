package io.fedmesh.cli;

import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.bundle.BundleCodec;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.Attestor;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.ca.Entitlement;
import io.fedmesh.trust.ca.OperatorCredential;
import io.fedmesh.trust.ca.SvidIssuer;
import io.fedmesh.trust.internal.SecretFiles;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.svid.CertificateRequest;
import io.fedmesh.trust.svid.Svid;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fedmesh ca issue}: an X.509-SVID signed by a local CA, for an operator bootstrapping a
 * workload by hand. The key pair is made here and the request goes through the same {@link
 * SvidIssuer} checks as a workload's CSR.
 */
@Command(
    name = "issue",
    header = "Issue an X.509-SVID (new key pair + certificate) from a local CA.",
    description = {
      "Generates a new key pair, makes a CSR for the SPIFFE ID and signs it with the CA,",
      "then writes DIR/svid.crt (the SVID and any intermediates, PEM), DIR/svid.key",
      "(its private key, mode 0600) and DIR/bundle.json (the CA's SPIFFE trust bundle)."
    },
    sortOptions = false)
final class CaIssueCommand implements Callable<Integer> {
  /** File name of the SVID chain (leaf first, then intermediates) in the output directory. */
  static final String SVID_CERT_FILE = "svid.crt";

  /** File name of the SVID's PKCS#8 private key in the output directory, mode 0600. */
  static final String SVID_KEY_FILE = "svid.key";

  @Spec CommandSpec spec;

  @Option(
      names = "--spiffe-id",
      required = true,
      paramLabel = "ID",
      description =
          "SPIFFE ID to issue for, e.g. spiffe://us-east.fedmesh.local/ns/default/sa/web.")
  String spiffeId;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Directory to write the SVID into (created if missing).")
  Path out;

  @Option(
      names = "--ca",
      paramLabel = "DIR",
      description = "CA directory from 'fedmesh ca init' (default: $FEDMESH_CA_DIR, else ./ca).")
  Path caDir;

  @Option(
      names = "--ttl",
      paramLabel = "DURATION",
      defaultValue = "24h",
      description = "SVID lifetime, at most 30d and never past the CA (default: ${DEFAULT-VALUE}).")
  String ttl;

  @Option(
      names = "--key-algorithm",
      paramLabel = "ALG",
      defaultValue = "ec-p256",
      completionCandidates = Inputs.KeyAlgorithmCandidates.class,
      description = "SVID key: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  String keyAlgorithm;

  @Option(names = "--force", description = "Overwrite an existing SVID in DIR.")
  boolean force;

  @Override
  public Integer call() {
    Fedmesh root = Fedmesh.of(spec);
    SpiffeId id = Inputs.spiffeId("--spiffe-id", spiffeId);
    Duration lifetime = Durations.parse("--ttl", ttl);
    if (lifetime.compareTo(SvidIssuer.DEFAULT_MAX_TTL) > 0) {
      throw new UsageException(
          "--ttl: '"
              + ttl
              + "' (expected: at most "
              + Durations.format(SvidIssuer.DEFAULT_MAX_TTL)
              + "; SVIDs are short-lived and renewed)");
    }
    KeyAlgorithm algorithm = Inputs.keyAlgorithm("--key-algorithm", keyAlgorithm);
    Path dir = Inputs.caDir(caDir, root);
    CertificateAuthority ca = CertificateAuthority.load(dir, root.clock());
    if (!id.memberOf(ca.trustDomain())) {
      throw new UsageException(
          "--spiffe-id: "
              + id
              + " is not in trust domain '"
              + ca.trustDomain()
              + "' of the CA in "
              + dir
              + " (expected: "
              + ca.trustDomain().idString()
              + "/...; a CA signs only for its own trust domain)");
    }
    Path certFile = out.resolve(SVID_CERT_FILE);
    Path keyFile = out.resolve(SVID_KEY_FILE);
    Path bundleFile = out.resolve(CaCommand.BUNDLE_FILE);
    SecretFiles.checkAbsent(certFile, force);
    SecretFiles.checkAbsent(keyFile, force);
    SecretFiles.checkAbsent(bundleFile, force);

    CertificateRequest csr = CertificateRequest.create(id, algorithm);
    SvidIssuer issuer =
        SvidIssuer.builder(ca)
            .attestor(Attestor.operator(op -> Entitlement.anyIn(ca.trustDomain())))
            .build();
    List<X509Certificate> chain =
        issuer.issue(
            csr.der(),
            new OperatorCredential(System.getProperty("user.name", "operator")),
            lifetime);
    Svid svid = Svid.of(csr.keyPair().getPrivate(), chain);
    String json = BundleCodec.toJson(TrustBundle.of(ca.trustDomain(), List.of(ca.root()), 1, null));

    SecretFiles.writePrivate(keyFile, svid.privateKeyPem());
    SecretFiles.writePublic(certFile, svid.chainPem());
    SecretFiles.writePublic(bundleFile, json.endsWith("\n") ? json : json + "\n");

    Instant now = root.clock().instant();
    CertificateFacts facts = CertificateFacts.of(svid.leaf(), now);
    PrintWriter w = spec.commandLine().getOut();
    w.println("Issued an X.509-SVID for " + svid.id() + ".");
    w.println("  serial:   " + facts.serial());
    w.println("  issuer:   " + facts.issuer());
    w.println("  key:      " + facts.keyAlgorithm());
    w.println(
        "  valid:    "
            + facts.notBefore()
            + " until "
            + facts.notAfter()
            + " ("
            + facts.validityText(now)
            + ")");
    w.println("  SHA-256:  " + facts.sha256());
    CaCommand.printWritten(
        w,
        List.of(
            Map.entry(certFile, "SVID certificate chain (PEM, leaf first)"),
            Map.entry(keyFile, "SVID private key (PKCS#8 PEM, mode 0600)"),
            Map.entry(bundleFile, "SPIFFE trust bundle of '" + ca.trustDomain() + "'")));
    w.flush();
    return Fedmesh.EXIT_OK;
  }
}
