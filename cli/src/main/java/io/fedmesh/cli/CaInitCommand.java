package io.fedmesh.cli;

import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.bundle.BundleCodec;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.internal.Pem;
import io.fedmesh.trust.internal.SecretFiles;
import io.fedmesh.trust.spiffe.TrustDomain;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fedmesh ca init}: a new CA for a trust domain, saved with its trust bundle. */
@Command(
    name = "init",
    header = "Create a trust domain's CA: a self-signed root, or an intermediate under your root.",
    description = {
      "Writes DIR/ca.crt (the CA chain), DIR/ca.key (its private key, mode 0600) and",
      "DIR/bundle.json (the SPIFFE trust bundle to give to federated trust domains).",
      "With --root-cert and --root-key the new CA is an intermediate signed by that root,",
      "which stays the trust anchor in the bundle; its key is read once and not copied."
    },
    sortOptions = false)
final class CaInitCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--trust-domain",
      required = true,
      paramLabel = "DOMAIN",
      description = "Trust domain the CA signs for, e.g. us-east.fedmesh.local.")
  String trustDomain;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Directory to write the CA into (created if missing).")
  Path out;

  @Option(
      names = "--key-algorithm",
      paramLabel = "ALG",
      defaultValue = "ec-p256",
      completionCandidates = Inputs.KeyAlgorithmCandidates.class,
      description = "CA key: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  String keyAlgorithm;

  @Option(
      names = "--validity",
      paramLabel = "DURATION",
      description =
          "How long the CA certificate is valid, e.g. 3650d (default: 3650d for a root, 365d for"
              + " an intermediate, never past its root).")
  String validity;

  @Option(
      names = "--root-cert",
      paramLabel = "FILE",
      description = "PEM certificate of your root CA (its chain, root last); needs --root-key.")
  Path rootCert;

  @Option(
      names = "--root-key",
      paramLabel = "FILE",
      description = "PEM private key of the --root-cert CA.")
  Path rootKey;

  @Option(names = "--force", description = "Overwrite an existing CA in DIR.")
  boolean force;

  @Override
  public Integer call() {
    Fedmesh root = Fedmesh.of(spec);
    TrustDomain domain = Inputs.trustDomain("--trust-domain", trustDomain);
    KeyAlgorithm algorithm = Inputs.keyAlgorithm("--key-algorithm", keyAlgorithm);
    Duration duration = validity == null ? null : Durations.parse("--validity", validity);
    if ((rootCert == null) != (rootKey == null)) {
      throw new UsageException(
          "--root-cert and --root-key go together (got only "
              + (rootCert != null ? "--root-cert" : "--root-key")
              + "; expected: both for an intermediate CA under your root, neither for a"
              + " self-signed root)");
    }
    Path certFile = out.resolve(CertificateAuthority.CERT_FILE);
    Path keyFile = out.resolve(CertificateAuthority.KEY_FILE);
    Path bundleFile = out.resolve(CaCommand.BUNDLE_FILE);
    // Refuse before generating anything, so a mistyped directory costs nothing.
    SecretFiles.checkAbsent(certFile, force);
    SecretFiles.checkAbsent(keyFile, force);
    SecretFiles.checkAbsent(bundleFile, force);

    CertificateAuthority.Builder builder =
        CertificateAuthority.builder(domain).keyAlgorithm(algorithm).clock(root.clock());
    if (duration != null) {
      builder.validity(duration);
    }
    if (rootCert != null) {
      builder.parent(
          Pem.certificates(Pem.readFile(rootCert), rootCert.toString()),
          Pem.privateKey(Pem.readFile(rootKey), rootKey.toString()),
          rootCert.toString());
    }
    CertificateAuthority ca = builder.build();
    TrustBundle bundle = TrustBundle.of(domain, List.of(ca.root()), 1, null);
    String json = BundleCodec.toJson(bundle);

    ca.save(out, force);
    SecretFiles.writePublic(bundleFile, json.endsWith("\n") ? json : json + "\n");

    Instant now = root.clock().instant();
    CertificateFacts facts = CertificateFacts.of(ca.certificate(), now);
    PrintWriter w = spec.commandLine().getOut();
    w.println(
        "Created "
            + (ca.isIntermediate() ? "an intermediate CA" : "a root CA")
            + " for trust domain '"
            + domain
            + "'.");
    w.println("  subject:       " + facts.subject());
    if (ca.isIntermediate()) {
      w.println("  issued by:     " + facts.issuer() + " (from " + rootCert + ")");
    }
    w.println("  key:           " + facts.keyAlgorithm());
    w.println(
        "  valid:         "
            + facts.notBefore()
            + " until "
            + facts.notAfter()
            + " ("
            + facts.validityText(now)
            + ")");
    w.println("  root SHA-256:  " + CertificateFacts.fingerprint(ca.root()));
    CaCommand.printWritten(
        w,
        List.of(
            Map.entry(certFile, "CA certificate chain (PEM)"),
            Map.entry(keyFile, "CA private key (PKCS#8 PEM, mode 0600; keep it secret)"),
            Map.entry(bundleFile, "SPIFFE trust bundle (sequence " + bundle.sequence() + ")")));
    w.println(
        "Next: fedmesh ca issue --ca "
            + out
            + " --spiffe-id "
            + domain.idString()
            + "/ns/<namespace>/sa/<service-account> --out <dir>");
    w.flush();
    return Fedmesh.EXIT_OK;
  }
}
