package io.fedmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedmesh.trust.bundle.BundleCodec;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.spiffe.TrustDomain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleCommandsTest {
  static final String DOMAIN = "us-east.fedmesh.local";

  @TempDir Path tmp;
  Path caDir;
  CertificateAuthority ca;

  @BeforeEach
  void createCa() {
    caDir = tmp.resolve("ca");
    assertThat(
            Cli.run("ca", "init", "--trust-domain", DOMAIN, "--out", caDir.toString()).exitCode())
        .isZero();
    ca = CertificateAuthority.load(caDir, Cli.CLOCK);
  }

  @Test
  void exportToStdoutIsTheBundleAlone() {
    Cli.Result r = Cli.run("bundle", "export", "--ca", caDir.toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
    TrustBundle bundle = BundleCodec.parse(TrustDomain.of(DOMAIN), r.out(), "stdout");
    assertThat(bundle.x509Authorities()).containsExactly(ca.root());
    assertThat(bundle.sequence()).isEqualTo(1);
    assertThat(bundle.refreshHint()).isEmpty();
  }

  @Test
  void exportThenInspectRoundTrips() throws Exception {
    Path file = tmp.resolve("out/us-east.json");

    Cli.Result export =
        Cli.run(
            "bundle",
            "export",
            "--ca",
            caDir.toString(),
            "--out",
            file.toString(),
            "--sequence",
            "7",
            "--refresh-hint",
            "5m");

    assertThat(export.exitCode()).as(export.err()).isZero();
    assertThat(export.out()).isEmpty();
    TrustBundle bundle =
        BundleCodec.parse(TrustDomain.of(DOMAIN), Files.readAllBytes(file), file.toString());
    assertThat(bundle.sequence()).isEqualTo(7);
    assertThat(bundle.refreshHint()).contains(Duration.ofMinutes(5));

    Cli.Result inspect = Cli.run("bundle", "inspect", file.toString(), "--trust-domain", DOMAIN);

    assertThat(inspect.exitCode()).as(inspect.err()).isZero();
    assertThat(inspect.out())
        .contains("trust domain:   " + DOMAIN)
        .contains("sequence:       7")
        .contains("refresh hint:   5m")
        .contains("X.509 authorities: 1")
        .contains("SHA-256:  " + CertificateFacts.fingerprint(ca.root()))
        .contains("expires in 3650d");
  }

  @Test
  void inspectAsJson() throws Exception {
    Path file = caDir.resolve("bundle.json");

    Cli.Result r =
        Cli.run("bundle", "inspect", file.toString(), "--trust-domain", DOMAIN, "-o", "json");

    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.get("trustDomain").asText()).isEqualTo(DOMAIN);
    assertThat(json.get("sequence").asLong()).isEqualTo(1);
    assertThat(json.get("refreshHintSeconds").isNull()).isTrue();
    assertThat(json.get("authorities").get(0).get("sha256").asText())
        .isEqualTo(CertificateFacts.fingerprint(ca.root()));
  }

  @Test
  void inspectOfInvalidJsonIsAUsageErrorWithTheCodecsMessage() throws Exception {
    Path file = tmp.resolve("bad.json");
    Files.writeString(file, "{\"keys\": [");

    Cli.Result r = Cli.run("bundle", "inspect", file.toString(), "--trust-domain", DOMAIN);

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("fedmesh: error: " + file).doesNotContain("\tat ");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void inspectOfABundleWithoutAuthoritiesIsAUsageError() throws Exception {
    Path file = tmp.resolve("empty.json");
    Files.writeString(file, "{\"keys\": [], \"spiffe_sequence\": 3}");

    Cli.Result r = Cli.run("bundle", "inspect", file.toString(), "--trust-domain", DOMAIN);

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("fedmesh: error: ").doesNotContain("\tat ");
  }

  @Test
  void inspectWithoutTrustDomainIsAUsageError() {
    Cli.Result r = Cli.run("bundle", "inspect", caDir.resolve("bundle.json").toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("Missing required option: '--trust-domain=DOMAIN'");
  }

  @Test
  void exportWithNegativeSequenceIsAUsageError() {
    Cli.Result r = Cli.run("bundle", "export", "--ca", caDir.toString(), "--sequence", "-1");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--sequence: -1 (expected: 0 or more)");
  }

  @Test
  void exportWithBadRefreshHintIsAUsageError() {
    Cli.Result r = Cli.run("bundle", "export", "--ca", caDir.toString(), "--refresh-hint", "soon");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("--refresh-hint: 'soon' (expected: a duration like 90s, 30m, 24h, 365d)");
  }
}
