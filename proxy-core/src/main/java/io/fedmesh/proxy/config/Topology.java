package io.fedmesh.proxy.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A multi-cluster topology as {@code fedmesh up} runs it on one machine: clusters with their trust
 * domain, region, zones and controller replicas; the demo services each cluster runs; the links
 * between clusters; and the failover policies to apply. Read from YAML by {@link TopologyLoader},
 * whose javadoc shows the format. Immutable.
 *
 * @param name the topology's name ({@code metadata.name}), used for the state directory
 * @param clusters the clusters, in file order, names unique
 * @param links the links, in file order
 * @param policies the policy documents to apply once the clusters are up
 */
public record Topology(
    String name, List<Cluster> clusters, List<Link> links, List<PolicyDocument> policies) {
  /** Default number of controller replicas per cluster. */
  public static final int DEFAULT_CONTROLLERS = 2;

  /** Most controller replicas per cluster a local run starts. */
  public static final int MAX_CONTROLLERS = 5;

  /** Most replicas of one service in one zone a local run starts. */
  public static final int MAX_REPLICAS_PER_ZONE = 20;

  /** Default namespace of a service. */
  public static final String DEFAULT_NAMESPACE = "default";

  public Topology {
    clusters = List.copyOf(clusters);
    links = List.copyOf(links);
    policies = List.copyOf(policies);
  }

  /** The cluster named {@code name}. */
  public Optional<Cluster> cluster(String clusterName) {
    return clusters.stream().filter(c -> c.name().equals(clusterName)).findFirst();
  }

  /** What a demo service runs. */
  public enum Kind {
    /** An HTTP/1.1 echo answering JSON: cluster, zone, pod, path, caller. */
    HTTP_ECHO("http-echo", "http", 9080),
    /** A gRPC echo service (h2c behind the sidecar). */
    GRPC_ECHO("grpc-echo", "grpc", 9090);

    private final String text;
    private final String protocol;
    private final int defaultPort;

    Kind(String text, String protocol, int defaultPort) {
      this.text = text;
      this.protocol = protocol;
      this.defaultPort = defaultPort;
    }

    /** As written in the file. */
    public String text() {
      return text;
    }

    /** The service port's protocol and name: {@code http} or {@code grpc}. */
    public String protocol() {
      return protocol;
    }

    /** The service port when the file names none. */
    public int defaultPort() {
      return defaultPort;
    }

    static Map<String, Kind> byText() {
      Map<String, Kind> m = new LinkedHashMap<>();
      for (Kind k : values()) {
        m.put(k.text, k);
      }
      return m;
    }
  }

  /**
   * One cluster.
   *
   * @param name a DNS label, unique in the topology
   * @param trustDomain its SPIFFE trust domain (default {@code <name>.fedmesh.local})
   * @param region its region
   * @param zones its zones, at least one, none twice
   * @param controllers controller replicas, 1..{@link #MAX_CONTROLLERS}
   * @param services the demo services it runs
   */
  public record Cluster(
      String name,
      String trustDomain,
      String region,
      List<String> zones,
      int controllers,
      List<Service> services) {
    public Cluster {
      zones = List.copyOf(zones);
      services = List.copyOf(services);
    }
  }

  /**
   * A demo service of one cluster.
   *
   * @param name a DNS label
   * @param namespace a DNS label (default {@link #DEFAULT_NAMESPACE})
   * @param kind what it runs
   * @param port the service port callers name
   * @param replicas replicas per zone, in the cluster's zone order (zones with 0 included)
   * @param exported whether linked clusters may import it
   */
  public record Service(
      String name,
      String namespace,
      Kind kind,
      int port,
      Map<String, Integer> replicas,
      boolean exported) {
    public Service {
      replicas = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(replicas));
    }

    /** Replicas in all zones. */
    public int totalReplicas() {
      return replicas.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  /**
   * A link: {@code from} dials, {@code to} accepts (issues the peering token).
   *
   * @param from the dialing cluster
   * @param to the accepting cluster
   */
  public record Link(String from, String to) {}

  /**
   * A policy document to apply, as YAML text.
   *
   * @param source what errors call it: the file, or the topology file and the entry
   * @param yaml the document's text
   * @param clusters the clusters to apply it to (all when the file names none)
   */
  public record PolicyDocument(String source, String yaml, List<String> clusters) {
    public PolicyDocument {
      clusters = List.copyOf(clusters);
    }
  }

  /**
   * The clusters, regions and zones of this topology, which policies' locality names are checked
   * against ({@code fedmesh policy validate --topology}, {@code fedmesh policy apply}).
   */
  public KnownLocalities localities() {
    KnownLocalities.Builder known = KnownLocalities.builder();
    for (Cluster c : clusters) {
      known.cluster(c.name(), c.region(), c.zones());
    }
    return known.build();
  }

  /** The clusters' names, in file order. */
  public List<String> clusterNames() {
    List<String> names = new ArrayList<>();
    clusters.forEach(c -> names.add(c.name()));
    return names;
  }
}
