package io.fedmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.controller.FederationController;
import io.fedmesh.controller.ca.CatalogJoinTokens;
import io.fedmesh.controller.catalog.PortEntry;
import io.fedmesh.controller.catalog.ServiceEntry;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.push.ControlledProxy;
import io.fedmesh.proxy.push.SystemIdentities;
import io.fedmesh.testing.FreePorts;
import io.fedmesh.trust.bundle.BundleCodec;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.spiffe.TrustDomain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code fedmesh sidecar/gateway --controller ...} against a real controller replica. */
class PushedProxyCommandsIT {
  @TempDir static Path dir;
  private static FederationController controller;
  private static CertificateAuthority ca;
  private static Path bundleFile;

  @BeforeAll
  static void start() throws Exception {
    ca = CertificateAuthority.builder(TrustDomain.of("cli-it.fedmesh.local")).build();
    controller =
        FederationController.builder("cli-it", ca)
            .catalogPort(FreePorts.take(1).get(0))
            .build()
            .start()
            .toCompletionStage()
            .toCompletableFuture()
            .get(60, TimeUnit.SECONDS);
    controller
        .catalog()
        .putService(
            new ServiceEntry(
                "shop",
                "cart",
                List.of(new PortEntry("http", 9080, "http")),
                List.of("spiffe://cli-it.fedmesh.local/ns/shop/sa/cart"),
                true));
    bundleFile = dir.resolve("bundle.json");
    Files.writeString(
        bundleFile,
        BundleCodec.toJson(TrustBundle.of(ca.trustDomain(), List.of(ca.root()), 1, null)));
  }

  @AfterAll
  static void stop() throws Exception {
    controller.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static String token(String id) {
    return new CatalogJoinTokens(controller.catalog(), Clock.systemUTC())
        .issue(io.fedmesh.trust.spiffe.SpiffeId.parse(id), Duration.ofMinutes(5), 1);
  }

  private static String[] pushArgs(String id, String token, String... more) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "--controller",
                "127.0.0.1:" + controller.mtlsPort(),
                "--bootstrap",
                "127.0.0.1:" + controller.bootstrapPort(),
                "--join-token",
                token,
                "--spiffe-id",
                id,
                "--ca-bundle",
                bundleFile.toString(),
                "--cluster",
                "cli-it",
                "--region",
                "cli-it",
                "--zone",
                "cli-it-a"));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  @Test
  void aSidecarBootstrapsItsSvidAndRunsOnPushedConfig() throws Exception {
    String id = "spiffe://cli-it.fedmesh.local/ns/shop/sa/frontend";
    SidecarCommand cmd = new SidecarCommand();
    new CommandLine(cmd)
        .parseArgs(
            pushArgs(
                id,
                token(id),
                "--app-port",
                "8080",
                "--inbound",
                "127.0.0.1:0",
                "--outbound",
                "127.0.0.1:0",
                "--admin",
                "127.0.0.1:0"));
    try (SidecarCommand.Running running = cmd.start()) {
      ControlledProxy pushed = (ControlledProxy) running.configSource();
      assertThat(pushed.tls().currentSvid().id().toString()).isEqualTo(id);
      assertThat(pushed.push().state().connected()).isTrue();
      assertThat(pushed.first().service(new ServiceName("cart", "shop"))).isPresent();
    }
  }

  @Test
  void aGatewayBootstrapsAsTheGatewayIdentityAndRoutesExportedServices() throws Exception {
    String id = SystemIdentities.gateway(ca.trustDomain()).toString();
    GatewayCommand cmd = new GatewayCommand();
    new CommandLine(cmd)
        .parseArgs(pushArgs(id, token(id), "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"));
    try (GatewayCommand.Running running = cmd.start()) {
      assertThat(running.gateway().routes()).isGreaterThanOrEqualTo(1);
    }
  }

  @Test
  void controllerWithoutAJoinTokenNamesWhatIsMissing() {
    Cli.Result r =
        Cli.run(
            "sidecar", "--controller", "127.0.0.1:" + controller.mtlsPort(), "--app-port", "8080");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("with --controller, also give --bootstrap, --join-token");
  }

  @Test
  void configAndControllerTogetherAreRefused() {
    Cli.Result r =
        Cli.run(
            "sidecar", "--config", "x.yaml", "--controller", "127.0.0.1:1", "--app-port", "8080");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("give either --config and --svid");
  }

  @Test
  void aSpentJoinTokenFailsWithTheCasReason() {
    String id = "spiffe://cli-it.fedmesh.local/ns/shop/sa/reused";
    String token = token(id);
    new CatalogJoinTokens(controller.catalog(), Clock.systemUTC())
        .attest(new io.fedmesh.trust.ca.JoinTokenCredential(token));
    Cli.Result r = Cli.run(pushArgsWith("sidecar", id, token));
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("cannot get an SVID for " + id).contains("already used");
  }

  private static String[] pushArgsWith(String command, String id, String token) {
    List<String> args = new java.util.ArrayList<>(List.of(command));
    args.addAll(List.of(pushArgs(id, token, "--app-port", "8080")));
    return args.toArray(String[]::new);
  }
}
