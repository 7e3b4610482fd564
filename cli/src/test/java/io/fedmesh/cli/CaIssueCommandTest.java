package io.fedmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.trust.bundle.BundleCodec;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.Svid;
import io.fedmesh.trust.svid.SvidVerifier;
import io.fedmesh.trust.svid.VerifiedSvid;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaIssueCommandTest {
  static final String DOMAIN = "us-east.fedmesh.local";
  static final String ID = "spiffe://us-east.fedmesh.local/ns/default/sa/frontend";

  @TempDir Path tmp;
  Path caDir;

  @BeforeEach
  void createCa() {
    caDir = tmp.resolve("ca");
    Cli.Result r = Cli.run("ca", "init", "--trust-domain", DOMAIN, "--out", caDir.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
  }

  @Test
  void issuesAnSvidThatVerifiesAgainstTheBundle() throws Exception {
    Path out = tmp.resolve("frontend");

    Cli.Result r =
        Cli.run(
            "ca", "issue", "--ca", caDir.toString(), "--spiffe-id", ID, "--out", out.toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("svid.key"))))
        .isEqualTo("rw-------");
    Svid svid =
        Svid.fromPem(
            Files.readString(out.resolve("svid.crt")),
            Files.readString(out.resolve("svid.key")),
            out.toString());
    TrustBundle bundle =
        BundleCodec.parse(
            TrustDomain.of(DOMAIN), Files.readAllBytes(out.resolve("bundle.json")), "bundle.json");
    VerifiedSvid verified =
        SvidVerifier.builder(d -> Optional.of(bundle))
            .clock(Cli.CLOCK)
            .build()
            .verify(svid.chain());
    assertThat(verified.id()).isEqualTo(SpiffeId.parse(ID));
    assertThat(svid.notAfter()).isEqualTo(Cli.NOW.plus(Duration.ofHours(24)));
    assertThat(r.out())
        .contains("Issued an X.509-SVID for " + ID)
        .contains("expires in 1d")
        .contains(out.resolve("svid.key").toString());
  }

  @Test
  void ttlIsApplied() throws Exception {
    Path out = tmp.resolve("short");

    Cli.Result r =
        Cli.run(
            "ca",
            "issue",
            "--ca",
            caDir.toString(),
            "--spiffe-id",
            ID,
            "--out",
            out.toString(),
            "--ttl",
            "90m");

    assertThat(r.exitCode()).as(r.err()).isZero();
    Svid svid =
        Svid.fromPem(
            Files.readString(out.resolve("svid.crt")),
            Files.readString(out.resolve("svid.key")),
            "t");
    assertThat(svid.notAfter()).isEqualTo(Cli.NOW.plus(Duration.ofMinutes(90)));
  }

  @Test
  void ttlOverTheMaximumIsAUsageError() {
    Cli.Result r =
        Cli.run(
            "ca",
            "issue",
            "--ca",
            caDir.toString(),
            "--spiffe-id",
            ID,
            "--out",
            tmp.resolve("x").toString(),
            "--ttl",
            "90d");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("fedmesh: error: --ttl: '90d' (expected: at most 30d");
  }

  @Test
  void idOfAnotherTrustDomainIsAUsageError() {
    Path out = tmp.resolve("other");

    Cli.Result r =
        Cli.run(
            "ca",
            "issue",
            "--ca",
            caDir.toString(),
            "--spiffe-id",
            "spiffe://us-west.fedmesh.local/ns/default/sa/frontend",
            "--out",
            out.toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .startsWith(
            "fedmesh: error: --spiffe-id: spiffe://us-west.fedmesh.local/ns/default/sa/frontend")
        .contains("is not in trust domain '" + DOMAIN + "'")
        .doesNotContain("\tat ");
    assertThat(out).doesNotExist();
  }

  @Test
  void malformedSpiffeIdIsAUsageError() {
    Cli.Result r =
        Cli.run(
            "ca",
            "issue",
            "--ca",
            caDir.toString(),
            "--spiffe-id",
            "http://x/y",
            "--out",
            tmp.resolve("x").toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("fedmesh: error: --spiffe-id: ");
  }

  @Test
  void missingCaDirIsAUsageErrorNamingIt() {
    Path missing = tmp.resolve("no-such-ca");

    Cli.Result r =
        Cli.run(
            "ca",
            "issue",
            "--ca",
            missing.toString(),
            "--spiffe-id",
            ID,
            "--out",
            tmp.resolve("x").toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .startsWith("fedmesh: error: " + missing + ": no such CA directory (from --ca;")
        .doesNotContain("\tat ");
  }

  @Test
  void caDirComesFromTheEnvironmentWhenNotGiven() throws Exception {
    Path out = tmp.resolve("env");

    Cli.Result r =
        Cli.run(
            Map.of(Inputs.CA_DIR_ENV, caDir.toString()),
            "ca",
            "issue",
            "--spiffe-id",
            ID,
            "--out",
            out.toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(out.resolve("svid.crt")).isRegularFile();
  }

  @Test
  void missingCaDirFromTheEnvironmentSaysWhereItCameFrom() {
    Path missing = tmp.resolve("gone");

    Cli.Result r =
        Cli.run(
            Map.of(Inputs.CA_DIR_ENV, missing.toString()),
            "ca",
            "issue",
            "--spiffe-id",
            ID,
            "--out",
            tmp.resolve("x").toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains(missing + ": no such CA directory (from $FEDMESH_CA_DIR;");
  }

  @Test
  void refusesToOverwriteAnSvidWithoutForce() {
    Path out = tmp.resolve("frontend");
    String[] args = {
      "ca", "issue", "--ca", caDir.toString(), "--spiffe-id", ID, "--out", out.toString()
    };
    assertThat(Cli.run(args).exitCode()).isZero();

    Cli.Result again = Cli.run(args);

    assertThat(again.exitCode()).isEqualTo(2);
    assertThat(again.err()).contains("svid.crt: already exists (use --force to overwrite)");
  }
}
