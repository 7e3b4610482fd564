package io.fedmesh.controller.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import io.fedmesh.testing.FreePorts;
import io.fedmesh.testing.TestPki;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.spiffe.TrustDomain;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two real Hazelcast members on loopback: one catalog, any replica, no state lost with one. */
class CatalogIT {
  private static HazelcastInstance first;
  private static HazelcastInstance second;

  @BeforeAll
  static void start() {
    List<Integer> ports = FreePorts.take(2);
    List<String> members = List.of("127.0.0.1:" + ports.get(0), "127.0.0.1:" + ports.get(1));
    String cluster = "catalog-it-" + ports.get(0);
    first = new CatalogMember(cluster, "127.0.0.1", ports.get(0), members).start();
    second = new CatalogMember(cluster, "127.0.0.1", ports.get(1), members).start();
    await().atMost(Duration.ofSeconds(30)).until(() -> first.getCluster().getMembers().size() == 2);
  }

  @AfterAll
  static void stop() {
    if (first != null) {
      first.shutdown();
    }
    if (second != null && second.getLifecycleService().isRunning()) {
      second.shutdown();
    }
  }

  @Test
  void aServiceWrittenOnOneReplicaIsReadOnTheOtherWithItsEndpoints() {
    Catalog a = Catalog.of(first);
    Catalog b = Catalog.of(second);
    a.putService(
        new ServiceEntry(
            "shop",
            "cart",
            List.of(new PortEntry("http", 9080, "http")),
            List.of("spiffe://us-east.fedmesh.local/ns/shop/sa/cart"),
            true));
    a.putEndpoint(
        new EndpointEntry("shop", "cart", "cart-1", "127.0.0.1", 15006, "us-east", "a", 1, true));
    a.putEndpoint(
        new EndpointEntry("shop", "cart", "cart-2", "127.0.0.2", 15006, "us-east", "b", 2, true));
    a.putEndpoint(
        new EndpointEntry("shop", "carts", "x-1", "127.0.0.3", 15006, "us-east", "b", 1, true));

    assertThat(b.service("shop", "cart")).map(ServiceEntry::exported).contains(true);
    assertThat(b.endpoints("shop", "cart"))
        .extracting(EndpointEntry::id)
        .containsExactly("cart-1", "cart-2");

    b.removeService("shop", "cart");
    assertThat(a.service("shop", "cart")).isEmpty();
    assertThat(a.endpoints("shop", "cart")).isEmpty();
    assertThat(a.endpoints("shop", "carts")).hasSize(1);
  }

  @Test
  void listenersOnOneReplicaSeeChangesMadeOnTheOther() {
    List<Catalog.Change> seen = new CopyOnWriteArrayList<>();
    Catalog a = Catalog.of(first);
    List<java.util.UUID> handle = a.onChange(seen::add);
    try {
      Catalog.of(second)
          .putGateway(new GatewayEntry("us-west", "127.0.0.1", 16443, true, 0.1, 1L, ""));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> seen.contains(new Catalog.Change(Catalog.GATEWAYS, "us-west")));
    } finally {
      a.removeListener(handle);
    }
  }

  @Test
  void aBundleNeverGoesBackToAnOlderSequence() {
    Catalog a = Catalog.of(first);
    TrustDomain td = TrustDomain.of("seq.fedmesh.local");
    var root1 = TestPki.root("seq-one.fedmesh.local").certificate();
    var root2 = TestPki.root("seq-two.fedmesh.local").certificate();
    assertThat(a.putBundle(TrustBundle.of(td, List.of(root1), 5, null))).isTrue();
    assertThat(a.putBundle(TrustBundle.of(td, List.of(root2), 4, null))).isFalse();
    assertThat(a.bundle(td)).map(TrustBundle::sequence).contains(5L);
    assertThat(a.putBundle(TrustBundle.of(td, List.of(root2), 6, null))).isTrue();
    assertThat(Catalog.of(second).bundle(td).orElseThrow().x509Authorities())
        .containsExactly(root2);
  }

  @Test
  void stateMapNamesAreChecked() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Catalog.of(first).state("Bad Name"))
        .hasMessageContaining("state map name: 'Bad Name'");
  }
}
