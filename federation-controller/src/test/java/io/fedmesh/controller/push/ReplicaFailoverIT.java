package io.fedmesh.controller.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fedmesh.controller.ControllerFixture;
import io.fedmesh.controller.FederationController;
import io.fedmesh.controller.TestProxy;
import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.controller.catalog.EndpointEntry;
import io.fedmesh.proxy.model.ServiceName;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Killing the replica a proxy streams from: it moves to the other, and the catalog keeps all. */
class ReplicaFailoverIT {
  private static final Duration BOUND = Duration.ofSeconds(15);

  @Test
  void killingTheServingReplicaMovesTheProxyToTheOtherAndLosesNoCatalogState() throws Exception {
    try (ControllerFixture fixture = ControllerFixture.start("failover-it", 2, b -> {});
        TestProxy proxy = TestProxy.sidecar(fixture, "shop", "frontend")) {
      Catalog catalog = fixture.first().catalog();
      fixture.putService("shop", "cart", false);
      for (int i = 1; i <= 20; i++) {
        catalog.putEndpoint(
            new EndpointEntry(
                "shop", "cart", "cart-" + i, "127.0.0.1", 15000 + i, "failover-it", "z", 1, true));
      }
      proxy.client.start().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      await().atMost(BOUND).until(() -> cartEndpoints(proxy) == 20);
      String before = proxy.client.state().replica();
      FederationController serving =
          fixture.replicas.stream()
              .filter(r -> before.endsWith(":" + r.mtlsPort()))
              .findFirst()
              .orElseThrow();
      FederationController survivor =
          fixture.replicas.stream().filter(r -> r != serving).findFirst().orElseThrow();

      // Entries written just now are backed up before the crash (as in any real failure, data
      // written in the instant before a crash with migrations running is at risk).
      await().atMost(BOUND).until(() -> serving.catalog().isSafe());
      serving.kill().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

      await()
          .atMost(BOUND)
          .untilAsserted(
              () -> {
                assertThat(proxy.client.state().connected()).isTrue();
                assertThat(proxy.client.state().replica()).endsWith(":" + survivor.mtlsPort());
              });
      Catalog left = survivor.catalog();
      // Right after a member dies, a query can miss the partitions whose backups are still being
      // promoted; every entry is there once they are (one synchronous backup each).
      await().atMost(BOUND).until(() -> left.endpoints("shop", "cart").size() == 20);
      assertThat(left.service("shop", "cart")).isPresent();
      assertThat(proxy.client.state().reconnects()).isGreaterThanOrEqualTo(1);

      left.putEndpoint(
          new EndpointEntry(
              "shop", "cart", "cart-21", "127.0.0.1", 15021, "failover-it", "z", 1, true));
      await().atMost(BOUND).until(() -> cartEndpoints(proxy) == 21);
      await().atMost(BOUND).untilAsserted(() -> assertThat(survivor.isLeader()).isTrue());
    }
  }

  private static int cartEndpoints(TestProxy proxy) {
    return proxy.snapshot() == null
        ? 0
        : proxy
            .snapshot()
            .service(new ServiceName("cart", "shop"))
            .map(s -> s.endpoints().size())
            .orElse(0);
  }
}
