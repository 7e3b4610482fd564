package io.fedmesh.proxy.model;

import java.util.List;
import java.util.Map;

/**
 * How localities are ordered into priority levels for a caller. By default: same zone, then same
 * region (this cluster), then the same region's other clusters, then other regions. {@code
 * failover} overrides the order of other regions for callers in a given region (Istio's {@code
 * failover: [{from, to}]}); regions not listed come last, in name order.
 *
 * @param failover region → ordered regions to fail over to
 * @param overprovisioningFactor Envoy's factor: a level keeps all traffic while {@code healthy% ×
 *     factor ≥ 100}, and spills the rest to the next level as health drops (1.0..10.0)
 */
public record LocalityFailover(Map<String, List<String>> failover, double overprovisioningFactor) {
  /** Envoy's overprovisioning factor. */
  public static final double DEFAULT_OVERPROVISIONING_FACTOR = 1.4;

  /** Proximity order, Envoy's factor. */
  public static final LocalityFailover DEFAULT =
      new LocalityFailover(Map.of(), DEFAULT_OVERPROVISIONING_FACTOR);

  public LocalityFailover {
    Map<String, List<String>> copy = new java.util.TreeMap<>();
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
}
