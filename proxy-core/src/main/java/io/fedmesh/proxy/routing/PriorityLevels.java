package io.fedmesh.proxy.routing;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.model.Locality.Proximity;
import io.fedmesh.proxy.model.LocalityFailover;
import io.fedmesh.proxy.model.LocalityLabel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * A service's endpoints grouped into ordered priority levels, as one caller sees them. With the
 * default {@link LocalityFailover#failoverPriority() failoverPriority}, {@code [region, cluster,
 * zone]}:
 *
 * <ol>
 *   <li>the caller's zone in the caller's cluster;
 *   <li>the caller's region, same cluster, other zones;
 *   <li>the caller's region, other clusters;
 *   <li>each region listed by {@code failover.failover().get(callerRegion)}, in that order, one
 *       level per region (Istio's explicit {@code failover: {from, to}} order);
 *   <li>every other region, in name order, one level per region.
 * </ol>
 *
 * <p>In general, with N labels, level {@code k} (k < N) holds the endpoints sharing exactly the
 * first N-k labels with the caller ({@link io.fedmesh.proxy.model.LocalityLabel#matches}); the
 * endpoints sharing not even the first label follow: those in the caller's region (possible only
 * when {@code region} is not the first label) as one level, then one level per other region in the
 * failover order above. So {@code [region, zone, cluster]} prefers the caller's zone in another
 * cluster of its region over another zone of its own cluster.
 *
 * <p>Levels with no endpoint are left out, so priority {@code 0} is the nearest level that has
 * endpoints; {@link Level#proximity()} says how far it reaches. Within a level, endpoints keep
 * their input order. Health plays no part here: an unhealthy endpoint stays in its level and lowers
 * that level's health (see {@link LocalityLoadBalancer}). Immutable.
 */
public final class PriorityLevels {
  private final Locality caller;
  private final List<Level> levels;

  private PriorityLevels(Locality caller, List<Level> levels) {
    this.caller = caller;
    this.levels = List.copyOf(levels);
  }

  /**
   * Groups {@code endpoints} for a caller in {@code caller}.
   *
   * @param failover the service's failover order; its {@code failoverPriority} and {@code failover}
   *     are read here
   */
  public static PriorityLevels of(
      Locality caller, List<Endpoint> endpoints, LocalityFailover failover) {
    Objects.requireNonNull(caller, "caller");
    Objects.requireNonNull(endpoints, "endpoints");
    Objects.requireNonNull(failover, "failover");
    List<LocalityLabel> labels = failover.failoverPriority();
    List<List<Endpoint>> byMatch = new ArrayList<>();
    for (int i = 0; i < labels.size(); i++) {
      byMatch.add(new ArrayList<>());
    }
    List<Endpoint> restOfRegion = new ArrayList<>();
    Map<String, List<Endpoint>> byRegion = new TreeMap<>();
    for (Endpoint e : endpoints) {
      Objects.requireNonNull(e, "endpoint");
      int matched = 0;
      while (matched < labels.size() && labels.get(matched).matches(caller, e.locality())) {
        matched++;
      }
      if (matched > 0) {
        byMatch.get(labels.size() - matched).add(e);
      } else if (e.locality().region().equals(caller.region())) {
        restOfRegion.add(e);
      } else {
        byRegion.computeIfAbsent(e.locality().region(), r -> new ArrayList<>()).add(e);
      }
    }
    List<Level> levels = new ArrayList<>();
    for (List<Endpoint> es : byMatch) {
      add(levels, caller, caller.region(), es);
    }
    add(levels, caller, caller.region(), restOfRegion);
    Map<String, List<Endpoint>> ordered = new LinkedHashMap<>();
    Set<String> explicit =
        new LinkedHashSet<>(failover.failover().getOrDefault(caller.region(), List.of()));
    for (String region : explicit) {
      List<Endpoint> es = byRegion.remove(region);
      if (es != null) {
        ordered.put(region, es);
      }
    }
    ordered.putAll(byRegion); // the rest, in name order (TreeMap)
    for (Map.Entry<String, List<Endpoint>> e : ordered.entrySet()) {
      add(levels, caller, e.getKey(), e.getValue());
    }
    return new PriorityLevels(caller, levels);
  }

  private static void add(
      List<Level> levels, Locality caller, String region, List<Endpoint> endpoints) {
    if (endpoints.isEmpty()) {
      return;
    }
    Proximity farthest = Proximity.SAME_ZONE;
    for (Endpoint e : endpoints) {
      Proximity p = caller.proximityOf(e.locality());
      if (p.compareTo(farthest) > 0) {
        farthest = p;
      }
    }
    levels.add(new Level(levels.size(), farthest, region, endpoints));
  }

  /** The caller these levels were computed for. */
  public Locality caller() {
    return caller;
  }

  /** Non-empty levels, nearest first; the index of each is its priority. */
  public List<Level> levels() {
    return levels;
  }

  /** The number of non-empty levels. */
  public int size() {
    return levels.size();
  }

  /** The level of priority {@code priority} (0 is the nearest). */
  public Level level(int priority) {
    return levels.get(priority);
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("PriorityLevels{caller=").append(caller);
    for (Level l : levels) {
      b.append(", P").append(l.priority()).append('=').append(l.proximity());
      b.append('(').append(l.region()).append(")x").append(l.endpoints().size());
    }
    return b.append('}').toString();
  }

  /**
   * One priority level.
   *
   * @param priority 0 for the nearest non-empty level
   * @param proximity how far the level reaches: the farthest proximity of its endpoints to the
   *     caller (with the default failover priority, every endpoint of a level has it)
   * @param region the caller's region, or for {@link Proximity#OTHER_REGION} the level's region
   * @param endpoints the level's endpoints, never empty
   */
  public record Level(int priority, Proximity proximity, String region, List<Endpoint> endpoints) {
    /** Copies {@code endpoints}. */
    public Level {
      endpoints = List.copyOf(endpoints);
    }
  }
}
