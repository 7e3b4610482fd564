package io.fedmesh.proxy.model;

import java.util.Locale;
import java.util.Objects;

/**
 * One part of a {@link Locality} that an endpoint can share with its caller: the labels of Istio's
 * {@code failoverPriority}. A zone is only meaningful within its region, and a cluster lies in one
 * region, so "the same zone" means the same region and zone, and "the same cluster" implies the
 * same region.
 */
public enum LocalityLabel {
  /** The same region. */
  REGION,
  /** The same zone of the same region. */
  ZONE,
  /** The same cluster (and so the same region). */
  CLUSTER;

  /** Does {@code endpoint} share this label with {@code caller}? */
  public boolean matches(Locality caller, Locality endpoint) {
    Objects.requireNonNull(caller, "caller");
    Objects.requireNonNull(endpoint, "endpoint");
    return switch (this) {
      case REGION -> caller.region().equals(endpoint.region());
      case ZONE ->
          caller.region().equals(endpoint.region()) && caller.zone().equals(endpoint.zone());
      case CLUSTER -> caller.cluster().equals(endpoint.cluster());
    };
  }

  /** The name as written in configuration: {@code region}, {@code zone} or {@code cluster}. */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
