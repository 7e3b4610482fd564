package io.fedmesh.controller.gatewayhealth;

import static io.fedmesh.controller.peering.PeerCluster.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fedmesh.controller.catalog.GatewayEntry;
import io.fedmesh.controller.peering.PeerAddress;
import io.fedmesh.controller.peering.PeerCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * us-east's leader probes us-west's real gateway over mTLS after linking. Pass/fail is counted in
 * probes, not wall-clock time; the probes keep the default interval (also each probe's deadline),
 * since a first probe's mTLS handshake on a loaded machine can outlast a shorter one, and the
 * counts asserted are those the gateway's stop and restart caused.
 */
class GatewayProberIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private PeerCluster east;
  private PeerCluster west;
  private GatewayProber prober;

  @BeforeEach
  void start() throws Exception {
    east = new PeerCluster("us-east");
    west = new PeerCluster("us-west");
    await(east.peering.link(west.token()));
    await()
        .atMost(WAIT)
        .until(
            () ->
                PeerAddress.of(east.catalog, "us-west")
                        .map(PeerAddress::gatewayHealthPort)
                        .orElse(0)
                    == west.gateway.healthPort());
    prober =
        GatewayProber.builder(east.vertx, east.catalog, east.controllerTls)
            .meterRegistry(registry)
            .build();
    prober.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (prober != null) {
      await(prober.close());
    }
    east.close();
    west.close();
  }

  private double probes(String result) {
    return registry
        .counter(GatewayProber.METRIC_PROBES, "cluster", "us-west", "result", result)
        .count();
  }

  private double transitions(String to) {
    return registry
        .counter(GatewayProber.METRIC_TRANSITIONS, "cluster", "us-west", "to", to)
        .count();
  }

  private GatewayEntry gateway() {
    return east.catalog.gateway("us-west").orElseThrow();
  }

  @Test
  void aGatewayThatStopsAnsweringIsUnhealthyAfterThreeFailedProbesAndBackAfterTwoGoodOnes()
      throws Exception {
    await().atMost(WAIT).until(() -> gateway().detail().isEmpty() && probes("ok") >= 1);
    assertThat(gateway().healthy()).isTrue();
    double failedBefore = probes("failed");
    double toUnhealthyBefore = transitions("unhealthy");
    double toHealthyBefore = transitions("healthy");
    // A healthy gateway was never marked down (a slow first probe may fail alone, not three in
    // a row on a kept connection).
    assertThat(toUnhealthyBefore).isZero();

    west.stopGateway();
    await().atMost(WAIT).until(() -> !gateway().healthy());
    assertThat(gateway().detail()).startsWith("3 consecutive probes failed, last: ");
    assertThat(probes("failed") - failedBefore).isGreaterThanOrEqualTo(3.0);
    assertThat(transitions("unhealthy") - toUnhealthyBefore).isEqualTo(1.0);

    double okBefore = probes("ok");
    west.restartGateway();
    await().atMost(WAIT).until(() -> gateway().healthy());
    assertThat(probes("ok") - okBefore).isGreaterThanOrEqualTo(2.0);
    assertThat(gateway().detail()).isEmpty();
    assertThat(transitions("healthy") - toHealthyBefore).isEqualTo(1.0);
  }

  @Test
  void aReplicaThatIsNotLeaderDoesNotProbe() throws Exception {
    SimpleMeterRegistry follower = new SimpleMeterRegistry();
    GatewayProber idle =
        GatewayProber.builder(east.vertx, east.catalog, east.controllerTls)
            .interval(Duration.ofMillis(50))
            .leader(() -> false)
            .meterRegistry(follower)
            .build();
    idle.start();
    try {
      // The leader's probes prove time passed; the follower made none meanwhile.
      await().atMost(WAIT).until(() -> probes("ok") >= 5);
      assertThat(follower.find(GatewayProber.METRIC_PROBES).counters()).isEmpty();
    } finally {
      await(idle.close());
    }
  }
}
