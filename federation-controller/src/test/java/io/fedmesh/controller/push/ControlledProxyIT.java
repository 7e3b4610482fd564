package io.fedmesh.controller.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.fedmesh.api.v1.Node;
import io.fedmesh.api.v1.ProxyKind;
import io.fedmesh.controller.ControllerFixture;
import io.fedmesh.controller.ca.CatalogJoinTokens;
import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.controller.catalog.EndpointEntry;
import io.fedmesh.controller.catalog.PolicyEntry;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.push.ControlledProxy;
import io.fedmesh.proxy.push.ControllerCallException;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link ControlledProxy}, the way every proxy starts from its controllers, against a real
 * controller replica: join token → SVID → push stream.
 */
class ControlledProxyIT {
  private static final Duration BOUND = Duration.ofSeconds(20);
  private static ControllerFixture fixture;
  private static Catalog catalog;
  private static Vertx vertx;
  private static ScheduledExecutorService scheduler;

  @BeforeAll
  static void start() throws Exception {
    fixture = ControllerFixture.start("cp-it", 1, b -> {});
    catalog = fixture.first().catalog();
    vertx = Vertx.vertx();
    scheduler = Executors.newSingleThreadScheduledExecutor();
  }

  @AfterAll
  static void stop() {
    scheduler.shutdownNow();
    vertx.close();
    fixture.close();
  }

  private static void service(String ns, String name) {
    fixture.putService(ns, name, false);
    catalog.putEndpoint(
        new EndpointEntry(ns, name, name + "-1", "127.0.0.1", 15006, "cp-it", "cp-it-a", 1, true));
  }

  private static ControlledProxy.Builder builder(SpiffeId id) {
    String token =
        new CatalogJoinTokens(catalog, Clock.systemUTC()).issue(id, Duration.ofMinutes(5), 1);
    TrustBundle pinned =
        TrustBundle.of(fixture.ca.trustDomain(), List.of(fixture.ca.root()), 1, null);
    return ControlledProxy.builder(
            vertx,
            id,
            pinned,
            token,
            List.of(SocketAddress.inetSocketAddress(fixture.first().bootstrapPort(), "127.0.0.1")),
            List.of(SocketAddress.inetSocketAddress(fixture.first().mtlsPort(), "127.0.0.1")),
            scheduler)
        .backoff(Duration.ofMillis(50), Duration.ofSeconds(1));
  }

  private static Node node(SpiffeId id, String proxyId) {
    return Node.newBuilder()
        .setProxyId(proxyId)
        .setCluster("cp-it")
        .setRegion("cp-it")
        .setZone("cp-it-a")
        .setKind(ProxyKind.PROXY_KIND_SIDECAR)
        .setNamespace(id.namespace().orElseThrow())
        .setWorkload(id.serviceAccount().orElseThrow())
        .build();
  }

  private static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(BOUND.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void aProxyEnrollsWithItsJoinTokenThenRunsOnThePushedConfig() throws Exception {
    service("cp-shop", "cart");
    SpiffeId id = fixture.ca.trustDomain().workload("cp-shop", "frontend");
    List<ProxySnapshot> seen = new CopyOnWriteArrayList<>();

    ControlledProxy.Enrolled enrolled = get(builder(id).enroll());
    assertThat(enrolled.tls().currentSvid().id()).isEqualTo(id);
    assertThat(enrolled.lastNack()).isEmpty();

    try (ControlledProxy proxy = get(enrolled.connect(node(id, "frontend-cp"), seen::add))) {
      assertThat(proxy.first()).isSameAs(seen.get(0));
      assertThat(proxy.push().state().connected()).isTrue();
      assertThat(proxy.tls().currentSvid().id()).isEqualTo(id);
      // The replica's view follows catalog writes within its debounce: the service written just
      // before may come in the first snapshot or the next.
      await()
          .atMost(BOUND)
          .until(
              () ->
                  proxy.push().snapshot().service(new ServiceName("cart", "cp-shop")).isPresent());
      assertThat(catchThrowable(() -> enrolled.connect(node(id, "frontend-cp"), seen::add)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already");
    }
  }

  @Test
  void aSpentJoinTokenFailsEnrollmentWithTheCasReason() throws Exception {
    SpiffeId id = fixture.ca.trustDomain().workload("cp-shop", "reused");
    ControlledProxy.Builder b = builder(id);
    get(b.enroll()).close();

    Throwable t = catchThrowable(() -> get(b.enroll()));
    assertThat(t).isInstanceOf(java.util.concurrent.ExecutionException.class);
    assertThat(t.getCause())
        .isInstanceOf(ControllerCallException.class)
        .hasMessageContaining("already used");
  }

  @Test
  void aFirstConfigTheProxyRejectsKeepsConnectPendingAndLastNackSaysWhy() throws Exception {
    service("cp-nack", "reviews");
    catalog.putPolicies(
        List.of(
            new PolicyEntry(
                "cp-nack",
                "reviews",
                "test",
                "{\"service\":\"reviews\",\"namespace\":\"cp-nack\",\"timeout\":\"3\"}")));
    SpiffeId id = fixture.ca.trustDomain().workload("cp-nack", "ratings");
    try (ControlledProxy.Enrolled enrolled = get(builder(id).enroll())) {
      Future<ControlledProxy> connecting = enrolled.connect(node(id, "ratings-cp"), s -> {});
      await().atMost(BOUND).until(() -> enrolled.lastNack().contains("timeout"));
      assertThat(enrolled.lastNack()).contains("no unit");
      assertThat(
              catchThrowable(
                  () ->
                      connecting
                          .toCompletionStage()
                          .toCompletableFuture()
                          .get(500, TimeUnit.MILLISECONDS)))
          .isInstanceOf(TimeoutException.class);
    } finally {
      catalog.removePolicy("cp-nack", "reviews");
    }
  }
}
