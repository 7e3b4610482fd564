package io.fedmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.sidecar.tracing.TracingOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

  private Cli.Result sidecarWith(String... extra) throws Exception {
    String[] base = {
      "sidecar", "--config", config().toString(), "--svid", dir.toString(), "--app-port", "8080"
    };
    String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return Cli.run(args);
  }

  @Test
  void sidecarTracingFlagsBecomeTheTracingOptions() {
    SidecarCommand cmd = new SidecarCommand();
    new picocli.CommandLine(cmd)
        .parseArgs(
            "--config",
            "p.yaml",
            "--svid",
            "d",
            "--app-port",
            "8080",
            "--otlp-endpoint",
            "http://127.0.0.1:4318",
            "--trace-sample-ratio",
            "0.25",
            "--trace-propagation",
            "tracecontext,b3");
    TracingOptions o = cmd.tracingOptions();
    assertThat(o.otlpEndpoint()).contains(URI.create("http://127.0.0.1:4318/v1/traces"));
    assertThat(o.sampleRatio()).isEqualTo(0.25);
    assertThat(o.propagation())
        .containsExactlyInAnyOrder(
            TracingOptions.Propagation.TRACECONTEXT, TracingOptions.Propagation.B3);
  }

  @Test
  void sidecarTracingDefaultsExportNothing() {
    SidecarCommand cmd = new SidecarCommand();
    new picocli.CommandLine(cmd)
        .parseArgs("--config", "p.yaml", "--svid", "d", "--app-port", "8080");
    TracingOptions o = cmd.tracingOptions();
    assertThat(o.otlpEndpoint()).isEmpty();
    assertThat(o.sampleRatio()).isEqualTo(TracingOptions.DEFAULT_SAMPLE_RATIO);
    assertThat(o.propagation()).isEqualTo(TracingOptions.DEFAULT_PROPAGATION);
  }

  @Test
  void sidecarUpgradesHttp1OnlyWhenAsked() {
    assertThat(parsedSidecar().upgradeHttp1).isFalse();
    assertThat(parsedSidecar("--upgrade-http1").upgradeHttp1).isTrue();
  }

  /** A sidecar command parsed from its required options and {@code more}. */
  private static SidecarCommand parsedSidecar(String... more) {
    List<String> args = new ArrayList<>(List.of("--config", "p.yaml", "--svid", "d"));
    args.addAll(List.of("--app-port", "8080"));
    args.addAll(List.of(more));
    SidecarCommand cmd = new SidecarCommand();
    new picocli.CommandLine(cmd).parseArgs(args.toArray(String[]::new));
    return cmd;
  }

  @Test
  void sidecarRejectsAnOtlpGrpcEndpoint() throws Exception {
    Cli.Result r = sidecarWith("--otlp-endpoint", "grpc://collector:4317");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("--otlp-endpoint: 'grpc://collector:4317' (expected: an http:// or https:// URL")
        .contains("OTLP/gRPC is not supported");
  }

  @Test
  void sidecarRejectsAnOtlpEndpointWithoutHost() throws Exception {
    Cli.Result r = sidecarWith("--otlp-endpoint", "http:///v1/traces");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--otlp-endpoint: 'http:///v1/traces' has no host");
  }

  @Test
  void sidecarRejectsASampleRatioAboveOne() throws Exception {
    Cli.Result r = sidecarWith("--trace-sample-ratio", "1.5");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--trace-sample-ratio: 1.5 (expected: 0.0..1.0)");
  }

  @Test
  void sidecarRejectsAnUnknownPropagationFormat() throws Exception {
    Cli.Result r = sidecarWith("--trace-propagation", "tracecontext,jaeger");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("--trace-propagation: 'jaeger' (expected: tracecontext, b3, b3multi)");
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
