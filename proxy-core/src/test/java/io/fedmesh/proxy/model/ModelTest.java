package io.fedmesh.proxy.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.proxy.model.Locality.Proximity;
import io.fedmesh.trust.spiffe.SpiffeId;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelTest {
  private static final Locality EAST_A = new Locality("us-east", "us-east-1a", "us-east");

  @Test
  void proximityClassesFromNearestToFarthest() {
    assertThat(EAST_A.proximityOf(new Locality("us-east", "us-east-1a", "us-east")))
        .isEqualTo(Proximity.SAME_ZONE);
    assertThat(EAST_A.proximityOf(new Locality("us-east", "us-east-1b", "us-east")))
        .isEqualTo(Proximity.SAME_REGION);
    assertThat(EAST_A.proximityOf(new Locality("us-east", "us-east-1a", "us-east-2")))
        .isEqualTo(Proximity.SAME_REGION_OTHER_CLUSTER);
    assertThat(EAST_A.proximityOf(new Locality("us-west", "us-west-1a", "us-west")))
        .isEqualTo(Proximity.OTHER_REGION);
  }

  @Test
  void sniRoundTrips() {
    SniName sni = SniName.parse("reviews.default.9080.us-west.fedmesh");
    assertThat(sni.service()).isEqualTo(new ServiceName("reviews", "default"));
    assertThat(sni.port()).isEqualTo(9080);
    assertThat(sni.cluster()).isEqualTo("us-west");
    assertThat(sni).hasToString("reviews.default.9080.us-west.fedmesh");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "reviews.default.9080.us-west",
        "reviews.default.9080.us-west.example",
        "reviews.default.http.us-west.fedmesh",
        "reviews.default.0.us-west.fedmesh",
        "reviews.default.08080.us-west.fedmesh",
        "reviews.default.70000.us-west.fedmesh",
        "Reviews.default.9080.us-west.fedmesh",
        "reviews..9080.us-west.fedmesh",
        "a.b.c.d.e.fedmesh",
        ""
      })
  void malformedSniIsRefusedWithTheExpectedForm(String sni) {
    assertThatThrownBy(() -> SniName.parse(sni))
        .isInstanceOf(ModelException.class)
        .hasMessageStartingWith("sni");
  }

  @Test
  void sniWithControlCharactersIsNotEchoedRaw() {
    assertThatThrownBy(() -> SniName.parse("bad\r\nname.default.1.c.fedmesh"))
        .isInstanceOf(ModelException.class)
        .message()
        .doesNotContain("\r")
        .doesNotContain("\n");
  }

  @Test
  void labelsFollowDns1123() {
    assertThatThrownBy(() -> new Locality("US-East", "a", "b"))
        .hasMessage(
            "locality.region: 'US-East' (expected: a DNS label: lower-case letters, digits and '-',"
                + " not at either end)");
    assertThatThrownBy(() -> new ServiceName("-x", "default")).hasMessageContaining("service.name");
    assertThatThrownBy(() -> new ServiceName("x".repeat(64), "default"))
        .hasMessageContaining("64 characters (expected: at most 63)");
  }

  @Test
  void endpointRejectsZeroWeightAndBadPort() {
    assertThatThrownBy(() -> new Endpoint("e1", "127.0.0.1", 80, EAST_A, 0, true, Optional.empty()))
        .hasMessage("endpoint e1: weight 0 (expected: 1..10000)");
    assertThatThrownBy(() -> Endpoint.local("e1", "127.0.0.1", 0, EAST_A))
        .hasMessage("endpoint e1: port: 0 (expected: 1..65535)");
  }

  @Test
  void remoteEndpointIsMarkedBySni() {
    Endpoint remote =
        new Endpoint(
            "us-west",
            "127.0.0.2",
            15443,
            new Locality("us-west", "us-west-1a", "us-west"),
            3,
            true,
            Optional.of("reviews.default.9080.us-west.fedmesh"));
    assertThat(remote.isRemote()).isTrue();
    assertThat(remote.takesTcp()).isTrue();
    assertThat(Endpoint.local("p", "::1", 15006, EAST_A).address()).isEqualTo("[::1]:15006");
  }

  @Test
  void tcpPortIsForLocalEndpointsOnly() {
    Endpoint local = Endpoint.local("p", "127.0.0.1", 15006, EAST_A);
    assertThat(local.takesTcp()).isFalse();
    assertThat(local.withTcpPort(15008).takesTcp()).isTrue();
    assertThatThrownBy(() -> local.withTcpPort(-1))
        .hasMessage("endpoint p: tcpPort -1 (expected: 1..65535, or 0 for none)");
    assertThatThrownBy(
            () ->
                new Endpoint(
                    "us-west",
                    "127.0.0.2",
                    15443,
                    new Locality("us-west", "us-west-1a", "us-west"),
                    1,
                    true,
                    Optional.of("reviews.default.9080.us-west.fedmesh"),
                    15008))
        .hasMessageStartingWith("endpoint us-west: tcpPort 15008 on an endpoint behind a gateway");
  }

  private static Service reviews(List<Endpoint> endpoints) {
    return new Service(
        new ServiceName("reviews", "default"),
        List.of(new ServicePort("http", 9080, Protocol.HTTP)),
        List.of(SpiffeId.parse("spiffe://us-east.fedmesh.local/ns/default/sa/reviews")),
        true,
        endpoints);
  }

  @Test
  void serviceRejectsClashingPortsAndMissingIdentities() {
    assertThatThrownBy(
            () ->
                new Service(
                    new ServiceName("reviews", "default"),
                    List.of(
                        new ServicePort("http", 9080, Protocol.HTTP),
                        new ServicePort("grpc", 9080, Protocol.GRPC)),
                    List.of(SpiffeId.parse("spiffe://a.b/ns/x/sa/y")),
                    false,
                    List.of()))
        .hasMessageContaining("clash");
    assertThatThrownBy(
            () ->
                new Service(
                    new ServiceName("reviews", "default"),
                    List.of(new ServicePort("http", 9080, Protocol.HTTP)),
                    List.of(),
                    false,
                    List.of()))
        .hasMessageContaining("identities: empty");
  }

  @Test
  void snapshotFallsBackToTheDefaultPolicyAndRefusesPoliciesForUnknownServices() {
    Service s = reviews(List.of(Endpoint.local("r1", "127.0.0.1", 15006, EAST_A)));
    ProxySnapshot snap =
        new ProxySnapshot(
            1, "us-east", EAST_A, Map.of(s.name(), s), Map.of(), AuthorizationPolicy.ALLOW_MESH);
    assertThat(snap.policy(s.name())).isSameAs(TrafficPolicy.DEFAULT);
    assertThat(snap.service(s.name())).contains(s);
    assertThat(s.endpointsIn("us-east")).hasSize(1);
    assertThatThrownBy(
            () ->
                new ProxySnapshot(
                    1,
                    "us-east",
                    EAST_A,
                    Map.of(),
                    Map.of(s.name(), TrafficPolicy.DEFAULT),
                    AuthorizationPolicy.ALLOW_MESH))
        .hasMessageContaining("policy for unknown service default/reviews");
    assertThatThrownBy(
            () ->
                new ProxySnapshot(
                    1, "us-west", EAST_A, Map.of(), Map.of(), AuthorizationPolicy.ALLOW_MESH))
        .hasMessageContaining("is not the proxy's cluster");
  }

  @Test
  void defaultsMakeFailoverWorkWithoutAPolicy() {
    TrafficPolicy p = TrafficPolicy.DEFAULT;
    assertThat(p.outlierDetection().maxEjectionPercent()).isEqualTo(100);
    assertThat(p.retries().attempts()).isPositive();
    assertThat(p.locality().overprovisioningFactor()).isEqualTo(1.4);
    assertThat(p.healthCheck().interval()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void policyPartsValidateTheirRanges() {
    assertThatThrownBy(() -> new RetryPolicy(-4, Duration.ofSeconds(1), Set.of(), Set.of(), 20, 10))
        .hasMessage("retries.attempts: -4 (expected: 0..10)");
    assertThatThrownBy(() -> new OutlierDetection(3, 3, Duration.ZERO, Duration.ofSeconds(1), 10))
        .hasMessageContaining("outlierDetection.interval");
    assertThatThrownBy(() -> new CircuitBreaker(0, 1, 1))
        .hasMessage("circuitBreaker.maxConnections: 0 (expected: 1..1000000)");
    assertThatThrownBy(() -> new LocalityFailover(Map.of("us-east", List.of("us-east")), 1.4))
        .hasMessageContaining("fails over to itself");
    assertThatThrownBy(
            () ->
                new TrafficPolicy(
                    Duration.ofMillis(100),
                    RetryPolicy.DEFAULT,
                    OutlierDetection.DEFAULT,
                    CircuitBreaker.DEFAULT,
                    HealthCheck.DEFAULT,
                    LocalityFailover.DEFAULT))
        .hasMessageContaining("exceeds timeout");
  }

  @Test
  void failoverPriorityNeedsALabel() {
    assertThatThrownBy(() -> new LocalityFailover(List.of(), Map.of(), 1.4))
        .hasMessage(
            "locality.failoverPriority: an empty list (expected: at least one of region, zone,"
                + " cluster)");
  }

  @Test
  void failoverPriorityListsEachLabelOnce() {
    assertThatThrownBy(
            () ->
                new LocalityFailover(
                    List.of(LocalityLabel.ZONE, LocalityLabel.ZONE), Map.of(), 1.4))
        .hasMessage("locality.failoverPriority: 'zone' is listed twice (expected: each once)");
  }

  @Test
  void failoverPriorityPutsRegionFirst() {
    assertThatThrownBy(
            () ->
                new LocalityFailover(
                    List.of(LocalityLabel.CLUSTER, LocalityLabel.REGION), Map.of(), 1.4))
        .hasMessage(
            "locality.failoverPriority: 'region' comes after 'cluster', which implies the region"
                + " (expected: region first, or not at all)");
  }

  @Test
  void localityLabelsMatchWithinTheirRegion() {
    Locality caller = new Locality("us-east", "a", "east-1");
    Locality sameZoneNameElsewhere = new Locality("us-west", "a", "west-1");
    Locality sameZoneOtherCluster = new Locality("us-east", "a", "east-2");

    assertThat(LocalityLabel.ZONE.matches(caller, sameZoneNameElsewhere)).isFalse();
    assertThat(LocalityLabel.ZONE.matches(caller, sameZoneOtherCluster)).isTrue();
    assertThat(LocalityLabel.CLUSTER.matches(caller, sameZoneOtherCluster)).isFalse();
    assertThat(LocalityLabel.REGION.matches(caller, sameZoneOtherCluster)).isTrue();
    assertThat(LocalityLabel.REGION).hasToString("region");
  }

  @Test
  void authorizationRulesCheckTheirPatterns() {
    assertThatThrownBy(
            () ->
                new AuthorizationRule(
                    "r",
                    AuthorizationPolicy.Action.ALLOW,
                    List.of("us-east/ns/x"),
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of()))
        .hasMessageContaining("expected: spiffe://");
    assertThatThrownBy(
            () ->
                new AuthorizationRule(
                    "r",
                    AuthorizationPolicy.Action.ALLOW,
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of("api")))
        .hasMessageContaining("pathPrefix 'api'");
  }
}
