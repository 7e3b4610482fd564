package io.fedmesh.cli;

import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.internal.Pem;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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

/** {@code fedmesh ca inspect}: what is in a PEM file of certificates, or in a CA directory. */
@Command(
    name = "inspect",
    header = "Show the certificates in a PEM file (an SVID, a CA chain) or a CA directory.",
    sortOptions = false)
final class CaInspectCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "FILE",
      description = "PEM file with one or more certificates, or a CA directory (reads its ca.crt).")
  Path file;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "text",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  OutputFormat output;

  /** The JSON document of {@code -o json}. */
  record Report(String file, List<CertificateFacts> certificates) {}

  @Override
  public Integer call() {
    Path source = Files.isDirectory(file) ? file.resolve(CertificateAuthority.CERT_FILE) : file;
    String pem = new String(Inputs.readSmallFile(source), StandardCharsets.US_ASCII);
    List<X509Certificate> certs = Pem.certificates(pem, source.toString());
    Instant now = Fedmesh.of(spec).clock().instant();
    List<CertificateFacts> facts = new ArrayList<>();
    for (X509Certificate c : certs) {
      facts.add(CertificateFacts.of(c, now));
    }
    PrintWriter w = spec.commandLine().getOut();
    if (output == OutputFormat.json) {
      w.println(Json.write(new Report(source.toString(), facts)));
    } else {
      w.println(
          source + ": " + certs.size() + (certs.size() == 1 ? " certificate" : " certificates"));
      for (int i = 0; i < facts.size(); i++) {
        w.println();
        print(w, i + 1, facts.get(i), now);
      }
    }
    w.flush();
    return Fedmesh.EXIT_OK;
  }

  static void print(PrintWriter w, int index, CertificateFacts f, Instant now) {
    String title =
        f.spiffeId() != null ? f.spiffeId() : f.subject().isEmpty() ? "(no subject)" : f.subject();
    w.println("[" + index + "] " + title);
    w.println("  subject:     " + (f.subject().isEmpty() ? "(empty)" : f.subject()));
    w.println("  issuer:      " + f.issuer());
    w.println("  serial:      " + f.serial());
    if (f.uriSans().size() > 1) {
      w.println(
          "  URI SANs:    " + String.join(", ", f.uriSans()) + " (not an SVID: expected one)");
    } else {
      w.println("  SPIFFE ID:   " + (f.spiffeId() == null ? "(none)" : f.spiffeId()));
    }
    w.println("  CA:          " + f.caText());
    w.println("  key:         " + f.keyAlgorithm());
    w.println("  not before:  " + f.notBefore());
    w.println("  not after:   " + f.notAfter() + " (" + f.validityText(now) + ")");
    w.println("  SHA-256:     " + f.sha256());
  }
}
