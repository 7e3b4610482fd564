package io.fedmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.trust.bundle.BundleCodec;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.spiffe.TrustDomain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaInitCommandTest {
  static final String DOMAIN = "us-east.fedmesh.local";

  @TempDir Path tmp;

  @Test
  void createsRootCaKeyAndBundle() throws Exception {
    Path dir = tmp.resolve("ca");

    Cli.Result r = Cli.run("ca", "init", "--trust-domain", DOMAIN, "--out", dir.toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(dir.resolve("ca.crt")).isRegularFile();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key"))))
        .isEqualTo("rw-------");
    CertificateAuthority ca = CertificateAuthority.load(dir, Cli.CLOCK);
    assertThat(ca.trustDomain()).isEqualTo(TrustDomain.of(DOMAIN));
    assertThat(ca.isIntermediate()).isFalse();
    assertThat(ca.notAfter()).isEqualTo(Cli.NOW.plus(Duration.ofDays(3650)));
    TrustBundle bundle =
        BundleCodec.parse(
            TrustDomain.of(DOMAIN), Files.readAllBytes(dir.resolve("bundle.json")), "bundle.json");
    assertThat(bundle.x509Authorities()).containsExactly(ca.root());
    assertThat(bundle.sequence()).isEqualTo(1);
    assertThat(r.out())
        .contains("Created a root CA for trust domain '" + DOMAIN + "'")
        .contains("root SHA-256:  " + CertificateFacts.fingerprint(ca.root()))
        .contains(dir.resolve("ca.key").toString(), "mode 0600")
        .contains("expires in 3650d");
  }

  @Test
  void keyAlgorithmAndValidityAreApplied() {
    Path dir = tmp.resolve("ca");

    Cli.Result r =
        Cli.run(
            "ca",
            "init",
            "--trust-domain",
            DOMAIN,
            "--out",
            dir.toString(),
            "--key-algorithm",
            "rsa-2048",
            "--validity",
            "30d");

    assertThat(r.exitCode()).as(r.err()).isZero();
    CertificateAuthority ca = CertificateAuthority.load(dir, Cli.CLOCK);
    assertThat(ca.certificate().getPublicKey().getAlgorithm()).isEqualTo("RSA");
    assertThat(ca.notAfter()).isEqualTo(Cli.NOW.plus(Duration.ofDays(30)));
  }

  @Test
  void createsIntermediateUnderOperatorRoot() throws Exception {
    Path rootDir = tmp.resolve("root");
    assertThat(
            Cli.run("ca", "init", "--trust-domain", DOMAIN, "--out", rootDir.toString()).exitCode())
        .isZero();
    CertificateAuthority operatorRoot = CertificateAuthority.load(rootDir, Cli.CLOCK);
    Path dir = tmp.resolve("intermediate");

    Cli.Result r =
        Cli.run(
            "ca",
            "init",
            "--trust-domain",
            DOMAIN,
            "--out",
            dir.toString(),
            "--root-cert",
            rootDir.resolve("ca.crt").toString(),
            "--root-key",
            rootDir.resolve("ca.key").toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    CertificateAuthority ca = CertificateAuthority.load(dir, Cli.CLOCK);
    assertThat(ca.isIntermediate()).isTrue();
    assertThat(ca.root()).isEqualTo(operatorRoot.root());
    assertThat(ca.certificate().getBasicConstraints()).isZero();
    assertThat(ca.notAfter()).isEqualTo(Cli.NOW.plus(Duration.ofDays(365)));
    TrustBundle bundle =
        BundleCodec.parse(
            TrustDomain.of(DOMAIN), Files.readAllBytes(dir.resolve("bundle.json")), "bundle.json");
    assertThat(bundle.x509Authorities()).containsExactly(operatorRoot.root());
    assertThat(r.out()).contains("Created an intermediate CA", "issued by:");
  }

  @Test
  void rootCertWithoutRootKeyIsAUsageError() {
    Cli.Result r =
        Cli.run(
            "ca",
            "init",
            "--trust-domain",
            DOMAIN,
            "--out",
            tmp.resolve("ca").toString(),
            "--root-cert",
            tmp.resolve("root.crt").toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .startsWith("fedmesh: error: --root-cert and --root-key go together (got only --root-cert");
    assertThat(tmp.resolve("ca")).doesNotExist();
  }

  @Test
  void missingRootCertFileIsAUsageError() {
    Cli.Result r =
        Cli.run(
            "ca",
            "init",
            "--trust-domain",
            DOMAIN,
            "--out",
            tmp.resolve("ca").toString(),
            "--root-cert",
            tmp.resolve("nope.crt").toString(),
            "--root-key",
            tmp.resolve("nope.key").toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains(tmp.resolve("nope.crt") + ": no such file");
  }

  @Test
  void badValidityIsAUsageError() {
    Cli.Result r =
        Cli.run(
            "ca",
            "init",
            "--trust-domain",
            DOMAIN,
            "--out",
            tmp.resolve("ca").toString(),
            "--validity",
            "5x");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "fedmesh: error: --validity: '5x' (expected: a duration like 90s, 30m, 24h, 365d)\n");
  }

  @Test
  void badKeyAlgorithmIsAUsageError() {
    Cli.Result r =
        Cli.run(
            "ca",
            "init",
            "--trust-domain",
            DOMAIN,
            "--out",
            tmp.resolve("ca").toString(),
            "--key-algorithm",
            "dsa");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("--key-algorithm: 'dsa' (expected: one of ec-p256, rsa-2048, rsa-3072)");
  }

  @Test
  void badTrustDomainIsAUsageError() {
    Cli.Result r =
        Cli.run("ca", "init", "--trust-domain", "US-East", "--out", tmp.resolve("ca").toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("fedmesh: error: --trust-domain: ").contains("upper-case");
  }

  @Test
  void refusesToOverwriteWithoutForce() throws Exception {
    Path dir = tmp.resolve("ca");
    assertThat(Cli.run("ca", "init", "--trust-domain", DOMAIN, "--out", dir.toString()).exitCode())
        .isZero();
    byte[] before = Files.readAllBytes(dir.resolve("ca.key"));

    Cli.Result again = Cli.run("ca", "init", "--trust-domain", DOMAIN, "--out", dir.toString());

    assertThat(again.exitCode()).isEqualTo(2);
    assertThat(again.err()).contains("already exists (use --force to overwrite)");
    assertThat(Files.readAllBytes(dir.resolve("ca.key"))).isEqualTo(before);

    Cli.Result forced =
        Cli.run("ca", "init", "--trust-domain", DOMAIN, "--out", dir.toString(), "--force");

    assertThat(forced.exitCode()).as(forced.err()).isZero();
    assertThat(Files.readAllBytes(dir.resolve("ca.key"))).isNotEqualTo(before);
  }
}
