package io.fedmesh.cli;

import io.fedmesh.trust.bundle.BundleCodec;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.internal.SecretFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code fedmesh bundle export}: a CA's trust bundle as a SPIFFE bundle document. */
@Command(
    name = "export",
    header = "Write a CA's trust bundle as SPIFFE bundle JSON (to stdout without --out).",
    description = {
      "The bundle holds the CA's root: the trust anchor other trust domains need to verify",
      "this domain's SVIDs. Give it to them with 'fedmesh bundle inspect' to check it first."
    },
    sortOptions = false)
final class BundleExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--ca",
      paramLabel = "DIR",
      description = "CA directory from 'fedmesh ca init' (default: $FEDMESH_CA_DIR, else ./ca).")
  Path caDir;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "File to write (replaced if it exists); stdout when absent.")
  Path out;

  @Option(
      names = "--sequence",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "spiffe_sequence: raise it with every change so peers take the newest (default:"
              + " ${DEFAULT-VALUE}).")
  long sequence;

  @Option(
      names = "--refresh-hint",
      paramLabel = "DURATION",
      description =
          "spiffe_refresh_hint: how often peers should re-fetch, e.g. 5m (default: none).")
  String refreshHint;

  @Override
  public Integer call() {
    if (sequence < 0) {
      throw new UsageException("--sequence: " + sequence + " (expected: 0 or more)");
    }
    Duration hint = refreshHint == null ? null : Durations.parse("--refresh-hint", refreshHint);
    Fedmesh root = Fedmesh.of(spec);
    CertificateAuthority ca = CertificateAuthority.load(Inputs.caDir(caDir, root), root.clock());
    TrustBundle bundle = TrustBundle.of(ca.trustDomain(), List.of(ca.root()), sequence, hint);
    String json = BundleCodec.toJson(bundle);
    json = json.endsWith("\n") ? json : json + "\n";
    if (out == null) {
      PrintWriter w = spec.commandLine().getOut();
      w.print(json);
      w.flush();
    } else {
      SecretFiles.writePublic(out, json);
      PrintWriter err = spec.commandLine().getErr();
      err.println(
          "Wrote the trust bundle of '"
              + ca.trustDomain()
              + "' (sequence "
              + sequence
              + ", 1 authority) to "
              + out);
      err.flush();
    }
    return Fedmesh.EXIT_OK;
  }
}
