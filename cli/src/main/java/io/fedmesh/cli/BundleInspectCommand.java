package io.fedmesh.cli;

import io.fedmesh.trust.bundle.BundleCodec;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.spiffe.TrustDomain;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fedmesh bundle inspect}: parses and checks a SPIFFE bundle document, then shows it. */
@Command(
    name = "inspect",
    header = "Check a SPIFFE bundle JSON file and show its authorities.",
    description = {
      "Parses the document as fedmesh does when it receives a bundle from a peer; a document",
      "it would reject is an error here too (exit 2), with the JSON path of the problem."
    },
    sortOptions = false)
final class BundleInspectCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "SPIFFE bundle JSON file.")
  Path file;

  @Option(
      names = "--trust-domain",
      required = true,
      paramLabel = "DOMAIN",
      description = "Trust domain the bundle belongs to (the document does not say).")
  String trustDomain;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "text",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  OutputFormat output;

  /** The JSON document of {@code -o json}. */
  record Report(
      String file,
      String trustDomain,
      long sequence,
      Long refreshHintSeconds,
      List<CertificateFacts> authorities) {}

  @Override
  public Integer call() {
    TrustDomain domain = Inputs.trustDomain("--trust-domain", trustDomain);
    TrustBundle bundle = BundleCodec.parse(domain, Inputs.readSmallFile(file), file.toString());
    Instant now = Fedmesh.of(spec).clock().instant();
    List<CertificateFacts> authorities = new ArrayList<>();
    for (X509Certificate c : bundle.x509Authorities()) {
      authorities.add(CertificateFacts.of(c, now));
    }
    PrintWriter w = spec.commandLine().getOut();
    if (output == OutputFormat.json) {
      w.println(
          Json.write(
              new Report(
                  file.toString(),
                  domain.name(),
                  bundle.sequence(),
                  bundle.refreshHint().map(d -> d.getSeconds()).orElse(null),
                  authorities)));
    } else {
      w.println(file + ": valid SPIFFE bundle");
      w.println("  trust domain:   " + domain);
      w.println("  sequence:       " + bundle.sequence());
      w.println(
          "  refresh hint:   "
              + bundle
                  .refreshHint()
                  .map(Durations::format)
                  .orElse(
                      "(none; peers refresh every "
                          + Durations.format(TrustBundle.DEFAULT_REFRESH_HINT)
                          + ")"));
      w.println("  X.509 authorities: " + authorities.size());
      for (int i = 0; i < authorities.size(); i++) {
        CertificateFacts f = authorities.get(i);
        w.println("  [" + (i + 1) + "] " + f.subject());
        w.println("      key:      " + f.keyAlgorithm() + ", CA " + f.caText());
        w.println("      SHA-256:  " + f.sha256());
        w.println(
            "      valid:    "
                + f.notBefore()
                + " until "
                + f.notAfter()
                + " ("
                + f.validityText(now)
                + ")");
      }
    }
    w.flush();
    return Fedmesh.EXIT_OK;
  }
}
