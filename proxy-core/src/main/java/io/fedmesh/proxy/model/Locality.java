package io.fedmesh.proxy.model;

import java.util.Objects;

/**
 * Where an endpoint runs: region, zone and cluster (a cluster spans one region; zones are within a
 * region). Values are DNS-label-like names.
 */
public record Locality(String region, String zone, String cluster) {
  public Locality {
    Names.checkLabel("locality.region", region);
    Names.checkLabel("locality.zone", zone);
    Names.checkLabel("locality.cluster", cluster);
  }

  /** How close {@code other} is to this locality: the basis of priority levels. */
  public Proximity proximityOf(Locality other) {
    Objects.requireNonNull(other, "other");
    if (!region.equals(other.region)) {
      return Proximity.OTHER_REGION;
    }
    if (!cluster.equals(other.cluster)) {
      return Proximity.SAME_REGION_OTHER_CLUSTER;
    }
    return zone.equals(other.zone) ? Proximity.SAME_ZONE : Proximity.SAME_REGION;
  }

  /** Closeness classes, nearest first (their ordinal is the default priority). */
  public enum Proximity {
    SAME_ZONE,
    SAME_REGION,
    SAME_REGION_OTHER_CLUSTER,
    OTHER_REGION
  }

  @Override
  public String toString() {
    return region + "/" + zone + "/" + cluster;
  }
}
