package io.fedmesh.controller.peering;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.controller.catalog.ImportEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The last export set a linked cluster sent, as received (before the service mirror's clash checks
 * and reachability): one {@link ImportEntry} per exported service, {@code reachable} true. Peering
 * writes it to the catalog's {@value #STATE_MAP} state map, key = the linked cluster; the service
 * mirror reads it and writes the catalog's imports. This is the only hand-over between the two.
 *
 * @param cluster the exporting cluster
 * @param version the export set's version as the exporter numbered it
 * @param services what it exports
 */
public record RemoteExports(
    @JsonProperty("cluster") String cluster,
    @JsonProperty("version") long version,
    @JsonProperty("services") List<ImportEntry> services) {
  /** The catalog state map holding the received export sets. */
  public static final String STATE_MAP = "remote-exports";

  public RemoteExports {
    services = List.copyOf(services);
  }

  /** The export set last received from {@code cluster}. */
  public static Optional<RemoteExports> of(Catalog catalog, String cluster) {
    return Optional.ofNullable(catalog.state(STATE_MAP).get(cluster))
        .map(json -> Catalog.decode(json, RemoteExports.class));
  }

  /** Every linked cluster's last export set. */
  public static List<RemoteExports> all(Catalog catalog) {
    List<RemoteExports> out = new ArrayList<>();
    for (String json : catalog.state(STATE_MAP).values()) {
      out.add(Catalog.decode(json, RemoteExports.class));
    }
    return List.copyOf(out);
  }

  static void put(Catalog catalog, RemoteExports exports) {
    catalog.state(STATE_MAP).set(exports.cluster(), Catalog.encode(exports));
  }

  static void remove(Catalog catalog, String cluster) {
    catalog.state(STATE_MAP).delete(cluster);
  }
}
