package io.fedmesh.controller.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fedmesh.api.v1.DiscoveryRequest;
import io.fedmesh.api.v1.Node;
import io.fedmesh.api.v1.ProxyDiscoveryGrpcClient;
import io.fedmesh.api.v1.ProxyKind;
import io.fedmesh.controller.ControllerFixture;
import io.fedmesh.controller.TestProxy;
import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.controller.catalog.EndpointEntry;
import io.fedmesh.controller.catalog.GatewayEntry;
import io.fedmesh.controller.catalog.ImportEntry;
import io.fedmesh.controller.catalog.LocalityCount;
import io.fedmesh.controller.catalog.PolicyEntry;
import io.fedmesh.controller.catalog.PortEntry;
import io.fedmesh.controller.catalog.ProxyEntry;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.ServiceName;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The push over real mTLS gRPC from two real controller replicas to real push clients. */
class PushIT {
  private static final Duration BOUND = Duration.ofSeconds(20);
  private static ControllerFixture fixture;
  private static Catalog catalog;

  @BeforeAll
  static void start() throws Exception {
    fixture = ControllerFixture.start("push-it", 2, b -> {});
    catalog = fixture.first().catalog();
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  private static void service(String ns, String name, boolean exported) {
    fixture.putService(ns, name, exported);
  }

  private static void endpoint(String ns, String svc, String id, String zone) {
    catalog.putEndpoint(
        new EndpointEntry(ns, svc, id, "127.0.0.1", 15006, "push-it", zone, 1, true));
  }

  private static List<String> endpointIds(ProxySnapshot s, String ns, String name) {
    return s.service(new ServiceName(name, ns))
        .map(svc -> svc.endpoints().stream().map(Endpoint::id).sorted().toList())
        .orElse(List.of());
  }

  @Test
  void aProxyGetsAFullSnapshotThenADeltaWhenAnEndpointIsAddedAndItsAckIsRecorded()
      throws Exception {
    service("shop", "cart", false);
    endpoint("shop", "cart", "cart-1", "push-it-a");
    try (TestProxy proxy = TestProxy.sidecar(fixture, "shop", "frontend")) {
      ProxySnapshot first =
          proxy.client.start().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      // The first push is a full snapshot of the replica's catalog view, which follows catalog
      // writes within the debounce: the endpoint written just before may come in it or next.
      await()
          .atMost(BOUND)
          .until(() -> endpointIds(proxy.snapshot(), "shop", "cart").equals(List.of("cart-1")));

      endpoint("shop", "cart", "cart-2", "push-it-b");
      await().atMost(BOUND).until(() -> endpointIds(proxy.snapshot(), "shop", "cart").size() == 2);
      assertThat(proxy.snapshot().version()).isGreaterThan(first.version());
      String version = Long.toString(proxy.snapshot().version());
      await()
          .atMost(BOUND)
          .untilAsserted(
              () ->
                  assertThat(catalog.proxy("frontend-1"))
                      .hasValueSatisfying(
                          p -> {
                            assertThat(p.ackedVersion()).isEqualTo(version);
                            assertThat(p.replica()).isNotEmpty();
                            assertThat(p.kind()).isEqualTo("sidecar");
                          }));
      assertThat(proxy.client.state().connected()).isTrue();
    }
    await()
        .atMost(BOUND)
        .untilAsserted(
            () -> assertThat(catalog.proxy("frontend-1").map(ProxyEntry::replica)).contains(""));
  }

  @Test
  void aResourceTheProxyRejectsIsNackedWithTheReasonNotResentAndTheOldConfigStays()
      throws Exception {
    service("nack", "reviews", false);
    endpoint("nack", "reviews", "reviews-1", "push-it-a");
    try (TestProxy proxy = TestProxy.sidecar(fixture, "nack", "ratings")) {
      proxy.client.start().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      // The replica's view follows the writes above within the debounce: take the good version
      // once it holds them, so no later delta is mistaken for the rejected one.
      await()
          .atMost(BOUND)
          .until(
              () -> endpointIds(proxy.snapshot(), "nack", "reviews").equals(List.of("reviews-1")));
      long good = proxy.snapshot().version();

      catalog.putPolicies(
          List.of(
              new PolicyEntry(
                  "nack",
                  "reviews",
                  "test",
                  "{\"service\":\"reviews\",\"namespace\":\"nack\"," + "\"timeout\":\"3\"}")));
      await()
          .atMost(BOUND)
          .untilAsserted(
              () ->
                  assertThat(catalog.proxy("ratings-1"))
                      .hasValueSatisfying(
                          p -> {
                            assertThat(p.nackedVersion()).isNotEmpty();
                            assertThat(p.nackDetail()).contains("timeout").contains("no unit");
                          }));
      String nacked = catalog.proxy("ratings-1").orElseThrow().nackedVersion();
      assertThat(proxy.snapshot().version()).isEqualTo(good);
      assertThat(proxy.client.state().lastNack()).contains("timeout");

      // The next change goes out as a delta without the rejected policy; the proxy ACKs it.
      endpoint("nack", "reviews", "reviews-2", "push-it-b");
      await()
          .atMost(BOUND)
          .until(() -> endpointIds(proxy.snapshot(), "nack", "reviews").size() == 2);
      String acked = Long.toString(proxy.snapshot().version());
      await()
          .atMost(BOUND)
          .untilAsserted(
              () ->
                  assertThat(catalog.proxy("ratings-1"))
                      .hasValueSatisfying(
                          p -> {
                            assertThat(p.ackedVersion()).isEqualTo(acked);
                            assertThat(p.nackedVersion()).isEqualTo(nacked);
                          }));
      assertThat(Long.parseLong(acked)).isGreaterThan(Long.parseLong(nacked));
    } finally {
      catalog.removePolicy("nack", "reviews");
    }
  }

  @Test
  void importsAppearAsOneEndpointPerRemoteLocalityAtTheOwnersGateway() throws Exception {
    service("mesh", "reviews", true);
    endpoint("mesh", "reviews", "reviews-1", "push-it-a");
    catalog.putGateway(new GatewayEntry("us-west", "127.0.0.9", 15443, true, 0.0, 1L, ""));
    catalog.putImport(
        new ImportEntry(
            "us-west",
            "mesh",
            "reviews",
            List.of(new PortEntry("http", 9080, "http")),
            List.of("spiffe://us-west.fedmesh.local/ns/mesh/sa/reviews"),
            List.of(
                new LocalityCount("us-west", "us-west-a", 3, 3),
                new LocalityCount("us-west", "us-west-b", 0, 2)),
            true));
    try (TestProxy proxy = TestProxy.sidecar(fixture, "mesh", "frontend2")) {
      proxy.client.start().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      await()
          .atMost(BOUND)
          .until(() -> endpointIds(proxy.snapshot(), "mesh", "reviews").size() == 3);
      List<Endpoint> remote =
          proxy
              .snapshot()
              .service(new ServiceName("reviews", "mesh"))
              .orElseThrow()
              .endpoints()
              .stream()
              .filter(Endpoint::isRemote)
              .toList();
      assertThat(remote)
          .extracting(Endpoint::id, Endpoint::weight, Endpoint::healthy, Endpoint::sni)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple(
                  "us-west-us-west-a", 3, true, Optional.of("reviews.mesh.9080.us-west.fedmesh")),
              org.assertj.core.groups.Tuple.tuple(
                  "us-west-us-west-b", 1, false, Optional.of("reviews.mesh.9080.us-west.fedmesh")));
      assertThat(remote).allSatisfy(e -> assertThat(e.address()).isEqualTo("127.0.0.9:15443"));

      // The owner's gateway going unhealthy marks its localities unhealthy.
      catalog.putGateway(new GatewayEntry("us-west", "127.0.0.9", 15443, false, 0.0, 2L, "down"));
      await()
          .atMost(BOUND)
          .until(
              () ->
                  proxy
                      .snapshot()
                      .service(new ServiceName("reviews", "mesh"))
                      .orElseThrow()
                      .endpoints()
                      .stream()
                      .filter(Endpoint::isRemote)
                      .noneMatch(Endpoint::healthy));
    } finally {
      catalog.removeImport(
          new ImportEntry("us-west", "mesh", "reviews", List.of(), List.of(), List.of(), true));
      catalog.removeGateway("us-west");
    }
  }

