package io.fedmesh.sidecar.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.proxy.model.AuthorizationPolicy;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.model.Protocol;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.ServicePort;
import io.fedmesh.trust.spiffe.SpiffeId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DestinationTest {
  private static final Locality EAST = new Locality("us-east", "us-east-1a", "us-east");
  private static final Locality WEST = new Locality("us-west", "us-west-1a", "us-west");

  private static Service service(String name, List<Endpoint> endpoints) {
    return new Service(
        new ServiceName(name, "default"),
        List.of(new ServicePort("http", 9080, Protocol.HTTP)),
        List.of(SpiffeId.parse("spiffe://us-east.fedmesh.local/ns/default/sa/" + name)),
        true,
        endpoints);
  }

  private final Service reviews =
      service(
          "reviews",
          List.of(
              Endpoint.local("r-east", "127.0.0.1", 15006, EAST),
              new Endpoint(
                  "r-west",
                  "127.0.0.2",
                  15443,
                  WEST,
                  2,
                  true,
                  Optional.of("reviews.default.9080.us-west.fedmesh"))));
  private final ProxySnapshot snapshot =
      new ProxySnapshot(
          1,
          "us-east",
          EAST,
          Map.of(reviews.name(), reviews),
          Map.of(),
          AuthorizationPolicy.ALLOW_MESH);

  @Test
  void clusterLocalHostStaysInThisCluster() {
    Destination d =
        Destination.resolve("reviews.default.svc.cluster.local:9080", snapshot).orElseThrow();
    assertThat(d.onlyCluster()).contains("us-east");
    assertThat(d.endpoints()).extracting(Endpoint::id).containsExactly("r-east");
  }

  @Test
  void clusterSetHostSpansClusters() {
    Destination d =
        Destination.resolve("REVIEWS.default.svc.clusterset.local.", snapshot).orElseThrow();
    assertThat(d.onlyCluster()).isEmpty();
    assertThat(d.endpoints()).extracting(Endpoint::id).containsExactly("r-east", "r-west");
  }

  @Test
  void clusterSuffixSelectsOneCluster() {
    Destination d =
        Destination.resolve("reviews-us-west.default.svc.clusterset.local", snapshot).orElseThrow();
    assertThat(d.onlyCluster()).contains("us-west");
    assertThat(d.endpoints()).extracting(Endpoint::id).containsExactly("r-west");
  }

  @Test
  void aRealServiceNamedLikeAMirrorWins() {
    Service mirrorLike =
        service("reviews-us-west", List.of(Endpoint.local("x", "127.0.0.9", 1, EAST)));
    ProxySnapshot s =
        new ProxySnapshot(
            1,
            "us-east",
            EAST,
            Map.of(reviews.name(), reviews, mirrorLike.name(), mirrorLike),
            Map.of(),
            AuthorizationPolicy.ALLOW_MESH);
    assertThat(
            Destination.resolve("reviews-us-west.default.svc.clusterset.local", s)
                .orElseThrow()
                .service())
        .isSameAs(mirrorLike);
  }

  @Test
  void unknownOrMalformedHostsDoNotResolve() {
    assertThat(Destination.resolve("ratings.default.svc.cluster.local", snapshot)).isEmpty();
    assertThat(Destination.resolve("reviews-eu-west.default.svc.clusterset.local", snapshot))
        .isEmpty();
    assertThat(Destination.resolve("reviews.svc.cluster.local", snapshot)).isEmpty();
    assertThat(Destination.resolve("a.b.c.svc.cluster.local", snapshot)).isEmpty();
    assertThat(Destination.resolve("example.com", snapshot)).isEmpty();
    assertThat(Destination.resolve("Bad_Name.default.svc.cluster.local", snapshot)).isEmpty();
    assertThat(Destination.resolve(null, snapshot)).isEmpty();
  }
}
