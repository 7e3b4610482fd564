package io.fedmesh.proxy.routing;

import static io.fedmesh.proxy.routing.Endpoints.EAST_ZONE_A;
import static io.fedmesh.proxy.routing.Endpoints.local;
import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.HealthCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ActiveHealthCheckerTest {
  private static final Endpoint A1 = local("a1", EAST_ZONE_A);
  private static final Endpoint A2 = local("a2", EAST_ZONE_A);
  private static final HealthCheck THREE_DOWN_TWO_UP =
      new HealthCheck(Duration.ofSeconds(1), Duration.ofMillis(500), 3, 2, "/healthz");

  private final List<String> events = new ArrayList<>();
  private final ActiveHealthChecker checker =
      new ActiveHealthChecker(
          THREE_DOWN_TWO_UP, (e, healthy) -> events.add(e.id() + (healthy ? " up" : " down")));

  @Test
  void endpointStartsHealthy() {
    assertThat(checker.isHealthy(A1)).isTrue();
    assertThat(checker.state(A1).isHealthy()).isTrue();
  }

  @Test
  void unhealthyAfterUnhealthyThresholdFailuresInARow() {
    assertThat(checker.onProbeResult(A1, false)).isFalse();
    assertThat(checker.onProbeResult(A1, false)).isFalse();
    assertThat(checker.isHealthy(A1)).isTrue();

    assertThat(checker.onProbeResult(A1, false)).isTrue();

    assertThat(checker.isHealthy(A1)).isFalse();
    assertThat(checker.isHealthy(A2)).isTrue();
    assertThat(events).containsExactly("a1 down");
  }

  @Test
  void passingProbeResetsTheFailureRun() {
    checker.onProbeResult(A1, false);
    checker.onProbeResult(A1, false);
    checker.onProbeResult(A1, true);
    checker.onProbeResult(A1, false);
    checker.onProbeResult(A1, false);

    assertThat(checker.isHealthy(A1)).isTrue();
    assertThat(events).isEmpty();
  }

  @Test
  void healthyAgainAfterHealthyThresholdPassesInARow() {
    for (int i = 0; i < 3; i++) {
      checker.onProbeResult(A1, false);
    }

    assertThat(checker.onProbeResult(A1, true)).isFalse();
    assertThat(checker.isHealthy(A1)).isFalse();
    assertThat(checker.onProbeResult(A1, true)).isTrue();

    assertThat(checker.isHealthy(A1)).isTrue();
    assertThat(events).containsExactly("a1 down", "a1 up");
  }

  @Test
  void failedProbeResetsTheRecoveryRun() {
    for (int i = 0; i < 3; i++) {
      checker.onProbeResult(A1, false);
    }

    checker.onProbeResult(A1, true);
    checker.onProbeResult(A1, false);
    checker.onProbeResult(A1, true);

    assertThat(checker.isHealthy(A1)).isFalse();
  }

  @Test
  void defaultGoesDownAfterThreeFailuresAndUpAfterOnePass() {
    ActiveHealthChecker d = new ActiveHealthChecker(HealthCheck.DEFAULT);

    d.onProbeResult(A1, false);
    d.onProbeResult(A1, false);
    assertThat(d.isHealthy(A1)).isTrue();
    d.onProbeResult(A1, false);
    assertThat(d.isHealthy(A1)).isFalse();
    d.onProbeResult(A1, true);

    assertThat(d.isHealthy(A1)).isTrue();
  }

  @Test
  void retainForgetsRemovedEndpoints() {
    for (int i = 0; i < 3; i++) {
      checker.onProbeResult(A1, false);
    }

    checker.retain(List.of(A2));

    assertThat(checker.isHealthy(A1)).isTrue(); // back as new: healthy
  }
}
