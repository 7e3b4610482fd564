package io.fedmesh.proxy.routing;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Locality;
import java.util.Optional;

/** Test localities and endpoints: a caller in us-east/zone-a/east-1 and its neighbours. */
final class Endpoints {
  static final Locality CALLER = new Locality("us-east", "zone-a", "east-1");
  static final Locality EAST_ZONE_A = CALLER;
  static final Locality EAST_ZONE_B = new Locality("us-east", "zone-b", "east-1");
  static final Locality EAST2_ZONE_A = new Locality("us-east", "zone-a", "east-2");
  static final Locality WEST = new Locality("us-west", "zone-a", "west-1");
  static final Locality EU = new Locality("eu-west", "zone-a", "eu-1");

  private Endpoints() {}

  static Endpoint local(String id, Locality l) {
    return local(id, l, 1, true);
  }

  static Endpoint local(String id, Locality l, int weight, boolean healthy) {
    return new Endpoint(id, "10.0.0." + (id.hashCode() & 0x7f), 8080, l, weight, healthy, null);
  }

  /** A linked cluster's gateway summary for one zone, weighing its healthy count. */
  static Endpoint remote(Locality l, int healthyCount) {
    return new Endpoint(
        l.cluster() + "/" + l.zone(),
        "gw." + l.cluster() + ".example",
        15443,
        l,
        Math.max(1, healthyCount),
        healthyCount > 0,
        Optional.of("reviews.default.9080." + l.cluster() + ".fedmesh"));
  }
}
