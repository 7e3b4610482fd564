package io.fedmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.internal.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaInspectCommandTest {
  static final String ID = "spiffe://us-east.fedmesh.local/ns/default/sa/frontend";

  @TempDir Path tmp;
  Path caDir;
  Path svidFile;
  X509Certificate leaf;

  @BeforeEach
  void issueAnSvid() {
    caDir = tmp.resolve("ca");
    Path out = tmp.resolve("frontend");
    assertThat(
            Cli.run(
                    "ca",
                    "init",
                    "--trust-domain",
                    "us-east.fedmesh.local",
                    "--out",
                    caDir.toString())
                .exitCode())
        .isZero();
    assertThat(
            Cli.run(
                    "ca",
                    "issue",
                    "--ca",
                    caDir.toString(),
                    "--spiffe-id",
                    ID,
                    "--out",
                    out.toString())
                .exitCode())
        .isZero();
    svidFile = out.resolve("svid.crt");
    leaf = Pem.certificates(Pem.readFile(svidFile), "svid").get(0);
  }

  @Test
  void printsSpiffeIdFingerprintAndExpiry() {
    Cli.Result r = Cli.run("ca", "inspect", svidFile.toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        .contains(svidFile + ": 1 certificate")
        .contains("SPIFFE ID:   " + ID)
        .contains("SHA-256:     " + CertificateFacts.fingerprint(leaf))
        .contains("CA:          no")
        .contains("key:         EC P-256")
        .contains("(expires in 1d)");
  }

  @Test
  void caDirectoryShowsTheCaCertificate() {
    Cli.Result r = Cli.run("ca", "inspect", caDir.toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        .contains(caDir.resolve("ca.crt").toString())
        .contains("CA:          yes (pathLen 1)")
        .contains("SPIFFE ID:   spiffe://us-east.fedmesh.local");
  }

  @Test
  void jsonOutputParses() throws Exception {
    Cli.Result r = Cli.run("ca", "inspect", "-o", "json", svidFile.toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.get("file").asText()).isEqualTo(svidFile.toString());
    JsonNode cert = json.get("certificates").get(0);
    assertThat(cert.get("spiffeId").asText()).isEqualTo(ID);
    assertThat(cert.get("sha256").asText()).isEqualTo(CertificateFacts.fingerprint(leaf));
    assertThat(cert.get("ca").asBoolean()).isFalse();
    assertThat(cert.get("keyAlgorithm").asText()).isEqualTo("EC P-256");
    assertThat(cert.get("status").asText()).isEqualTo("valid");
    assertThat(cert.get("notAfter").asText()).isEqualTo(Cli.NOW.plusSeconds(86_400).toString());
  }

  @Test
  void intermediateChainListsEveryCertificate() {
    Path inter = tmp.resolve("inter");
    Cli.Result init =
        Cli.run(
            "ca",
            "init",
            "--trust-domain",
            "us-east.fedmesh.local",
            "--out",
            inter.toString(),
            "--root-cert",
            caDir.resolve(CertificateAuthority.CERT_FILE).toString(),
            "--root-key",
            caDir.resolve(CertificateAuthority.KEY_FILE).toString());
    assertThat(init.exitCode()).as(init.err()).isZero();

    Cli.Result r = Cli.run("ca", "inspect", inter.toString());

    assertThat(r.out())
        .contains("2 certificates", "[1] ", "[2] ", "yes (pathLen 0)", "yes (pathLen 1)");
  }

  @Test
  void garbageIsAUsageErrorWithoutStackTrace() throws Exception {
    Path garbage = tmp.resolve("garbage.pem");
    Files.writeString(garbage, "this is not a certificate\n");

    Cli.Result r = Cli.run("ca", "inspect", garbage.toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("fedmesh: error: " + garbage + ": ").doesNotContain("\tat ");
    assertThat(r.err().lines()).hasSize(1);
  }

  @Test
  void truncatedPemIsAUsageErrorWithoutStackTrace() throws Exception {
    String pem = Files.readString(svidFile);
    Path truncated = tmp.resolve("truncated.pem");
    Files.writeString(truncated, pem.substring(0, pem.length() / 2));

    Cli.Result r = Cli.run("ca", "inspect", truncated.toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("fedmesh: error: " + truncated).doesNotContain("\tat ");
  }

  @Test
  void corruptCertificateBodyIsAUsageError() throws Exception {
    Path corrupt = tmp.resolve("corrupt.pem");
    Files.writeString(
        corrupt, "-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n");

    Cli.Result r = Cli.run("ca", "inspect", corrupt.toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("not a valid X.509 certificate").doesNotContain("\tat ");
  }

  @Test
  void missingFileIsAUsageError() {
    Path missing = tmp.resolve("missing.pem");

    Cli.Result r = Cli.run("ca", "inspect", missing.toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("fedmesh: error: " + missing + ": no such file\n");
  }

  @Test
  void unknownOutputFormatIsAUsageError() {
    Cli.Result r = Cli.run("ca", "inspect", "-o", "yaml", svidFile.toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--output", "yaml", "text, json");
  }
}
