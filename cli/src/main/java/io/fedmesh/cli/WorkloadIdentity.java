package io.fedmesh.cli;

import io.fedmesh.trust.bundle.BundleCodec;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.internal.Pem;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.Svid;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A workload's SVID and bundles read from files, as {@code fedmesh ca issue} writes them: {@code
 * DIR/svid.crt}, {@code DIR/svid.key}, {@code DIR/bundle.json} (its own trust domain's bundle),
 * plus federated bundles given as {@code DOMAIN=FILE}.
 */
record WorkloadIdentity(Svid svid, BundleSet bundles) {
  static WorkloadIdentity load(Path dir, List<String> federated) {
    if (!Files.isDirectory(dir)) {
      throw new UsageException(
          "--svid: "
              + dir
              + ": no such directory (create one with 'fedmesh ca issue --out "
              + dir
              + "')");
    }
    Path crt = dir.resolve(CaIssueCommand.SVID_CERT_FILE);
    Path key = dir.resolve(CaIssueCommand.SVID_KEY_FILE);
    Svid svid =
        Svid.of(
            Pem.privateKey(Pem.readFile(key), key.toString()),
            Pem.certificates(Pem.readFile(crt), crt.toString()));
    TrustDomain own = svid.id().trustDomain();
    Path bundleFile = dir.resolve("bundle.json");
    TrustBundle local =
        BundleCodec.parse(own, Inputs.readSmallFile(bundleFile), bundleFile.toString());
    BundleSet.Builder set = BundleSet.builder(local);
    for (String spec : federated) {
      int eq = spec.indexOf('=');
      if (eq <= 0 || eq == spec.length() - 1) {
        throw new UsageException(
            "--trust-bundle: '"
                + spec
                + "' (expected: DOMAIN=FILE, e.g. us-west.fedmesh.local=west.json)");
      }
      TrustDomain domain = Inputs.trustDomain("--trust-bundle", spec.substring(0, eq));
      if (domain.equals(own)) {
        throw new UsageException(
            "--trust-bundle: "
                + domain
                + " is this workload's own domain (its bundle is "
                + bundleFile
                + ")");
      }
      Path file = Path.of(spec.substring(eq + 1));
      set.add(BundleCodec.parse(domain, Inputs.readSmallFile(file), file.toString()));
    }
    return new WorkloadIdentity(svid, set.build());
  }
}
