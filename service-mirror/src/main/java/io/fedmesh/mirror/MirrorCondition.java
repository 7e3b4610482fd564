package io.fedmesh.mirror;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fedmesh.controller.catalog.Catalog;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Why a remote export is not imported: a status condition the mirror keeps in the catalog's {@value
 * #STATE_MAP} state map (key {@code cluster/namespace/name}) for {@code fedmesh status} and {@code
 * fedmesh check}, until the clash is gone.
 *
 * @param type {@link #NAME_CLASH} or {@link #PORT_CLASH}
 * @param cluster the exporting cluster whose service was not imported
 * @param namespace the service's namespace
 * @param name the service's name
 * @param message what clashes with what, and what to do
 * @param sinceMillis when the condition was first seen
 */
public record MirrorCondition(
    @JsonProperty("type") String type,
    @JsonProperty("cluster") String cluster,
    @JsonProperty("namespace") String namespace,
    @JsonProperty("name") String name,
    @JsonProperty("message") String message,
    @JsonProperty("since") long sinceMillis) {
  /** The catalog state map of the mirror's conditions. */
  public static final String STATE_MAP = "mirror-conditions";

  /** A local service is literally named {@code <name>-<cluster>}, the import's per-cluster name. */
  public static final String NAME_CLASH = "NameClash";

  /** The same service name has incompatible ports here and in the exporting cluster. */
  public static final String PORT_CLASH = "PortClash";

  /** The catalog key. */
  public String key() {
    return cluster + "/" + Catalog.serviceKey(namespace, name);
  }

  /** Every condition the mirror reports now. */
  public static List<MirrorCondition> all(Catalog catalog) {
    List<MirrorCondition> out = new ArrayList<>();
    for (String json : catalog.state(STATE_MAP).values()) {
      out.add(Catalog.decode(json, MirrorCondition.class));
    }
    out.sort(Comparator.comparing(MirrorCondition::key));
    return List.copyOf(out);
  }
}