  @Test
  void aSidecarWhoseNodeDoesNotMatchItsSvidIsRefusedWithPermissionDenied() throws Exception {
    try (TestProxy proxy = TestProxy.sidecar(fixture, "shop", "payments", "frontend")) {
      GrpcClient client =
          GrpcClient.client(
              proxy.vertx,
              proxy
                  .tls
                  .configureClient(new HttpClientOptions(), id -> true)
                  .setProtocolVersion(HttpVersion.HTTP_2)
                  .setUseAlpn(true));
      CompletableFuture<String> status = new CompletableFuture<>();
      client
          .request(
              SocketAddress.inetSocketAddress(fixture.first().mtlsPort(), "127.0.0.1"),
              ProxyDiscoveryGrpcClient.Stream)
          .onSuccess(
              req -> {
                req.response()
                    .onSuccess(
                        resp -> {
                          resp.handler(m -> status.complete("unexpected response " + m));
                          resp.endHandler(
                              v ->
                                  status.complete(
                                      resp.status().name() + ": " + resp.statusMessage()));
                        })
                    .onFailure(status::completeExceptionally);
                req.write(
                    DiscoveryRequest.newBuilder()
                        .setNode(
                            Node.newBuilder()
                                .setProxyId("payments-1")
                                .setCluster("push-it")
                                .setRegion("push-it")
                                .setZone("push-it-a")
                                .setKind(ProxyKind.PROXY_KIND_SIDECAR)
                                .setNamespace("shop")
                                .setWorkload("payments"))
                        .build());
              })
          .onFailure(status::completeExceptionally);
      assertThat(status.get(20, TimeUnit.SECONDS))
          .startsWith("PERMISSION_DENIED")
          .contains("workload 'payments'")
          .contains("/ns/shop/sa/frontend");
      assertThat(
              fixture
                  .first()
                  .context()
                  .meterRegistry()
                  .counter(ProxyPush.REFUSED, "reason", "identity")
                  .count())
          .isGreaterThanOrEqualTo(1.0);
    }
  }

  @Test
  void aGatewayGetsOnlyExportedLocalServices() throws Exception {
    service("gw", "exported", true);
    service("gw", "internal", false);
    endpoint("gw", "exported", "e-1", "push-it-a");
    endpoint("gw", "internal", "i-1", "push-it-a");
    service("gw", "later", true);
    Node node =
        Node.newBuilder()
            .setProxyId("gateway-1")
            .setCluster("push-it")
            .setRegion("push-it")
            .setZone("push-it-a")
            .setKind(ProxyKind.PROXY_KIND_GATEWAY)
            .build();
    try (TestProxy gateway = TestProxy.gateway(fixture, node)) {
      gateway.client.start().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      // The replica's view follows the writes above within the debounce: they come in the first
      // snapshot or the next ones; the internal service in none.
      await()
          .atMost(BOUND)
          .until(
              () ->
                  gateway.snapshot().service(new ServiceName("later", "gw")).isPresent()
                      && gateway.snapshot().service(new ServiceName("exported", "gw")).isPresent());
      assertThat(gateway.snapshot().service(new ServiceName("internal", "gw"))).isEmpty();
    }
  }
}
