package io.fedmesh.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.proxy.config.ProxyConfigLoader;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files the data-plane benchmark writes for its chains: fedmesh's ProxyConfig read back with
 * fedmesh's own loader, and the peers' templates filled for the HTTP/2 and gRPC listeners.
 */
class ChainsTest {
  @TempDir Path work;
  private Chains chains;

  @BeforeEach
  void setUp() throws Exception {
    chains = chains(false);
  }

  /** Chains writing into {@link #work}, carrying HTTP/1.1 as HTTP/2 when {@code upgradeHttp1}. */
  private Chains chains(boolean upgradeHttp1) throws Exception {
    return new Chains(
        work,
        work.resolve("certs"),
        work.resolve("cli/target/fedmesh.jar"),
        List.of(),
        false,
        upgradeHttp1);
  }

  private static Service service(ProxySnapshot s, String name) {
    Optional<Service> found = s.service(new ServiceName(name, "default"));
    assertThat(found).as("service %s", name).isPresent();
    return found.get();
  }

  @Test
  void westWithoutHttp2ServesOnlyTheAppThroughItsSidecar() throws Exception {
    ProxySnapshot west = ProxyConfigLoader.load(chains.westConfig("west.yaml", 40001, 0));
    assertThat(service(west, "app").endpoints()).extracting(Endpoint::port).containsExactly(40001);
    assertThat(west.service(new ServiceName(Chains.H2_SERVICE, "default"))).isEmpty();
  }

  @Test
  void westWithHttp2ServesTheH2ServiceThroughTheSecondSidecar() throws Exception {
    ProxySnapshot west = ProxyConfigLoader.load(chains.westConfig("west.yaml", 40001, 40002));
    assertThat(service(west, "app").endpoints()).extracting(Endpoint::port).containsExactly(40001);
    assertThat(service(west, Chains.H2_SERVICE).endpoints())
        .extracting(Endpoint::port)
        .containsExactly(40002);
  }

  @Test
  void eastReachesEachServiceThroughTheGatewayWithItsOwnSni() throws Exception {
    ProxySnapshot east = ProxyConfigLoader.load(chains.eastConfig("east.yaml", 40003, true));
    Endpoint app = service(east, "app").endpoints().get(0);
    Endpoint h2 = service(east, Chains.H2_SERVICE).endpoints().get(0);
    assertThat(app.port()).isEqualTo(40003);
    assertThat(app.sni()).contains(Chains.SNI);
    assertThat(h2.port()).isEqualTo(40003);
    assertThat(h2.sni()).contains(Chains.SNI_H2);
  }

  @Test
  void eastWithoutHttp2HasOnlyTheApp() throws Exception {
    ProxySnapshot east = ProxyConfigLoader.load(chains.eastConfig("east.yaml", 40003, false));
    assertThat(east.service(new ServiceName(Chains.H2_SERVICE, "default"))).isEmpty();
  }

  @Test
  void nginxOutboundListensForH2cAndPassesGrpcOverMtls() throws Exception {
    chains.nginx("outbound", "o", 40010, 40011, 40012);
    String conf = Files.readString(work.resolve("nginx-o/nginx.conf"), StandardCharsets.UTF_8);
    assertThat(conf)
        .contains("listen 127.0.0.1:40010 backlog")
        .contains("listen 127.0.0.1:40011 http2 backlog")
        .contains("location /" + UpstreamApp.GRPC_SERVICE + "/")
        .contains("grpc_pass grpcs://gateway_grpc")
        .contains("grpc_ssl_name " + Chains.SNI)
        .contains("server 127.0.0.1:40012");
  }

  @Test
  void haproxyChainCarriesHttp2ByAlpnToAnH2cApp() throws Exception {
    chains.haproxy("outbound", "o", 40020, 40021, 40022);
    chains.haproxy("inbound", "i", 40022, 0, 40023);
    String out = Files.readString(work.resolve("haproxy-o/haproxy.cfg"), StandardCharsets.UTF_8);
    String in = Files.readString(work.resolve("haproxy-i/haproxy.cfg"), StandardCharsets.UTF_8);
    assertThat(out).contains("bind 127.0.0.1:40021 proto h2").contains("alpn h2\n");
    assertThat(in)
        .contains("alpn h2,http/1.1")
        .contains("use_backend app_h2 if { ssl_fc_alpn -i h2 }")
        .contains("server app 127.0.0.1:40023 proto h2");
    // HTTP/1.1 stays HTTP/1.1 between the proxies unless asked otherwise.
    assertThat(out).doesNotContain("set-header").contains("TLSv1.3\nbackend gateway_h2");
    assertThat(in).doesNotContain("req.hdr").doesNotContain("del-header");
  }

  @Test
  void upgradeCarriesHttp1AsHttp2OnFedmeshAndHaproxyAndHandsTheAppHttp1() throws Exception {
    Chains upgrading = chains(true);
    upgrading.haproxy("outbound", "o", 40030, 40031, 40032);
    upgrading.haproxy("inbound", "i", 40032, 0, 40033);
    String out = Files.readString(work.resolve("haproxy-o/haproxy.cfg"), StandardCharsets.UTF_8);
    String in = Files.readString(work.resolve("haproxy-i/haproxy.cfg"), StandardCharsets.UTF_8);
    // The HTTP/1.1 frontend marks its requests and its backend offers only h2 by ALPN ...
    assertThat(out)
        .contains("bind 127.0.0.1:40030\n  http-request set-header x-bench-upgraded 1\n")
        .contains("TLSv1.3 alpn h2\nbackend gateway_h2");
    // ... and the inbound sends marked requests to the app as HTTP/1.1, before the h2c rule.
    int marked = in.indexOf("use_backend app if { req.hdr(x-bench-upgraded) -m found }");
    assertThat(marked).isPositive().isLessThan(in.indexOf("use_backend app_h2"));
    assertThat(in).contains("http-request del-header x-bench-upgraded\n  server app ");
    assertThat(upgrading.sidecar("c", work.resolve("c.yaml"), "c", null, 1, 2, false).command())
        .contains("--upgrade-http1");
    assertThat(chains.sidecar("c", work.resolve("c.yaml"), "c", null, 1, 2, false).command())
        .doesNotContain("--upgrade-http1");
  }
}
