package io.fedmesh.proxy.model;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * How localities are ordered into priority levels for a caller.
 *
 * <p>{@code failoverPriority} lists {@linkplain LocalityLabel locality labels}, as Istio's field
 * does: with N labels, endpoints sharing all N with the caller come first, then those sharing the
 * first N-1, and so on down to those sharing only the first; a label counts only when the ones
 * before it match. The default, {@code [region, cluster, zone]}, gives the proximity order: same
 * zone of the caller's cluster, then the caller's cluster, then the caller's region's other
 * clusters. {@code region}, when listed, comes first: after {@code zone} or {@code cluster} it
 * could never separate two endpoints, since both imply the region.
 *
 * <p>The endpoints sharing not even the first label come after those levels: first those in the
 * caller's region (only when {@code region} is not the first label), then one level per other
 * region, ordered by {@code failover}: for callers in region {@code from}, the regions listed
 * (Istio's {@code failover: [{from, to}]}) in that order, then the regions not listed in name
 * order. So the two fields do not conflict: {@code failoverPriority} orders what is near the
 * caller, {@code failover} what is in other regions.
 *
 * @param failoverPriority labels, most significant first: at least one, none twice, {@code region}
 *     only first
 * @param failover region → ordered regions to fail over to
 * @param overprovisioningFactor Envoy's factor: a level keeps all traffic while {@code healthy% ×
 *     factor ≥ 100}, and spills the rest to the next level as health drops (1.0..10.0)
 */
public record LocalityFailover(
    List<LocalityLabel> failoverPriority,
    Map<String, List<String>> failover,
    double overprovisioningFactor) {
  /** Envoy's overprovisioning factor. */
  public static final double DEFAULT_OVERPROVISIONING_FACTOR = 1.4;

  /** The proximity order: same zone of the caller's cluster, same cluster, same region. */
  public static final List<LocalityLabel> DEFAULT_FAILOVER_PRIORITY =
      List.of(LocalityLabel.REGION, LocalityLabel.CLUSTER, LocalityLabel.ZONE);

  /** Proximity order, Envoy's factor. */
  public static final LocalityFailover DEFAULT =
      new LocalityFailover(Map.of(), DEFAULT_OVERPROVISIONING_FACTOR);

  /** The default {@code failoverPriority} with an explicit region order. */
  public LocalityFailover(Map<String, List<String>> failover, double overprovisioningFactor) {
    this(DEFAULT_FAILOVER_PRIORITY, failover, overprovisioningFactor);
  }

  public LocalityFailover {
    failoverPriority = List.copyOf(failoverPriority);
    checkFailoverPriority(failoverPriority);
    Map<String, List<String>> copy = new TreeMap<>();
    for (Map.Entry<String, List<String>> e : failover.entrySet()) {
      Names.checkLabel("locality.failover.from", e.getKey());
      for (String to : e.getValue()) {
        Names.checkLabel("locality.failover.to", to);
        if (to.equals(e.getKey())) {
          throw new ModelException(
              "locality.failover: region '" + to + "' fails over to itself (remove it from 'to')");
        }
      }
      copy.put(e.getKey(), List.copyOf(e.getValue()));
    }
    failover = Map.copyOf(copy);
    if (!(overprovisioningFactor >= 1.0 && overprovisioningFactor <= 10.0)) {
      throw new ModelException(
          "locality.overprovisioningFactor: " + overprovisioningFactor + " (expected: 1.0..10.0)");
    }
  }

  private static void checkFailoverPriority(List<LocalityLabel> labels) {
    if (labels.isEmpty()) {
      throw new ModelException(
          "locality.failoverPriority: an empty list (expected: at least one of region, zone,"
              + " cluster)");
    }
    Set<LocalityLabel> seen = EnumSet.noneOf(LocalityLabel.class);
    for (LocalityLabel label : labels) {
      if (!seen.add(label)) {
        throw new ModelException(
            "locality.failoverPriority: '" + label + "' is listed twice (expected: each once)");
      }
    }
    int region = labels.indexOf(LocalityLabel.REGION);
    if (region > 0) {
      throw new ModelException(
          "locality.failoverPriority: 'region' comes after '"
              + labels.get(0)
              + "', which implies the region (expected: region first, or not at all)");
    }
  }
}
