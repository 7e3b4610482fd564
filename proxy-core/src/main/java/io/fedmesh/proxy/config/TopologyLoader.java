package io.fedmesh.proxy.config;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a {@link Topology} from YAML, with the same safety and {@code file:line:col} errors as
 * {@link ProxyConfigLoader}:
 *
 * <pre>{@code
 * apiVersion: fedmesh.io/v1alpha1        # required, exactly this
 * kind: Topology                         # required, exactly this
 * metadata: {name: default}              # required: a DNS label (names the state directory)
 * clusters:                              # required, at least one; names unique
 *   - name: us-east                      # required, a DNS label
 *     trustDomain: us-east.fedmesh.local # optional, default <name>.fedmesh.local; unique
 *     region: us-east                    # required, a DNS label
 *     zones: [us-east-1a, us-east-1b]    # required, at least one DNS label, none twice
 *     controllers: 2                     # optional, default 2; 1..5 replicas
 *     services:                          # optional; (namespace, name) unique in the cluster
 *       - name: reviews                  # required, a DNS label
 *         namespace: default             # optional, default "default"
 *         kind: http-echo                # optional, default http-echo; or grpc-echo
 *         port: 9080                     # optional, default 9080 (http-echo), 9090 (grpc-echo)
 *         replicas: 1                    # optional, default 1: in EACH zone; or per zone:
 *         # replicas: {us-east-1a: 2, us-east-1b: 0}   (zones not named get 0)
 *         exported: true                 # optional, default false
 * links:                                 # optional; 'to' issues the token, 'from' dials
 *   - {from: us-west, to: us-east}       # known clusters, not itself, each pair once
 * policies:                              # optional; FailoverPolicy documents
 *   - file: reviews-failover.yaml        # relative to this file; or 'inline: {...}'
 *     clusters: [us-east]                # optional, default every cluster
 * }</pre>
 *
 * <p>A service of the same namespace and name in several clusters must have the same kind and port
 * in all of them (the clusterset-wide service merges them).
 */
public final class TopologyLoader {
  /** The document's {@code kind}. */
  public static final String KIND = "Topology";

  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern TRUST_DOMAIN = Pattern.compile("[a-z0-9._-]{1,255}");

  private final NodeReader r;
  private final Path baseDir;

  private TopologyLoader(NodeReader r, Path baseDir) {
    this.r = r;
    this.baseDir = baseDir;
  }

  /**
   * Loads {@code file} (UTF-8); policy files it names are read relative to its directory.
   *
   * @throws ConfigException when it cannot be read or is not a valid topology
   */
  public static Topology load(Path file) {
    Objects.requireNonNull(file, "file");
    String text = readText(file, file.toString(), null);
    Path dir = file.toAbsolutePath().getParent();
    return parse(text, file.toString(), dir);
  }

  /**
   * Parses {@code yaml}; {@code sourceName} is what errors call it; policy files are read relative
   * to {@code baseDir} (null: a topology that names a policy file is refused).
   *
   * @throws ConfigException when it is not a valid topology
   */
  public static Topology parse(String yaml, String sourceName, Path baseDir) {
    Objects.requireNonNull(yaml, "yaml");
    Objects.requireNonNull(sourceName, "sourceName");
    if (yaml.length() > ProxyConfigLoader.MAX_DOCUMENT_BYTES) {
      throw new ConfigException(
          sourceName, 0, 0, "", "larger than 4 MiB (expected: a topology of at most 4 MiB)");
    }
    if (!yaml.isEmpty() && yaml.charAt(0) == '\uFEFF') {
      yaml = yaml.substring(1);
    }
    return new TopologyLoader(new NodeReader(sourceName), baseDir)
        .read(SafeYaml.compose(yaml, sourceName));
  }

  private Topology read(Node root) {
    if (root == null || (root instanceof ScalarNode s && s.getTag().equals(Tag.NULL))) {
      throw new ConfigException(
          r.source(),
          1,
          1,
          "",
          "empty file (expected: a Topology document, starting with apiVersion: "
              + ProxyConfigLoader.API_VERSION
              + ")");
    }
    Fields doc = r.mapping(root, "");
    constant(doc, "apiVersion", ProxyConfigLoader.API_VERSION);
    constant(doc, "kind", KIND);
    doc.allow("apiVersion", "kind", "metadata", "clusters", "links", "policies");
    Fields meta = r.mapping(doc.required("metadata"), "metadata", "name");
    String name = label(meta, "name");
    List<Node> clusterNodes = r.list(doc.required("clusters"), "clusters");
    if (clusterNodes.isEmpty()) {
      throw doc.errorAt("clusters", "an empty list (expected: at least one cluster)");
    }
    List<Topology.Cluster> clusters = new ArrayList<>();
    Map<String, Node> names = new HashMap<>();
    Map<String, Node> domains = new HashMap<>();
    Map<String, ServiceShape> shapes = new HashMap<>();
    for (int i = 0; i < clusterNodes.size(); i++) {
      Topology.Cluster c = cluster(clusterNodes.get(i), "clusters[" + i + "]", shapes);
      Fields f = r.mapping(clusterNodes.get(i), "clusters[" + i + "]");
      once(names, c.name(), f.get("name"), f.path("name"), "cluster");
      once(
          domains,
          c.trustDomain(),
          f.has("trustDomain") ? f.get("trustDomain") : f.get("name"),
          f.path("trustDomain"),
          "trust domain");
      clusters.add(c);
    }
    List<Topology.Link> links = links(doc, names.keySet());
    List<Topology.PolicyDocument> policies = policies(doc, names.keySet());
    return new Topology(name, clusters, links, policies);
  }

