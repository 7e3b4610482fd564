package io.fedmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to the long-running commands fails fast with exit 2 and one clear line. */
class ProxyCommandsTest {
  @TempDir Path dir;

  private Path config() throws Exception {
    Path f = dir.resolve("p.yaml");
    Files.writeString(
        f,
        "apiVersion: fedmesh.io/v1alpha1\nkind: ProxyConfig\ncluster: us-east\n"
            + "locality: {region: us-east, zone: us-east-1a}\n");
    return f;
  }

  @Test
  void sidecarWithoutAnSvidDirectoryNamesIt() throws Exception {
    Cli.Result r =
        Cli.run(
            "sidecar",
            "--config",
            config().toString(),
            "--svid",
            dir.resolve("nope").toString(),
            "--app-port",
            "8080");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--svid: ").contains("nope: no such directory");
  }

  @Test
  void sidecarRejectsAMalformedListenAddress() throws Exception {
    Cli.Result r =
        Cli.run(
            "sidecar",
            "--config",
            config().toString(),
            "--svid",
            dir.toString(),
            "--app-port",
            "8080",
            "--inbound",
            "15006");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--inbound: '15006' (expected: HOST:PORT");
  }

  @Test
  void sidecarRejectsAnAppPortOutOfRange() throws Exception {
    Cli.Result r =
        Cli.run(
            "sidecar",
            "--config",
            config().toString(),
            "--svid",
            dir.toString(),
            "--app-port",
            "70000");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--app-port: 70000 (expected: 1..65535)");
  }

  @Test
  void sidecarRejectsATcpAppPortOutOfRange() throws Exception {
    Cli.Result r =
        Cli.run(
            "sidecar",
            "--config",
            config().toString(),
            "--svid",
            dir.toString(),
            "--app-port",
            "8080",
            "--tcp-app-port",
            "5432=99999");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--tcp-app-port: '5432=99999': port '99999' (expected: 1..65535)");
  }

  @Test
  void sidecarRejectsAMalformedTcpListen() throws Exception {
    Cli.Result r =
        Cli.run(
            "sidecar",
            "--config",
            config().toString(),
            "--svid",
            dir.toString(),
            "--app-port",
            "8080",
            "--tcp-listen",
            "db:5432");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains(
            "--tcp-listen: 'db:5432' (expected: SVC.NS:PORT=LOCAL_PORT, e.g. db.shop:5432=15432)");
  }

  @Test
  void gatewayWithABadConfigPointsAtTheLine() throws Exception {
    Path f = dir.resolve("bad.yaml");
    Files.writeString(
        f,
        "apiVersion: fedmesh.io/v1alpha1\nkind: ProxyConfig\ncluster: us-east\nlocality: {region: us-east, zone: us-east-1a}\nservicez: []\n");
    Cli.Result r =
        Cli.run(
            "gateway",
            "--config",
            f.toString(),
            "--listen",
            "127.0.0.1:0",
            "--admin",
            "127.0.0.1:0");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("bad.yaml:5:").contains("servicez");
  }

  @Test
  void gatewayWithAMissingConfigNamesTheFile() {
    Cli.Result r = Cli.run("gateway", "--config", dir.resolve("missing.yaml").toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("missing.yaml");
  }
}
