package io.fedmesh.controller.peering;

import static io.fedmesh.controller.peering.PeerCluster.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fedmesh.controller.catalog.LinkEntry;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * us-east runs two real controller replicas: only the leader (oldest member) dials the peering
 * stream; when it dies the other replica becomes leader and redials, with the link, bundle and
 * export set still in the catalog.
 */
class PeeringLeaderIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private PeerCluster east;
  private PeerCluster west;

  @BeforeEach
  void start() throws Exception {
    east = new PeerCluster("us-east", 2, b -> {});
    west = new PeerCluster("us-west");
    west.service("reviews", true, 9080, 1, 1);
  }

  @AfterEach
  void stop() throws Exception {
    east.close();
    west.close();
  }

  @Test
  void onlyTheLeaderDialsAndTheNextLeaderRedialsWhenItDies() throws Exception {
    // The leader is the oldest member, usually but not always the first started.
    int l = east.controllers.replicas.get(0).isLeader() ? 0 : 1;
    int f = 1 - l;
    Peering leader = east.extensions.get(l).peering();
    Peering follower = east.extensions.get(f).peering();
    assertThat(east.controllers.replicas.get(l).isLeader()).isTrue();
    await(follower.link(west.token()));
    await().atMost(WAIT).until(() -> leader.connectedClusters().contains("us-west"));
    assertThat(follower.connectedClusters()).isEmpty();

    await(east.controllers.replicas.get(l).kill());
    await().atMost(WAIT).until(() -> east.controllers.replicas.get(f).isLeader());
    await().atMost(WAIT).until(() -> follower.connectedClusters().contains("us-west"));
    await()
        .atMost(WAIT)
        .until(
            () ->
                west.catalog.link("us-east").map(LinkEntry::state).orElse("").equals("connected")
                    && east.controllers
                        .replicas
                        .get(f)
                        .catalog()
                        .link("us-west")
                        .map(LinkEntry::state)
                        .orElse("")
                        .equals("connected"));
    assertThat(RemoteExports.of(east.controllers.replicas.get(f).catalog(), "us-west")).isPresent();
  }
}