  /** What a service must look like in every cluster that runs it. */
  private record ServiceShape(Topology.Kind kind, int port, String where) {}

  private Topology.Cluster cluster(Node node, String path, Map<String, ServiceShape> shapes) {
    Fields f =
        r.mapping(node, path, "name", "trustDomain", "region", "zones", "controllers", "services");
    String name = label(f, "name");
    String trustDomain = name + ".fedmesh.local";
    if (f.has("trustDomain")) {
      trustDomain = f.string("trustDomain");
      if (!TRUST_DOMAIN.matcher(trustDomain).matches()) {
        throw f.errorAt(
            "trustDomain",
            "'"
                + NodeReader.printable(trustDomain)
                + "' (expected: a SPIFFE trust domain: lower-case letters, digits, '.', '-' and"
                + " '_')");
      }
    }
    String region = label(f, "region");
    List<String> zones = f.uniqueList("zones", this::label);
    if (!f.has("zones") || zones.isEmpty()) {
      throw f.has("zones")
          ? f.errorAt("zones", "an empty list (expected: at least one zone)")
          : f.missing("zones", "expected: at least one zone, e.g. [" + region + "-1a]");
    }
    int controllers = f.integer("controllers", Topology.DEFAULT_CONTROLLERS);
    if (controllers < 1 || controllers > Topology.MAX_CONTROLLERS) {
      throw f.errorAt(
          "controllers", controllers + " (expected: 1.." + Topology.MAX_CONTROLLERS + ")");
    }
    List<Topology.Service> services = new ArrayList<>();
    Map<String, Node> seen = new HashMap<>();
    List<Node> nodes =
        f.has("services") ? r.list(f.get("services"), f.path("services")) : List.of();
    for (int i = 0; i < nodes.size(); i++) {
      String p = f.path("services") + "[" + i + "]";
      Topology.Service s = service(nodes.get(i), p, zones);
      Fields sf = r.mapping(nodes.get(i), p);
      once(seen, s.namespace() + "/" + s.name(), sf.get("name"), sf.path("name"), "service");
      ServiceShape shape = new ServiceShape(s.kind(), s.port(), "cluster " + name);
      ServiceShape first = shapes.putIfAbsent(s.namespace() + "/" + s.name(), shape);
      if (first != null && (first.kind() != s.kind() || first.port() != s.port())) {
        throw r.error(
            nodes.get(i),
            p,
            s.kind().text()
                + " on port "
                + s.port()
                + " differs from "
                + first.where()
                + " ("
                + first.kind().text()
                + " on port "
                + first.port()
                + "; expected: the same kind and port in every cluster, as callers of the"
                + " clusterset-wide service see one)");
      }
      services.add(s);
    }
    return new Topology.Cluster(name, trustDomain, region, zones, controllers, services);
  }

  private Topology.Service service(Node node, String path, List<String> zones) {
    Fields f = r.mapping(node, path, "name", "namespace", "kind", "port", "replicas", "exported");
    String name = label(f, "name");
    String namespace = f.has("namespace") ? label(f, "namespace") : Topology.DEFAULT_NAMESPACE;
    Topology.Kind kind = f.choice("kind", Topology.Kind.byText(), Topology.Kind.HTTP_ECHO);
    int port = f.integer("port", kind.defaultPort());
    if (port < 1 || port > 65535) {
      throw f.errorAt("port", port + " (expected: 1..65535)");
    }
    Map<String, Integer> replicas = new LinkedHashMap<>();
    Node rn = f.get("replicas");
    if (rn instanceof MappingNode) {
      Fields rf = r.mapping(rn, f.path("replicas")).allow(zones.toArray(String[]::new));
      for (String zone : zones) {
        replicas.put(zone, replicaCount(rf, zone, 0));
      }
    } else {
      int each = replicaCount(f, "replicas", 1);
      zones.forEach(z -> replicas.put(z, each));
    }
    boolean exported = f.bool("exported", false);
    return new Topology.Service(name, namespace, kind, port, replicas, exported);
  }

  private int replicaCount(Fields f, String key, int orElse) {
    int n = f.integer(key, orElse);
    if (n < 0 || n > Topology.MAX_REPLICAS_PER_ZONE) {
      throw f.errorAt(key, n + " (expected: 0.." + Topology.MAX_REPLICAS_PER_ZONE + " per zone)");
    }
    return n;
  }

