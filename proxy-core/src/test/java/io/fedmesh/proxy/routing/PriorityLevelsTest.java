package io.fedmesh.proxy.routing;

import static io.fedmesh.proxy.model.LocalityLabel.CLUSTER;
import static io.fedmesh.proxy.model.LocalityLabel.REGION;
import static io.fedmesh.proxy.model.LocalityLabel.ZONE;
import static io.fedmesh.proxy.routing.Endpoints.CALLER;
import static io.fedmesh.proxy.routing.Endpoints.EAST2_ZONE_A;
import static io.fedmesh.proxy.routing.Endpoints.EAST_ZONE_A;
import static io.fedmesh.proxy.routing.Endpoints.EAST_ZONE_B;
import static io.fedmesh.proxy.routing.Endpoints.EU;
import static io.fedmesh.proxy.routing.Endpoints.WEST;
import static io.fedmesh.proxy.routing.Endpoints.local;
import static io.fedmesh.proxy.routing.Endpoints.remote;
import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.model.Locality.Proximity;
import io.fedmesh.proxy.model.LocalityFailover;
import io.fedmesh.proxy.model.LocalityLabel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PriorityLevelsTest {
  private static final Endpoint A1 = local("a1", EAST_ZONE_A);
  private static final Endpoint A2 = local("a2", EAST_ZONE_A);
  private static final Endpoint B1 = local("b1", EAST_ZONE_B);
  private static final Endpoint EAST2 = remote(EAST2_ZONE_A, 3);
  private static final Endpoint WEST1 = remote(WEST, 4);
  private static final Endpoint EU1 = remote(EU, 5);
  // Input order deliberately scrambled.
  private static final List<Endpoint> ALL = List.of(EU1, B1, WEST1, A1, EAST2, A2);

  private static List<List<String>> ids(PriorityLevels levels) {
    return levels.levels().stream()
        .map(l -> l.endpoints().stream().map(Endpoint::id).toList())
        .toList();
  }

  @Test
  void withoutFailoverListOtherRegionsComeInNameOrder() {
    PriorityLevels levels = PriorityLevels.of(CALLER, ALL, LocalityFailover.DEFAULT);

    assertThat(ids(levels))
        .containsExactly(
            List.of("a1", "a2"),
            List.of("b1"),
            List.of("east-2/zone-a"),
            List.of("eu-1/zone-a"),
            List.of("west-1/zone-a"));
    assertThat(levels.levels())
        .extracting(PriorityLevels.Level::proximity)
        .containsExactly(
            Proximity.SAME_ZONE,
            Proximity.SAME_REGION,
            Proximity.SAME_REGION_OTHER_CLUSTER,
            Proximity.OTHER_REGION,
            Proximity.OTHER_REGION);
    assertThat(levels.levels())
        .extracting(PriorityLevels.Level::region)
        .containsExactly("us-east", "us-east", "us-east", "eu-west", "us-west");
    assertThat(levels.levels())
        .extracting(PriorityLevels.Level::priority)
        .containsExactly(0, 1, 2, 3, 4);
  }

  @Test
  void explicitFailoverListOrdersOtherRegions() {
    LocalityFailover failover =
        new LocalityFailover(Map.of("us-east", List.of("us-west", "eu-west")), 1.4);

    PriorityLevels levels = PriorityLevels.of(CALLER, ALL, failover);

    assertThat(levels.levels())
        .extracting(PriorityLevels.Level::region)
        .containsExactly("us-east", "us-east", "us-east", "us-west", "eu-west");
    assertThat(ids(levels).get(3)).containsExactly("west-1/zone-a");
    assertThat(ids(levels).get(4)).containsExactly("eu-1/zone-a");
  }

  @Test
  void regionsMissingFromFailoverListComeAfterItInNameOrder() {
    Locality apac = new Locality("ap-south", "zone-a", "ap-1");
    List<Endpoint> endpoints = List.of(A1, EU1, WEST1, remote(apac, 2));
    LocalityFailover failover = new LocalityFailover(Map.of("us-east", List.of("us-west")), 1.4);

    PriorityLevels levels = PriorityLevels.of(CALLER, endpoints, failover);

    assertThat(levels.levels())
        .extracting(PriorityLevels.Level::region)
        .containsExactly("us-east", "us-west", "ap-south", "eu-west");
  }

  @Test
  void failoverListOfAnotherRegionDoesNotApply() {
    LocalityFailover failover =
        new LocalityFailover(Map.of("eu-west", List.of("us-west", "us-east")), 1.4);

    PriorityLevels levels = PriorityLevels.of(CALLER, List.of(WEST1, EU1), failover);

    assertThat(levels.levels())
        .extracting(PriorityLevels.Level::region)
        .containsExactly("eu-west", "us-west");
  }

  @Test
  void emptyLevelsAreLeftOutSoP0IsTheNearestWithEndpoints() {
    PriorityLevels levels = PriorityLevels.of(CALLER, List.of(WEST1, B1), LocalityFailover.DEFAULT);

    assertThat(levels.size()).isEqualTo(2);
    assertThat(levels.level(0).proximity()).isEqualTo(Proximity.SAME_REGION);
    assertThat(levels.level(0).endpoints()).containsExactly(B1);
    assertThat(levels.level(1).region()).isEqualTo("us-west");
  }

  @Test
  void sameZoneNameInAnotherClusterIsNotSameZone() {
    PriorityLevels levels = PriorityLevels.of(CALLER, List.of(EAST2, A1), LocalityFailover.DEFAULT);

    assertThat(levels.level(0).endpoints()).containsExactly(A1);
    assertThat(levels.level(1).proximity()).isEqualTo(Proximity.SAME_REGION_OTHER_CLUSTER);
  }

  /** Two clusters of us-east sharing zone names: where zone-first and cluster-first differ. */
  private static final Endpoint EAST2_B = remote(new Locality("us-east", "zone-b", "east-2"), 2);

  private static final List<Endpoint> SHARED_ZONES = List.of(EU1, EAST2_B, B1, EAST2, WEST1, A1);

  private static LocalityFailover priority(LocalityLabel... labels) {
    return new LocalityFailover(List.of(labels), Map.of(), 1.4);
  }

  @Test
  void defaultFailoverPriorityIsRegionClusterZone() {
    assertThat(LocalityFailover.DEFAULT.failoverPriority())
        .containsExactly(LocalityLabel.REGION, LocalityLabel.CLUSTER, LocalityLabel.ZONE);
    assertThat(ids(PriorityLevels.of(CALLER, SHARED_ZONES, priority(REGION, CLUSTER, ZONE))))
        .isEqualTo(ids(PriorityLevels.of(CALLER, SHARED_ZONES, LocalityFailover.DEFAULT)))
        .containsExactly(
            List.of("a1"),
            List.of("b1"),
            List.of("east-2/zone-b", "east-2/zone-a"),
            List.of("eu-1/zone-a"),
            List.of("west-1/zone-a"));
  }

  @Test
  void zoneBeforeClusterPrefersTheCallersZoneInAnotherCluster() {
    PriorityLevels levels =
        PriorityLevels.of(CALLER, SHARED_ZONES, priority(REGION, ZONE, CLUSTER));

    assertThat(ids(levels))
        .containsExactly(
            List.of("a1"),
            List.of("east-2/zone-a"),
            List.of("east-2/zone-b", "b1"),
            List.of("eu-1/zone-a"),
            List.of("west-1/zone-a"));
    assertThat(levels.levels())
        .extracting(PriorityLevels.Level::proximity)
        .containsExactly(
            Proximity.SAME_ZONE,
            Proximity.SAME_REGION_OTHER_CLUSTER,
            Proximity.SAME_REGION_OTHER_CLUSTER,
            Proximity.OTHER_REGION,
            Proximity.OTHER_REGION);
  }

  @Test
  void regionOnlyPutsTheWholeRegionInOneLevel() {
    PriorityLevels levels = PriorityLevels.of(CALLER, SHARED_ZONES, priority(REGION));

    assertThat(ids(levels))
        .containsExactly(
            List.of("east-2/zone-b", "b1", "east-2/zone-a", "a1"),
            List.of("eu-1/zone-a"),
            List.of("west-1/zone-a"));
  }

  @Test
  void withoutRegionTheRestOfTheCallersRegionComesBeforeOtherRegions() {
    PriorityLevels levels = PriorityLevels.of(CALLER, SHARED_ZONES, priority(CLUSTER));

    assertThat(ids(levels))
        .containsExactly(
            List.of("b1", "a1"),
            List.of("east-2/zone-b", "east-2/zone-a"),
            List.of("eu-1/zone-a"),
            List.of("west-1/zone-a"));
    assertThat(levels.levels())
        .extracting(PriorityLevels.Level::region)
        .containsExactly("us-east", "us-east", "eu-west", "us-west");
  }

  @Test
  void aZoneOfTheSameNameInAnotherRegionDoesNotMatch() {
    PriorityLevels levels = PriorityLevels.of(CALLER, List.of(WEST1, A1), priority(ZONE));

    assertThat(ids(levels)).containsExactly(List.of("a1"), List.of("west-1/zone-a"));
  }

  @Test
  void failoverOrdersTheOtherRegionsAfterTheFailoverPriorityLevels() {
    LocalityFailover failover =
        new LocalityFailover(
            List.of(REGION, ZONE, CLUSTER), Map.of("us-east", List.of("us-west", "eu-west")), 1.4);

    PriorityLevels levels = PriorityLevels.of(CALLER, SHARED_ZONES, failover);

    assertThat(levels.levels())
        .extracting(PriorityLevels.Level::region)
        .containsExactly("us-east", "us-east", "us-east", "us-west", "eu-west");
  }

  @Test
  void noEndpointsNoLevels() {
    assertThat(PriorityLevels.of(CALLER, List.of(), LocalityFailover.DEFAULT).size()).isZero();
  }
}
