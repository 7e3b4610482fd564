package io.fedmesh.proxy.config;

import io.fedmesh.proxy.model.ModelException;
import io.fedmesh.proxy.model.Names;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The clusters, regions and zones of a mesh, which a policy's locality names are checked against:
 * from a topology ({@link Topology#localities()}), or from the controller's catalog. A cluster lies
 * in one region; a region's zones are those its clusters list. Immutable.
 *
 * <p>{@link #UNCHECKED} knows nothing and checks nothing: a policy is then checked for syntax and
 * its own consistency only.
 */
public final class KnownLocalities {
  /** No topology: every region, zone and cluster name is accepted. */
  public static final KnownLocalities UNCHECKED = new KnownLocalities(false, Map.of(), Map.of());

  private final boolean checked;
  private final Map<String, String> regionOfCluster;
  private final Map<String, Set<String>> zonesOfRegion;

  private KnownLocalities(
      boolean checked,
      Map<String, String> regionOfCluster,
      Map<String, Set<String>> zonesOfRegion) {
    this.checked = checked;
    this.regionOfCluster = Collections.unmodifiableMap(new TreeMap<>(regionOfCluster));
    Map<String, Set<String>> zones = new TreeMap<>();
    zonesOfRegion.forEach(
        (region, z) -> zones.put(region, Collections.unmodifiableSet(new TreeSet<>(z))));
    this.zonesOfRegion = Collections.unmodifiableMap(zones);
  }

  /** A builder of known localities, starting from none. */
  public static Builder builder() {
    return new Builder();
  }

  /** False for {@link #UNCHECKED}: names are then not checked. */
  public boolean isChecked() {
    return checked;
  }

  /** The known clusters, in name order. */
  public Set<String> clusters() {
    return regionOfCluster.keySet();
  }

  /** The known regions, in name order. */
  public Set<String> regions() {
    return zonesOfRegion.keySet();
  }

  /** The region {@code cluster} lies in, or empty when it is not known. */
  public Optional<String> regionOf(String cluster) {
    return Optional.ofNullable(regionOfCluster.get(cluster));
  }

  /** The zones of {@code region}, in name order; empty when the region is not known. */
  public Set<String> zones(String region) {
    return zonesOfRegion.getOrDefault(region, Set.of());
  }

  /** Does the region exist, or is nothing checked? */
  public boolean allowsRegion(String region) {
    return !checked || zonesOfRegion.containsKey(region);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KnownLocalities k
        && checked == k.checked
        && regionOfCluster.equals(k.regionOfCluster)
        && zonesOfRegion.equals(k.zonesOfRegion);
  }

  @Override
  public int hashCode() {
    return Objects.hash(checked, regionOfCluster, zonesOfRegion);
  }

  @Override
  public String toString() {
    return checked
        ? "KnownLocalities{clusters=" + regionOfCluster + ", zones=" + zonesOfRegion + "}"
        : "KnownLocalities{unchecked}";
  }

  /** Builds {@link KnownLocalities}; each setter checks its input at once. */
  public static final class Builder {
    private final Map<String, String> regionOfCluster = new LinkedHashMap<>();
    private final Map<String, Set<String>> zonesOfRegion = new LinkedHashMap<>();

    Builder() {}

    /**
     * Adds a cluster, its region and its zones (which may be none).
     *
     * @throws ModelException when a name is not a DNS label, or the cluster was added before
     */
    public Builder cluster(String name, String region, Collection<String> zones) {
      Names.checkLabel("cluster", name);
      Names.checkLabel("region", region);
      for (String zone : zones) {
        Names.checkLabel("zone", zone);
      }
      if (regionOfCluster.containsKey(name)) {
        throw new ModelException(
            "cluster: '" + name + "' is added twice (expected: each cluster once)");
      }
      regionOfCluster.put(name, region);
      zonesOfRegion.computeIfAbsent(region, r -> new TreeSet<>()).addAll(zones);
      return this;
    }

    /** The localities added so far; checked, even when none were added. */
    public KnownLocalities build() {
      return new KnownLocalities(true, regionOfCluster, zonesOfRegion);
    }
  }
}
