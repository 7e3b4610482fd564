package io.fedmesh.proxy.config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads the {@link KnownLocalities} out of a topology file ({@code kind: Topology}), so that
 * policies can be checked against the clusters, regions and zones a mesh really has:
 *
 * <pre>{@code
 * apiVersion: fedmesh.io/v1alpha1
 * kind: Topology
 * clusters:
 *   - name: us-east          # required, a DNS label, each cluster once
 *     region: us-east        # required, a DNS label
 *     zones: [a, b]          # optional, DNS labels, none twice
 * }</pre>
 *
 * <p>This reads only {@code apiVersion}, {@code kind}, {@code clusters} and each cluster's {@code
 * name}, {@code region} and {@code zones}; every other field, at the top or in a cluster, is left
 * to the readers that need it (such as the local runner's, which adds services, replicas and
 * links), and ignored here. Errors are {@link ConfigException}s, the first one found.
 */
public final class TopologyLocalities {
  /** The document's {@code kind}. */
  public static final String KIND = "Topology";

  private TopologyLocalities() {}

  /**
   * Loads {@code file}, which must be UTF-8.
   *
   * @throws ConfigException when it cannot be read or is not a valid topology
   */
  public static KnownLocalities load(Path file) {
    Objects.requireNonNull(file, "file");
    return parse(SourceText.read(file), file.toString());
  }

  /**
   * Parses {@code yaml}; {@code sourceName} is what error messages call it.
   *
   * @throws ConfigException when it is not a valid topology
   */
  public static KnownLocalities parse(String yaml, String sourceName) {
    Objects.requireNonNull(yaml, "yaml");
    Objects.requireNonNull(sourceName, "sourceName");
    String text = SourceText.checked(yaml, sourceName);
    NodeReader r = new NodeReader(sourceName);
    Node root = SafeYaml.compose(text, sourceName);
    if (NodeReader.isEmpty(root)) {
      throw new ConfigException(
          sourceName, 1, 1, "", "empty file (expected: a " + KIND + " document listing clusters)");
    }
    Fields doc = r.mapping(root, "");
    doc.constant("apiVersion", ProxyConfigLoader.API_VERSION);
    doc.constant("kind", KIND);
    KnownLocalities.Builder known = KnownLocalities.builder();
    Map<String, Node> names = new HashMap<>();
    List<Node> clusters = r.list(doc.required("clusters"), "clusters");
    for (int i = 0; i < clusters.size(); i++) {
      Fields c = r.mapping(clusters.get(i), "clusters[" + i + "]");
      String name = r.label(c.required("name"), c.path("name"));
      r.repeated(
              names,
              name,
              c.get("name"),
              c.path("name"),
              "cluster '" + name + "' is listed twice",
              "each cluster once")
          .ifPresent(
              e -> {
                throw e;
              });
      String region = r.label(c.required("region"), c.path("region"));
      List<String> zones = c.uniqueList("zones", r::label);
      known.cluster(name, region, zones);
    }
    return known.build();
  }
}
