package io.fedmesh.proxy.routing;

import static io.fedmesh.proxy.routing.Endpoints.EAST_ZONE_A;
import static io.fedmesh.proxy.routing.Endpoints.local;
import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.OutlierDetection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutlierDetectorTest {
  private static final Duration BASE = Duration.ofSeconds(15);
  private static final Duration NANO = Duration.ofNanos(1);
  private static final Endpoint A1 = local("a1", EAST_ZONE_A);
  private static final Endpoint A2 = local("a2", EAST_ZONE_A);
  private static final Endpoint A3 = local("a3", EAST_ZONE_A);
  private static final Endpoint A4 = local("a4", EAST_ZONE_A);

  private final FakeTicker ticker = new FakeTicker();
  private final List<String> events = new ArrayList<>();
  private final OutlierDetector.Listener listener =
      new OutlierDetector.Listener() {
        @Override
        public void onEjected(Endpoint endpoint, Duration duration, int ejections) {
          events.add("ejected " + endpoint.id() + " for " + duration + " #" + ejections);
        }

        @Override
        public void onReturned(Endpoint endpoint) {
          events.add("returned " + endpoint.id());
        }

        @Override
        public void onEjectionSkipped(Endpoint endpoint) {
          events.add("skipped " + endpoint.id());
        }
      };

  private OutlierDetector detector(OutlierDetection config, Endpoint... endpoints) {
    OutlierDetector d =
        OutlierDetector.builder(config).nanoTicker(ticker).listener(listener).build();
    d.retain(List.of(endpoints));
    return d;
  }

  private OutlierDetector detector(Endpoint... endpoints) {
    return detector(OutlierDetection.DEFAULT, endpoints);
  }

  private static void fail(OutlierDetector d, Endpoint e, Outcome outcome, int times) {
    for (int i = 0; i < times; i++) {
      d.record(e, outcome);
    }
  }

  @Test
  void ejectsAfterConsecutive5xxErrors() {
    OutlierDetector d = detector(A1, A2);

    fail(d, A1, Outcome.SERVER_ERROR, 4);
    assertThat(d.isEjected(A1)).isFalse();
    d.record(A1, Outcome.SERVER_ERROR);

    assertThat(d.isEjected(A1)).isTrue();
    assertThat(d.isEjected(A2)).isFalse();
    assertThat(d.ejectedCount()).isEqualTo(1);
    assertThat(events).containsExactly("ejected a1 for PT15S #1");
  }

  @Test
  void ejectsAfterConsecutiveGatewayErrors() {
    OutlierDetector d = detector(A1, A2);

    fail(d, A1, Outcome.GATEWAY_ERROR, 2);
    assertThat(d.isEjected(A1)).isFalse();
    d.record(A1, UpstreamFailure.status(503).outcome());

    assertThat(d.isEjected(A1)).isTrue();
  }

  @Test
  void otherServerErrorBreaksARunOfGatewayErrors() {
    OutlierDetector d =
        detector(new OutlierDetection(10, 3, Duration.ofSeconds(1), BASE, 100), A1, A2);

    fail(d, A1, Outcome.GATEWAY_ERROR, 2);
    d.record(A1, Outcome.SERVER_ERROR);
    fail(d, A1, Outcome.GATEWAY_ERROR, 2);
    assertThat(d.isEjected(A1)).isFalse();
    d.record(A1, Outcome.GATEWAY_ERROR);

    assertThat(d.isEjected(A1)).isTrue();
  }

  @Test
  void gatewayErrorsCountTowardConsecutive5xx() {
    OutlierDetector d =
        detector(new OutlierDetection(3, 100, Duration.ofSeconds(1), BASE, 100), A1, A2);

    d.record(A1, Outcome.SERVER_ERROR);
    d.record(A1, Outcome.GATEWAY_ERROR);
    d.record(A1, Outcome.SERVER_ERROR);

    assertThat(d.isEjected(A1)).isTrue();
  }

  @Test
  void successResetsTheCounters() {
    OutlierDetector d = detector(A1, A2);

    fail(d, A1, Outcome.SERVER_ERROR, 4);
    d.record(A1, Outcome.SUCCESS);
    fail(d, A1, Outcome.SERVER_ERROR, 4);

    assertThat(d.isEjected(A1)).isFalse();
    assertThat(events).isEmpty();
  }

  @Test
  void returnsWhenBaseEjectionTimeExpiresCheckedOnRead() {
    OutlierDetector d = detector(A1, A2);
    fail(d, A1, Outcome.SERVER_ERROR, 5);

    ticker.advance(BASE.minus(NANO));
    assertThat(d.isEjected(A1)).isTrue();
    ticker.advance(NANO);

    assertThat(d.isEjected(A1)).isFalse();
    assertThat(d.ejectedCount()).isZero();
    assertThat(events).containsExactly("ejected a1 for PT15S #1", "returned a1");
  }

  @Test
  void returnsOnIntervalTick() {
    OutlierDetector d = detector(A1, A2);
    fail(d, A1, Outcome.SERVER_ERROR, 5);
    ticker.advance(BASE);

    d.onInterval();

    assertThat(events).containsExactly("ejected a1 for PT15S #1", "returned a1");
  }

  @Test
  void secondEjectionLastsTwiceAsLong() {
    OutlierDetector d = detector(A1, A2);
    assertThat(d.lastEjectionTime(A1)).isZero();
    fail(d, A1, Outcome.SERVER_ERROR, 5);
    assertThat(d.lastEjectionTime(A1)).isEqualTo(BASE);
    ticker.advance(BASE);
    assertThat(d.isEjected(A1)).isFalse();
    assertThat(d.lastEjectionTime(A1)).as("still the latest after it returned").isEqualTo(BASE);

    fail(d, A1, Outcome.SERVER_ERROR, 5);
    assertThat(d.lastEjectionTime(A1)).isEqualTo(BASE.multipliedBy(2));
    ticker.advance(BASE.multipliedBy(2).minus(NANO));
    assertThat(d.isEjected(A1)).isTrue();
    ticker.advance(NANO);

    assertThat(d.isEjected(A1)).isFalse();
    assertThat(events)
        .containsExactly(
            "ejected a1 for PT15S #1", "returned a1", "ejected a1 for PT30S #2", "returned a1");
  }

  @Test
  void multiplierDropsByOneForEachBaseEjectionTimeBackIn() {
    OutlierDetector d = detector(A1, A2);
    fail(d, A1, Outcome.SERVER_ERROR, 5);
    ticker.advance(BASE);
    fail(d, A1, Outcome.SERVER_ERROR, 5); // #2, 30 s
    ticker.advance(BASE.multipliedBy(2));
    assertThat(d.isEjected(A1)).isFalse();

    ticker.advance(BASE.multipliedBy(2)); // in for two base times: both ejections forgiven
    fail(d, A1, Outcome.SERVER_ERROR, 5);

    assertThat(events).last().isEqualTo("ejected a1 for PT15S #1");
  }

  @Test
  void ejectionTimeIsCappedAt300Seconds() {
    Duration base = Duration.ofSeconds(100);
    OutlierDetector d = detector(new OutlierDetection(1, 1, Duration.ofSeconds(1), base, 100), A1);
    List<Duration> expected =
        List.of(
            Duration.ofSeconds(100),
            Duration.ofSeconds(200),
            Duration.ofSeconds(300),
            Duration.ofSeconds(300));

    for (Duration length : expected) {
      d.record(A1, Outcome.SERVER_ERROR);
      assertThat(d.isEjected(A1)).isTrue();
      ticker.advance(length);
      assertThat(d.isEjected(A1)).isFalse();
    }

    assertThat(events)
        .filteredOn(s -> s.startsWith("ejected"))
        .containsExactly(
            "ejected a1 for PT1M40S #1",
            "ejected a1 for PT3M20S #2",
            "ejected a1 for PT5M #3",
            "ejected a1 for PT5M #4");
  }

  @Test
  void maxEjectionPercentCapsEjections() {
    OutlierDetector d =
        detector(new OutlierDetection(1, 1, Duration.ofSeconds(1), BASE, 50), A1, A2, A3, A4);

    d.record(A1, Outcome.SERVER_ERROR);
    d.record(A2, Outcome.SERVER_ERROR);
    d.record(A3, Outcome.SERVER_ERROR);

    assertThat(d.ejectedCount()).isEqualTo(2);
    assertThat(d.isEjected(A3)).isFalse();
    assertThat(events)
        .containsExactly("ejected a1 for PT15S #1", "ejected a2 for PT15S #1", "skipped a3");
  }

  @Test
  void endpointHeldInByTheCapIsEjectedByItsNextFailureOnceThereIsRoom() {
    OutlierDetector d =
        detector(new OutlierDetection(2, 2, Duration.ofSeconds(1), BASE, 50), A1, A2);
    fail(d, A1, Outcome.SERVER_ERROR, 2);
    fail(d, A2, Outcome.SERVER_ERROR, 2);
    assertThat(d.isEjected(A2)).isFalse();

    ticker.advance(BASE);
    d.record(A2, Outcome.SERVER_ERROR);

    assertThat(d.isEjected(A2)).isTrue();
    assertThat(d.isEjected(A1)).isFalse();
  }

  @Test
  void maxEjectionPercentZeroNeverEjects() {
    OutlierDetector d =
        detector(new OutlierDetection(1, 1, Duration.ofSeconds(1), BASE, 0), A1, A2);

    fail(d, A1, Outcome.GATEWAY_ERROR, 10);

    assertThat(d.isEjected(A1)).isFalse();
  }

  @Test
  void defaultLetsEveryEndpointBeEjectedSoTrafficFailsOver() {
    OutlierDetector d = detector(A1, A2);

    fail(d, A1, Outcome.SERVER_ERROR, 5);
    fail(d, A2, Outcome.SERVER_ERROR, 5);

    assertThat(d.ejectedCount()).isEqualTo(2);
  }

  @Test
  void outcomesOfTriesInFlightWhileEjectedAreIgnored() {
    OutlierDetector d = detector(A1, A2);
    fail(d, A1, Outcome.SERVER_ERROR, 5);
    fail(d, A1, Outcome.SERVER_ERROR, 20);
    ticker.advance(BASE);

    fail(d, A1, Outcome.SERVER_ERROR, 4);

    assertThat(d.isEjected(A1)).isFalse();
    assertThat(events).containsExactly("ejected a1 for PT15S #1", "returned a1");
  }

  @Test
  void retainForgetsRemovedEndpoints() {
    OutlierDetector d = detector(A1, A2);
    fail(d, A1, Outcome.SERVER_ERROR, 5);
    fail(d, A2, Outcome.SERVER_ERROR, 4);

    d.retain(List.of(A2, A3));

    assertThat(d.ejectedCount()).isZero();
    d.retain(List.of(A1, A2, A3));
    assertThat(d.isEjected(A1)).isFalse();
    d.record(A2, Outcome.SERVER_ERROR);
    assertThat(d.isEjected(A2)).isTrue(); // a2's run survived
  }
}
