package io.fedmesh.mirror;

import static io.fedmesh.controller.peering.PeerCluster.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fedmesh.controller.catalog.ImportEntry;
import io.fedmesh.controller.catalog.LinkEntry;
import io.fedmesh.controller.catalog.LocalityCount;
import io.fedmesh.controller.gatewayhealth.GatewayHealthExtension;
import io.fedmesh.controller.peering.PeerCluster;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * End to end: two clusters' controller replicas (peering, service mirror and gateway probing
 * installed as extensions) linked with a token through real gateways. What one exports the other
 * imports; a peering stream lost beyond the bound makes the imports unreachable, the reconnect
 * restores them; unlink removes them.
 */
class MirrorPeeringIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  // Not shorter: a first mTLS probe or a pause on a loaded machine must not make a healthy import
  // unreachable.
  private static final Duration BOUND = Duration.ofSeconds(1);
  private PeerCluster east;
  private PeerCluster west;

  @BeforeEach
  void start() throws Exception {
    east = cluster("us-east");
    west = cluster("us-west");
    west.service("reviews", true, 9080, 2, 2);
    east.service("frontend", true, 8080, 1, 1);
    await(east.peering.link(west.token()));
  }

  /** A controller replica with peering, the service mirror and gateway probing installed. */
  private static PeerCluster cluster(String name) throws Exception {
    return new PeerCluster(
        name,
        1,
        p -> {},
        b ->
            b.extension(MirrorExtension.of(m -> m.lostBound(BOUND)))
                .extension(GatewayHealthExtension.of(g -> g.interval(Duration.ofMillis(250)))));
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {east, west}) {
      if (c != null) {
        c.close();
      }
    }
  }

  private static Optional<ImportEntry> imported(PeerCluster at, String from, String name) {
    return at.catalog.imports(from).stream().filter(i -> i.name().equals(name)).findFirst();
  }

  @Test
  void eachSideImportsWhatTheOtherExports() {
    await().atMost(WAIT).until(() -> imported(east, "us-west", "reviews").isPresent());
    await().atMost(WAIT).until(() -> imported(west, "us-east", "frontend").isPresent());
    ImportEntry reviews = imported(east, "us-west", "reviews").orElseThrow();
    assertThat(reviews.reachable()).isTrue();
    assertThat(reviews.localities())
        .containsExactly(new LocalityCount("us-west", "us-west-a", 2, 2));
    // Endpoint health travels with the export.
    west.catalog.putEndpoint(
        west.catalog.endpoints("default", "reviews").get(0).withHealthy(false));
    await()
        .atMost(WAIT)
        .until(
            () ->
                imported(east, "us-west", "reviews")
                    .map(i -> i.localities().get(0).healthy() == 1)
                    .orElse(false));
  }

  @Test
  void aLostStreamMakesImportsUnreachableAndTheReconnectRestoresThem() throws Exception {
    await().atMost(WAIT).until(() -> imported(east, "us-west", "reviews").isPresent());
    west.stopGateway();
    await()
        .atMost(WAIT)
        .until(() -> !imported(east, "us-west", "reviews").orElseThrow().reachable());
    assertThat(east.catalog.link("us-west").map(LinkEntry::state)).contains("lost");
    await().atMost(WAIT).until(() -> !east.catalog.gateway("us-west").orElseThrow().healthy());
    west.restartGateway();
    await()
        .atMost(WAIT)
        .until(() -> imported(east, "us-west", "reviews").orElseThrow().reachable());
    await().atMost(WAIT).until(() -> east.catalog.gateway("us-west").orElseThrow().healthy());
  }

  @Test
  void unlinkRemovesTheImportsOnBothSides() throws Exception {
    await().atMost(WAIT).until(() -> imported(west, "us-east", "frontend").isPresent());
    await().atMost(WAIT).until(() -> imported(east, "us-west", "reviews").isPresent());
    await(east.peering.unlink("us-west"));
    await()
        .atMost(WAIT)
        .until(() -> east.catalog.imports().isEmpty() && west.catalog.imports().isEmpty());
  }
}
