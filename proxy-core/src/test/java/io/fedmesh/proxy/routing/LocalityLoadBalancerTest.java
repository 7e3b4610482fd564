package io.fedmesh.proxy.routing;

import static io.fedmesh.proxy.routing.Endpoints.CALLER;
import static io.fedmesh.proxy.routing.Endpoints.EAST2_ZONE_A;
import static io.fedmesh.proxy.routing.Endpoints.EAST_ZONE_A;
import static io.fedmesh.proxy.routing.Endpoints.EAST_ZONE_B;
import static io.fedmesh.proxy.routing.Endpoints.EU;
import static io.fedmesh.proxy.routing.Endpoints.WEST;
import static io.fedmesh.proxy.routing.Endpoints.local;
import static io.fedmesh.proxy.routing.Endpoints.remote;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.HealthCheck;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.model.LocalityFailover;
import io.fedmesh.proxy.model.LocalityLabel;
import io.fedmesh.proxy.model.OutlierDetection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LocalityLoadBalancerTest {
  private static final int PICKS = 10_000;

  private static final Endpoint A1 = local("a1", EAST_ZONE_A);
  private static final Endpoint A2 = local("a2", EAST_ZONE_A);
  private static final Endpoint B1 = local("b1", EAST_ZONE_B);
  private static final Endpoint EAST2 = remote(EAST2_ZONE_A, 3);
  private static final Endpoint WEST1 = remote(WEST, 4);
  private static final Endpoint EU1 = remote(EU, 5);

  private final FakeTicker ticker = new FakeTicker();
  private final OutlierDetector detector =
      OutlierDetector.builder(OutlierDetection.DEFAULT).nanoTicker(ticker).build();
  private final ActiveHealthChecker checker = new ActiveHealthChecker(HealthCheck.DEFAULT);

  private LocalityLoadBalancer balancer(List<Endpoint> endpoints) {
    return balancer(endpoints, LocalityFailover.DEFAULT);
  }

  private LocalityLoadBalancer balancer(List<Endpoint> endpoints, LocalityFailover failover) {
    LocalityLoadBalancer lb =
        LocalityLoadBalancer.builder(CALLER)
            .random(new SplittableRandom(42))
            .outlierDetector(detector)
            .healthChecker(checker)
            .build();
    detector.retain(endpoints);
    checker.retain(endpoints);
    lb.update(endpoints, failover);
    return lb;
  }

  /** Picks {@code n} times, ending each lease at once, and counts picks by endpoint id. */
  private static Map<String, Integer> sample(LocalityLoadBalancer lb, PickContext ctx, int n) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      EndpointLease lease = lb.pick(ctx).orElseThrow();
      counts.merge(lease.endpoint().id(), 1, Integer::sum);
      lease.complete(Outcome.SUCCESS);
    }
    return counts;
  }

  private static double share(Map<String, Integer> counts, String... ids) {
    int total = counts.values().stream().mapToInt(Integer::intValue).sum();
    int n = 0;
    for (String id : ids) {
      n += counts.getOrDefault(id, 0);
    }
    return 100.0 * n / total;
  }

  private void eject(Endpoint e) {
    for (int i = 0; i < OutlierDetection.DEFAULT.consecutive5xxErrors(); i++) {
      detector.record(e, Outcome.SERVER_ERROR);
    }
    assertThat(detector.isEjected(e)).isTrue();
  }

  @Test
  void allTrafficStaysInP0WhileItIsHealthy() {
    LocalityLoadBalancer lb = balancer(List.of(A1, A2, B1, EAST2, WEST1, EU1));

    Map<String, Integer> counts = sample(lb, PickContext.FIRST_TRY, PICKS);

    assertThat(counts).containsOnlyKeys("a1", "a2");
    assertThat(lb.priorityLoad()).containsExactly(100.0, 0.0, 0.0, 0.0, 0.0);
  }

  @Test
  void p0StaysWholeWhileHealthTimesFactorReaches100() {
    // 3 of 4 healthy: 75% x 1.4 = 105% -> still all of the traffic.
    Endpoint a3 = local("a3", EAST_ZONE_A);
    Endpoint a4 = local("a4", EAST_ZONE_A, 1, false);
    LocalityLoadBalancer lb = balancer(List.of(A1, A2, a3, a4, B1));

    assertThat(lb.priorityLoad()).containsExactly(100.0, 0.0);
    assertThat(sample(lb, PickContext.FIRST_TRY, PICKS)).containsOnlyKeys("a1", "a2", "a3");
  }

  @Test
  void halfHealthyP0Keeps70PercentAndSpills30ToP1() {
    Endpoint a2Down = local("a2", EAST_ZONE_A, 1, false);
    LocalityLoadBalancer lb = balancer(List.of(A1, a2Down, B1, WEST1));

    assertThat(lb.priorityLoad().get(0)).isCloseTo(70.0, within(1e-9));
    assertThat(lb.priorityLoad().get(1)).isCloseTo(30.0, within(1e-9));
    assertThat(lb.priorityLoad().get(2)).isZero();
    Map<String, Integer> counts = sample(lb, PickContext.FIRST_TRY, PICKS);
    assertThat(share(counts, "a1")).isCloseTo(70.0, within(2.0));
    assertThat(share(counts, "b1")).isCloseTo(30.0, within(2.0));
    assertThat(counts).doesNotContainKeys("a2", WEST1.id());
  }

  @Test
  void spillFromPartlyHealthyLevelsFollowsEnvoysArithmetic() {
    // P0 25% healthy -> 35; P1 50% healthy -> min(70, 65) = 65; P2 gets nothing.
    Endpoint a2Down = local("a2", EAST_ZONE_A, 1, false);
    Endpoint a3Down = local("a3", EAST_ZONE_A, 1, false);
    Endpoint a4Down = local("a4", EAST_ZONE_A, 1, false);
    Endpoint b2Down = local("b2", EAST_ZONE_B, 1, false);
    LocalityLoadBalancer lb = balancer(List.of(A1, a2Down, a3Down, a4Down, B1, b2Down, WEST1));

    assertThat(lb.priorityLoad().get(0)).isCloseTo(35.0, within(1e-9));
    assertThat(lb.priorityLoad().get(1)).isCloseTo(65.0, within(1e-9));
    assertThat(lb.priorityLoad().get(2)).isZero();
    Map<String, Integer> counts = sample(lb, PickContext.FIRST_TRY, PICKS);
    assertThat(share(counts, "a1")).isCloseTo(35.0, within(2.0));
    assertThat(share(counts, "b1")).isCloseTo(65.0, within(2.0));
  }

  @Test
  void sharesAreScaledUpWhenAllLevelsTogetherFallShortOf100() {
    // Two levels at 20% health: 28 + 28 = 56 -> normalized to 50/50 (nothing left to spill to).
    List<Endpoint> es = new ArrayList<>();
    es.add(A1);
    es.add(B1);
    for (int i = 0; i < 4; i++) {
      es.add(local("a-down-" + i, EAST_ZONE_A, 1, false));
      es.add(local("b-down-" + i, EAST_ZONE_B, 1, false));
    }
    LocalityLoadBalancer lb = balancer(es);

    assertThat(lb.priorityLoad().get(0)).isCloseTo(50.0, within(1e-9));
    assertThat(lb.priorityLoad().get(1)).isCloseTo(50.0, within(1e-9));
    Map<String, Integer> counts = sample(lb, PickContext.FIRST_TRY, PICKS);
    assertThat(share(counts, "a1")).isCloseTo(50.0, within(2.0));
  }

  @Test
  void noLocalEndpointsSendsAllTrafficToTheFailoverRegion() {
    LocalityFailover failover =
        new LocalityFailover(Map.of("us-east", List.of("us-west", "eu-west")), 1.4);
    LocalityLoadBalancer lb = balancer(List.of(EU1, WEST1), failover);

    Map<String, Integer> counts = sample(lb, PickContext.FIRST_TRY, PICKS);

    assertThat(counts).containsOnlyKeys(WEST1.id()).containsEntry(WEST1.id(), PICKS);
    assertThat(lb.priorityLoad()).containsExactly(100.0, 0.0);
  }

  @Test
  void failoverPriorityDecidesWhereTrafficGoesWhenTheLocalZoneIsDown() {
    Endpoint otherClusterSameZone = remote(EAST2_ZONE_A, 2);
    List<Endpoint> endpoints =
        List.of(local("a1", EAST_ZONE_A, 1, false), B1, otherClusterSameZone);

    LocalityLoadBalancer byDefault = balancer(endpoints);
    LocalityLoadBalancer zoneFirst =
        balancer(
            endpoints,
            new LocalityFailover(
                List.of(LocalityLabel.REGION, LocalityLabel.ZONE, LocalityLabel.CLUSTER),
                Map.of(),
                1.4));

    // Default: the caller's own cluster (zone b) before the region's other cluster.
    assertThat(sample(byDefault, PickContext.FIRST_TRY, 1_000)).containsOnlyKeys(B1.id());
    // Zone first: the caller's zone in the other cluster before its own cluster's other zone.
    assertThat(sample(zoneFirst, PickContext.FIRST_TRY, 1_000))
        .containsOnlyKeys(otherClusterSameZone.id());
  }

  @Test
  void noLocalEndpointsAndNoPolicyStillFailsOver() {
    LocalityLoadBalancer lb = balancer(List.of(WEST1, EU1));

    // eu-west before us-west by name: the default order needs no policy.
    assertThat(sample(lb, PickContext.FIRST_TRY, 1_000)).containsOnlyKeys(EU1.id());
  }

  @Test
  void localEndpointsAllDownFailsOverToTheOtherCluster() {
    LocalityLoadBalancer lb =
        balancer(
            List.of(local("a1", EAST_ZONE_A, 1, false), local("b1", EAST_ZONE_B, 1, false), EAST2));

    assertThat(sample(lb, PickContext.FIRST_TRY, 1_000)).containsOnlyKeys(EAST2.id());
  }

  @Test
  void everythingUnhealthyPicksNothing() {
    LocalityLoadBalancer lb =
        balancer(List.of(local("a1", EAST_ZONE_A, 1, false), remote(WEST, 0)));

    assertThat(lb.pick(PickContext.FIRST_TRY)).isEmpty();
    assertThat(lb.priorityLoad()).containsExactly(0.0, 0.0);
  }

  @Test
  void noEndpointsPicksNothing() {
    LocalityLoadBalancer lb = balancer(List.of());

    assertThat(lb.pick(PickContext.FIRST_TRY)).isEmpty();
    assertThat(lb.priorityLoad()).isEmpty();
  }

  @Test
  void weightsAreRespectedWithinALevel() {
    Endpoint heavy = local("heavy", EAST_ZONE_A, 3, true);
    Endpoint light = local("light", EAST_ZONE_A, 1, true);
    LocalityLoadBalancer lb = balancer(List.of(light, heavy));

    Map<String, Integer> counts = sample(lb, PickContext.FIRST_TRY, PICKS);

    assertThat(share(counts, "heavy")).isCloseTo(75.0, within(3.0));
    assertThat(share(counts, "light")).isCloseTo(25.0, within(3.0));
  }

  @Test
  void remoteSummaryWeighsItsHealthyCount() {
    // Two other clusters in the region: one with 9 healthy copies, one with 1.
    Endpoint big = remote(EAST2_ZONE_A, 9);
    Endpoint small = remote(new Locality("us-east", "zone-c", "east-3"), 1);
    LocalityLoadBalancer lb = balancer(List.of(big, small));

    Map<String, Integer> counts = sample(lb, PickContext.FIRST_TRY, PICKS);

    assertThat(share(counts, big.id())).isCloseTo(90.0, within(3.0));
  }

  @Test
  void powerOfTwoChoicesPrefersTheLessLoadedEndpoint() {
    LocalityLoadBalancer lb = balancer(List.of(A1, A2));
    PickContext onlyA1 = PickContext.FIRST_TRY.withTried(A2);
    List<EndpointLease> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      held.add(lb.pick(onlyA1).orElseThrow());
    }
    assertThat(held).allMatch(l -> l.endpoint().equals(A1));
    assertThat(lb.activeRequests(A1)).isEqualTo(3);

    // The two choices are distinct, so with two endpoints the idle one always wins.
    assertThat(sample(lb, PickContext.FIRST_TRY, 1_000)).containsOnlyKeys("a2");

    held.forEach(EndpointLease::release);
    assertThat(lb.activeRequests(A1)).isZero();
    assertThat(share(sample(lb, PickContext.FIRST_TRY, PICKS), "a1")).isCloseTo(50.0, within(2.0));
  }

  @Test
  void leastRequestComparesLoadPerUnitOfWeight() {
    // heavy (weight 4) with 2 active is less loaded per weight than light (weight 1) with 1.
    Endpoint heavy = local("heavy", EAST_ZONE_A, 4, true);
    Endpoint light = local("light", EAST_ZONE_A, 1, true);
    LocalityLoadBalancer lb = balancer(List.of(heavy, light));
    lb.pick(PickContext.FIRST_TRY.withTried(light)).orElseThrow();
    lb.pick(PickContext.FIRST_TRY.withTried(light)).orElseThrow();
    lb.pick(PickContext.FIRST_TRY.withTried(heavy)).orElseThrow();

    EndpointLease next = lb.pick(PickContext.FIRST_TRY).orElseThrow();

    assertThat(next.endpoint()).isEqualTo(heavy);
  }

  @Test
  void leaseCountsActiveRequestsUntilItEndsOnce() {
    LocalityLoadBalancer lb = balancer(List.of(A1));

    EndpointLease lease = lb.pick(PickContext.FIRST_TRY).orElseThrow();
    assertThat(lb.activeRequests(A1)).isEqualTo(1);
    lease.complete(Outcome.SUCCESS);
    lease.complete(Outcome.SUCCESS);
    lease.release();

    assertThat(lb.activeRequests(A1)).isZero();
  }

  @Test
  void activeCountsCarryOverAnUpdateThatKeepsTheEndpoint() {
    LocalityLoadBalancer lb = balancer(List.of(A1));
    EndpointLease lease = lb.pick(PickContext.FIRST_TRY).orElseThrow();

    lb.update(List.of(A1, A2), LocalityFailover.DEFAULT);
    assertThat(lb.activeRequests(A1)).isEqualTo(1);
    lease.release();

    assertThat(lb.activeRequests(A1)).isZero();
  }

  @Test
  void retryAvoidsTheTriedEndpoint() {
    LocalityLoadBalancer lb = balancer(List.of(A1, A2, B1));

    Map<String, Integer> counts = sample(lb, PickContext.FIRST_TRY.withTried(A1), 1_000);

    // a2 alone is the whole (healthy) P0 once a1 is left out: the retry stays in the zone.
    assertThat(counts).containsOnlyKeys("a2");
  }

  @Test
  void retryMovesToTheNextLevelWhenTheTriedEndpointWasTheLevelsOnlyOne() {
    LocalityLoadBalancer lb = balancer(List.of(A1, B1));

    assertThat(sample(lb, PickContext.FIRST_TRY.withTried(A1), 1_000)).containsOnlyKeys("b1");
  }

  @Test
  void retryAvoidsAWholeLocality() {
    LocalityLoadBalancer lb = balancer(List.of(A1, A2, B1));

    Map<String, Integer> counts =
        sample(lb, PickContext.FIRST_TRY.withAvoidedLocality(EAST_ZONE_A), 1_000);

    assertThat(counts).containsOnlyKeys("b1");
  }

  @Test
  void retryAfterLocalityWideFailureOfRemoteSummaryAvoidsThatCluster() {
    // Two zones of east-2, both reached through east-2's gateway, and one of us-west.
    Endpoint east2b = remote(new Locality("us-east", "zone-b", "east-2"), 3);
    LocalityLoadBalancer lb = balancer(List.of(EAST2, east2b, WEST1));
    RetryDecision elsewhere = new RetryDecision(true, true, RetryDecision.Reason.RETRY);

    PickContext ctx = PickContext.FIRST_TRY.afterFailure(EAST2, elsewhere);

    assertThat(sample(lb, ctx, 1_000)).containsOnlyKeys(WEST1.id());
  }

  @Test
  void retryAfterEndpointFailureStaysInTheLocality() {
    LocalityLoadBalancer lb = balancer(List.of(A1, A2, B1));
    RetryDecision here = new RetryDecision(true, false, RetryDecision.Reason.RETRY);

    PickContext ctx = PickContext.FIRST_TRY.afterFailure(A1, here);

    assertThat(sample(lb, ctx, 1_000)).containsOnlyKeys("a2");
  }

  @Test
  void retryAfterASecondEndpointFailureInOneLocalityMovesOn() {
    Endpoint a3 = local("a3", EAST_ZONE_A);
    LocalityLoadBalancer lb = balancer(List.of(A1, A2, a3, B1));
    RetryDecision here = new RetryDecision(true, false, RetryDecision.Reason.RETRY);

    PickContext ctx = PickContext.FIRST_TRY.afterFailure(A1, here).afterFailure(A2, here);

    assertThat(sample(lb, ctx, 1_000)).containsOnlyKeys("b1");
  }

  @Test
  void theSameEndpointTriedTwiceIsNotASecondFailureInItsLocality() {
    Endpoint a3 = local("a3", EAST_ZONE_A);
    LocalityLoadBalancer lb = balancer(List.of(A1, A2, a3, B1));
    RetryDecision here = new RetryDecision(true, false, RetryDecision.Reason.RETRY);

    // The proxy marks the endpoint tried when it sends, then again when the try fails.
    PickContext ctx = PickContext.FIRST_TRY.withTried(A1).afterFailure(A1, here);

    assertThat(sample(lb, ctx, 1_000)).containsOnlyKeys("a2", "a3");
  }

  @Test
  void retryAfterTwoSummariesOfOneClusterFailedAvoidsThatCluster() {
    Endpoint east2b = remote(new Locality("us-east", "zone-b", "east-2"), 3);
    Endpoint east2c = remote(new Locality("us-east", "zone-c", "east-2"), 3);
    LocalityLoadBalancer lb = balancer(List.of(EAST2, east2b, east2c, WEST1));
    RetryDecision here = new RetryDecision(true, false, RetryDecision.Reason.RETRY);

    PickContext ctx = PickContext.FIRST_TRY.afterFailure(EAST2, here).afterFailure(east2b, here);

    assertThat(sample(lb, ctx, 1_000)).containsOnlyKeys(WEST1.id());
  }

  @Test
  void retryGoesBackToTheSameLocalityWhenNoOtherIsHealthy() {
    LocalityLoadBalancer lb = balancer(List.of(A1, A2));
    PickContext ctx = PickContext.FIRST_TRY.withTried(A1).withAvoidedLocality(EAST_ZONE_A);

    assertThat(sample(lb, ctx, 1_000)).containsOnlyKeys("a2");
  }

  @Test
  void retryGoesBackToTheSameEndpointWhenItIsTheOnlyHealthyOne() {
    LocalityLoadBalancer lb = balancer(List.of(A1, local("b1", EAST_ZONE_B, 1, false)));

    assertThat(lb.pick(PickContext.FIRST_TRY.withTried(A1)).orElseThrow().endpoint()).isEqualTo(A1);
  }

  @Test
  void ejectedEndpointTakesNoTrafficUntilItReturns() {
    LocalityLoadBalancer lb = balancer(List.of(A1, A2, B1));
    eject(A1);

    // P0 is half ejected: 70% to a2, 30% to P1.
    Map<String, Integer> counts = sample(lb, PickContext.FIRST_TRY, PICKS);
    assertThat(counts).doesNotContainKey("a1");
    assertThat(share(counts, "a2")).isCloseTo(70.0, within(2.0));

    ticker.advance(OutlierDetection.DEFAULT.baseEjectionTime());
    assertThat(lb.priorityLoad()).containsExactly(100.0, 0.0);
    assertThat(sample(lb, PickContext.FIRST_TRY, 1_000)).containsOnlyKeys("a1", "a2");
  }

  @Test
  void leaseOutcomesFeedOutlierDetection() {
    LocalityLoadBalancer lb = balancer(List.of(A1, B1));

    for (int i = 0; i < OutlierDetection.DEFAULT.consecutiveGatewayErrors(); i++) {
      EndpointLease lease = lb.pick(PickContext.FIRST_TRY).orElseThrow();
      assertThat(lease.endpoint()).isEqualTo(A1);
      lease.complete(UpstreamFailure.CONNECT_FAILURE.outcome());
    }

    assertThat(detector.isEjected(A1)).isTrue();
    assertThat(lb.pick(PickContext.FIRST_TRY).orElseThrow().endpoint()).isEqualTo(B1);
  }

  @Test
  void failingActiveHealthChecksMoveTrafficToTheNextLevel() {
    LocalityLoadBalancer lb = balancer(List.of(A1, B1));

    checker.onProbeResult(A1, false);
    checker.onProbeResult(A1, false);
    assertThat(lb.pick(PickContext.FIRST_TRY).orElseThrow().endpoint()).isEqualTo(A1);
    checker.onProbeResult(A1, false); // unhealthyThreshold 3

    assertThat(sample(lb, PickContext.FIRST_TRY, 1_000)).containsOnlyKeys("b1");
    checker.onProbeResult(A1, true); // healthyThreshold 1
    assertThat(sample(lb, PickContext.FIRST_TRY, 1_000)).containsOnlyKeys("a1");
  }

  @Test
  void controlPlaneHealthComesFromTheSnapshot() {
    LocalityLoadBalancer lb = balancer(List.of(A1, B1));

    lb.update(List.of(local("a1", EAST_ZONE_A, 1, false), B1), LocalityFailover.DEFAULT);

    assertThat(sample(lb, PickContext.FIRST_TRY, 1_000)).containsOnlyKeys("b1");
  }

  @Test
  void defaultBalancerHasOutlierDetectionOn() {
    LocalityLoadBalancer lb =
        LocalityLoadBalancer.builder(CALLER).random(new SplittableRandom(7)).build();
    lb.update(List.of(A1, B1), LocalityFailover.DEFAULT);

    for (int i = 0; i < OutlierDetection.DEFAULT.consecutive5xxErrors(); i++) {
      lb.pick(PickContext.FIRST_TRY.withTried(B1)).orElseThrow().complete(Outcome.SERVER_ERROR);
    }

    assertThat(lb.outlierDetector().isEjected(A1)).isTrue();
    assertThat(lb.pick(PickContext.FIRST_TRY).orElseThrow().endpoint()).isEqualTo(B1);
  }

  @Test
  void sameSeedSamePicks() {
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    for (List<String> out : List.of(first, second)) {
      LocalityLoadBalancer lb =
          LocalityLoadBalancer.builder(CALLER).random(new SplittableRandom(1)).build();
      lb.update(List.of(A1, A2, local("a3", EAST_ZONE_A)), LocalityFailover.DEFAULT);
      for (int i = 0; i < 50; i++) {
        EndpointLease l = lb.pick(PickContext.FIRST_TRY).orElseThrow();
        out.add(l.endpoint().id());
        l.release();
      }
    }
    assertThat(first).isEqualTo(second).contains("a1", "a2", "a3");
  }

  @Test
  void picksFromManyThreadsKeepActiveCountsExact() throws Exception {
    LocalityLoadBalancer lb = LocalityLoadBalancer.builder(CALLER).build();
    lb.update(List.of(A1, A2, B1), LocalityFailover.DEFAULT);
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      threads[t] =
          new Thread(
              () -> {
                for (int i = 0; i < 20_000; i++) {
                  lb.pick(PickContext.FIRST_TRY).orElseThrow().complete(Outcome.SUCCESS);
                }
              });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join(Duration.ofSeconds(30).toMillis());
      assertThat(t.isAlive()).isFalse();
    }
    assertThat(lb.activeRequests(A1) + lb.activeRequests(A2) + lb.activeRequests(B1)).isZero();
  }
}