  private List<Topology.Link> links(Fields doc, java.util.Set<String> clusters) {
    List<Topology.Link> links = new ArrayList<>();
    Map<String, Node> pairs = new HashMap<>();
    List<Node> nodes = doc.has("links") ? r.list(doc.get("links"), "links") : List.of();
    for (int i = 0; i < nodes.size(); i++) {
      Fields f = r.mapping(nodes.get(i), "links[" + i + "]", "from", "to");
      String from = knownCluster(f, "from", clusters);
      String to = knownCluster(f, "to", clusters);
      if (from.equals(to)) {
        throw f.errorAt("to", "'" + to + "' is 'from' too (expected: another cluster)");
      }
      String pair = from.compareTo(to) < 0 ? from + "/" + to : to + "/" + from;
      Node first = pairs.putIfAbsent(pair, nodes.get(i));
      if (first != null) {
        throw r.error(
            nodes.get(i),
            f.path(),
            pair.replace("/", " and ")
                + " are linked twice (first at line "
                + line(first)
                + "; expected: one link per pair, either direction: peering carries both ways)");
      }
      links.add(new Topology.Link(from, to));
    }
    return links;
  }

  private List<Topology.PolicyDocument> policies(Fields doc, java.util.Set<String> clusters) {
    List<Topology.PolicyDocument> out = new ArrayList<>();
    List<Node> nodes = doc.has("policies") ? r.list(doc.get("policies"), "policies") : List.of();
    for (int i = 0; i < nodes.size(); i++) {
      String path = "policies[" + i + "]";
      Fields f = r.mapping(nodes.get(i), path, "file", "inline", "clusters");
      List<String> targets = f.uniqueList("clusters", (n, p) -> knownCluster(n, p, clusters));
      if (f.has("file") == f.has("inline")) {
        throw r.error(
            nodes.get(i),
            path,
            "expected: exactly one of 'file' (a path) or 'inline' (a document)");
      }
      if (f.has("file")) {
        String file = f.string("file");
        if (baseDir == null) {
          throw f.errorAt(
              "file", "'" + NodeReader.printable(file) + "': an embedded topology names no files");
        }
        Path resolved = baseDir.resolve(file);
        String text = readText(resolved, resolved.toString(), f.errorAt("file", "cannot read"));
        out.add(new Topology.PolicyDocument(resolved.toString(), text, targets));
      } else {
        Node inline = f.get("inline");
        r.mapping(inline, f.path("inline"));
        StringWriter w = new StringWriter();
        DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        new Yaml(o).serialize(inline, w);
        out.add(
            new Topology.PolicyDocument(
                r.source() + " (" + f.path("inline") + ", line " + line(inline) + ")",
                w.toString(),
                targets));
      }
    }
    return out;
  }

  private static int line(Node n) {
    return n.getStartMark().getLine() + 1;
  }

  private String knownCluster(Fields f, String key, java.util.Set<String> clusters) {
    return knownCluster(f.required(key), f.path(key), clusters);
  }

  private String knownCluster(Node node, String path, java.util.Set<String> clusters) {
    String name = r.string(node, path);
    if (!clusters.contains(name)) {
      List<String> known = new ArrayList<>(clusters);
      known.sort(null);
      String hint =
          NodeReader.suggest(name, known).map(s -> "; did you mean '" + s + "'?").orElse("");
      throw r.error(
          node,
          path,
          "'"
              + NodeReader.printable(name)
              + "' is not a cluster of this topology (expected: one of "
              + String.join(", ", known)
              + hint
              + ")");
    }
    return name;
  }

  private void once(Map<String, Node> seen, String key, Node node, String path, String what) {
    Node first = seen.putIfAbsent(key, node);
    if (first != null) {
      throw r.error(
          node,
          path,
          what
              + " '"
              + key
              + "' is listed twice (first at line "
              + line(first)
              + "; expected: each "
              + what.split(" ")[0]
              + " once)");
    }
  }

  private String label(Fields f, String key) {
    return label(f.required(key), f.path(key));
  }

  private String label(Node node, String path) {
    String v = r.string(node, path);
    if (!LABEL.matcher(v).matches()) {
      throw r.error(
          node,
          path,
          "'"
              + NodeReader.printable(v)
              + "' (expected: a DNS label: at most 63 lower-case letters, digits and '-', not at"
              + " either end)");
    }
    return v;
  }

  private void constant(Fields doc, String key, String expected) {
    if (!doc.has(key)) {
      throw doc.missing(key, "expected: " + expected);
    }
    String value = r.string(doc.get(key), key);
    if (!value.equals(expected)) {
      throw doc.errorAt(key, "'" + NodeReader.printable(value) + "' (expected: " + expected + ")");
    }
  }

  private static String readText(Path file, String source, ConfigException at) {
    try {
      if (Files.size(file) > ProxyConfigLoader.MAX_DOCUMENT_BYTES) {
        throw new ConfigException(source, 0, 0, "", "larger than 4 MiB");
      }
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      String why = "cannot read " + file + ": " + e.getClass().getSimpleName();
      if (at != null) {
        throw new ConfigException(
            at.source(),
            at.line(),
            at.column(),
            at.path(),
            why + " (expected: a readable file)",
            e);
      }
      throw new ConfigException(source, 0, 0, "", why, e);
    }
  }
}
