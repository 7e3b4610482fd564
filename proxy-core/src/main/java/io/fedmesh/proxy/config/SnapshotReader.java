package io.fedmesh.proxy.config;

import io.fedmesh.proxy.model.AuthorizationPolicy;
import io.fedmesh.proxy.model.AuthorizationPolicy.Action;
import io.fedmesh.proxy.model.AuthorizationRule;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.model.ModelException;
import io.fedmesh.proxy.model.Protocol;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.ServicePort;
import io.fedmesh.proxy.model.SniName;
import io.fedmesh.proxy.model.TrafficPolicy;
import io.fedmesh.trust.TrustException;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.yaml.snakeyaml.nodes.Node;

/**
 * The one place that maps a {@code ProxyConfig} document to a {@link ProxySnapshot}; the format is
 * described in this package's documentation.
 */
final class SnapshotReader {
  static final String DEFAULT_NAMESPACE = "default";

  private static final Map<String, Protocol> PROTOCOLS =
      Map.of("http", Protocol.HTTP, "grpc", Protocol.GRPC, "tcp", Protocol.TCP);
  private static final String[] POLICY_FIELDS =
      Stream.concat(Stream.of("service", "namespace"), TrafficPolicyReader.FIELDS.stream())
          .toArray(String[]::new);
  private static final Map<String, Action> ACTIONS =
      Map.of("ALLOW", Action.ALLOW, "DENY", Action.DENY);

  private final NodeReader r;
  private final TrafficPolicyReader policyReader;

  SnapshotReader(NodeReader reader) {
    this.r = reader;
    this.policyReader =
        new TrafficPolicyReader(reader, Problems.failFast(), KnownLocalities.UNCHECKED);
  }

  ProxySnapshot read(Node root) {
    if (NodeReader.isEmpty(root)) {
      throw new ConfigException(
          r.source(),
          1,
          1,
          "",
          "empty file (expected: a ProxyConfig document, starting with apiVersion: "
              + ProxyConfigLoader.API_VERSION
              + ")");
    }
    Fields doc = r.mapping(root, "");
    doc.constant("apiVersion", ProxyConfigLoader.API_VERSION);
    doc.constant("kind", ProxyConfigLoader.KIND);
    doc.allow(
        "apiVersion",
        "kind",
        "version",
        "cluster",
        "locality",
        "services",
        "policies",
        "authorization");
    long version =
        doc.has("version")
            ? r.longValue(doc.get("version"), "version", "an integer >= 0")
            : ProxyConfigLoader.DEFAULT_VERSION;
    String cluster = doc.string("cluster");
    Locality locality = proxyLocality(doc, cluster);
    Map<ServiceName, Service> services = services(doc, locality);
    Map<ServiceName, TrafficPolicy> policies = policies(doc, services.keySet());
    AuthorizationPolicy inbound =
        doc.has("authorization")
            ? authorization(doc.get("authorization"))
            : AuthorizationPolicy.ALLOW_MESH;
    return doc.build(
        () -> new ProxySnapshot(version, cluster, locality, services, policies, inbound));
  }

  private Locality proxyLocality(Fields doc, String cluster) {
    Fields f = r.mapping(doc.required("locality"), "locality", "region", "zone");
    String region = f.string("region");
    String zone = f.string("zone");
    try {
      return new Locality(region, zone, cluster);
    } catch (ModelException e) {
      if (e.getMessage().startsWith("locality.cluster")) {
        throw doc.errorAt("cluster", new ModelException(e.getMessage().substring(9)));
      }
      throw f.modelError(e);
    }
  }

  // ---- services

  private Map<ServiceName, Service> services(Fields doc, Locality proxy) {
    Map<ServiceName, Service> services = new TreeMap<>();
    Map<ServiceName, Node> seen = new HashMap<>();
    List<Node> nodes = doc.has("services") ? r.list(doc.get("services"), "services") : List.of();
    for (int i = 0; i < nodes.size(); i++) {
      String path = "services[" + i + "]";
      Fields f =
          r.mapping(
              nodes.get(i),
              path,
              "name",
              "namespace",
              "ports",
              "identities",
              "exported",
              "endpoints");
      ServiceName name =
          f.build(
              () -> new ServiceName(f.string("name"), f.string("namespace", DEFAULT_NAMESPACE)));
      r.repeated(
              seen,
              name,
              f.get("name"),
              f.path("name"),
              "service " + name + " is defined twice",
              "each service once")
          .ifPresent(
              e -> {
                throw e;
              });
      services.put(name, service(f, name, proxy));
    }
    return services;
  }

  private Service service(Fields f, ServiceName name, Locality proxy) {
    List<ServicePort> ports = ports(f);
    f.required("identities");
    List<SpiffeId> identities = f.uniqueList("identities", this::spiffeId);
    boolean exported = f.bool("exported", false);
    List<Endpoint> endpoints = new ArrayList<>();
    Map<String, Node> ids = new HashMap<>();
    List<Node> nodes =
        f.has("endpoints") ? r.list(f.get("endpoints"), f.path("endpoints")) : List.of();
    for (int i = 0; i < nodes.size(); i++) {
      Endpoint e = endpoint(nodes.get(i), f.path("endpoints") + "[" + i + "]", name, ports, proxy);
      r.repeated(
              ids,
              e.id(),
              nodes.get(i),
              f.path("endpoints") + "[" + i + "].id",
              "'" + e.id() + "' is used twice",
              "unique endpoint ids within a service")
          .ifPresent(
              error -> {
                throw error;
              });
      endpoints.add(e);
    }
    return f.build(() -> new Service(name, ports, identities, exported, endpoints));
  }

  private List<ServicePort> ports(Fields service) {
    List<ServicePort> ports = new ArrayList<>();
    List<Node> nodes = r.list(service.required("ports"), service.path("ports"));
    for (int i = 0; i < nodes.size(); i++) {
      String path = service.path("ports") + "[" + i + "]";
      Fields f = r.mapping(nodes.get(i), path, "name", "port", "protocol");
      String name = f.string("name");
      int number = f.integer("port");
      Protocol protocol = f.choice("protocol", PROTOCOLS);
      ServicePort port = f.build(() -> new ServicePort(name, number, protocol));
      for (ServicePort other : ports) {
        if (other.name().equals(name)) {
          throw f.errorAt("name", "'" + name + "' names two ports (expected: unique port names)");
        }
        if (other.port() == number) {
          throw f.errorAt("port", number + " is listed twice (expected: unique port numbers)");
        }
      }
      ports.add(port);
    }
    return ports;
  }

  private SpiffeId spiffeId(Node node, String path) {
    String text = r.string(node, path);
    try {
      return SpiffeId.parse(text);
    } catch (TrustException e) {
      throw r.error(node, path, e.getMessage(), e);
    }
  }

  private Endpoint endpoint(
      Node node, String path, ServiceName service, List<ServicePort> ports, Locality proxy) {
    Fields f =
        r.mapping(
            node, path, "id", "host", "port", "region", "zone", "cluster", "weight", "healthy",
            "sni", "tcpPort");
    String id = f.string("id");
    String host = f.string("host");
    int port = f.integer("port");
    String cluster = f.string("cluster", proxy.cluster());
    boolean local = cluster.equals(proxy.cluster());
    String region;
    if (f.has("region")) {
      region = f.string("region");
      if (local && !region.equals(proxy.region())) {
        throw f.errorAt(
            "region",
            "'"
                + NodeReader.printable(region)
                + "', but cluster "
                + cluster
                + " is in region "
                + proxy.region()
                + " (expected: "
                + proxy.region()
                + ", or no region: a cluster spans one region)");
      }
    } else if (local) {
      region = proxy.region();
    } else {
      throw f.missing(
          "region",
          "required for an endpoint in another cluster than this proxy's, here " + cluster);
    }
    String zone = f.string("zone");
    int weight = f.integer("weight", 1);
    boolean healthy = f.bool("healthy", true);
    Optional<String> sni = Optional.empty();
    if (f.has("sni")) {
      sni = Optional.of(sni(f, service, ports, cluster, local));
    }
    Optional<String> endpointSni = sni;
    int tcpPort = 0;
    if (f.has("tcpPort")) {
      tcpPort = f.integer("tcpPort");
      if (sni.isPresent()) {
        throw f.errorAt(
            "tcpPort",
            tcpPort
                + " on an endpoint with an sni (expected: no tcpPort: TCP to a linked cluster"
                + " goes through its gateway, which knows its own endpoints' TCP ports)");
      }
    }
    int endpointTcpPort = tcpPort;
    return f.build(
        () ->
            new Endpoint(
                id,
                host,
                port,
                new Locality(region, zone, cluster),
                weight,
                healthy,
                endpointSni,
                endpointTcpPort));
  }

  private String sni(
      Fields f, ServiceName service, List<ServicePort> ports, String cluster, boolean local) {
    String text = f.string("sni");
    SniName sni;
    try {
      sni = SniName.parse(text);
    } catch (TrustException e) {
      throw f.errorAt("sni", e);
    }
    String quoted = "'" + NodeReader.printable(text) + "'";
    if (local) {
      throw f.errorAt(
          "sni",
          quoted
              + " on an endpoint in this proxy's cluster, "
              + cluster
              + " (expected: no sni: only endpoints behind another cluster's gateway have one)");
    }
    if (!sni.service().equals(service)) {
      throw f.errorAt(
          "sni",
          quoted
              + " names service "
              + sni.service()
              + " (expected: this service, "
              + service
              + ")");
    }
    if (!sni.cluster().equals(cluster)) {
      throw f.errorAt(
          "sni",
          quoted
              + " names cluster "
              + sni.cluster()
              + " (expected: the endpoint's cluster, "
              + cluster
              + ")");
    }
    if (ports.stream().noneMatch(p -> p.port() == sni.port())) {
      throw f.errorAt(
          "sni",
          quoted
              + " names port "
              + sni.port()
              + " (expected: one of the service's ports: "
              + ports.stream().map(p -> String.valueOf(p.port())).collect(Collectors.joining(", "))
              + ")");
    }
    return text;
  }

  // ---- policies

  private Map<ServiceName, TrafficPolicy> policies(Fields doc, Set<ServiceName> services) {
    Map<ServiceName, TrafficPolicy> policies = new HashMap<>();
    Map<ServiceName, Node> seen = new HashMap<>();
    List<Node> nodes = doc.has("policies") ? r.list(doc.get("policies"), "policies") : List.of();
    for (int i = 0; i < nodes.size(); i++) {
      Fields f = r.mapping(nodes.get(i), "policies[" + i + "]").allow(POLICY_FIELDS);
      ServiceName name =
          f.build(
              () -> new ServiceName(f.string("service"), f.string("namespace", DEFAULT_NAMESPACE)));
      if (!services.contains(name)) {
        throw f.errorAt(
            "service",
            "no service "
                + name
                + " in services (expected: "
                + (services.isEmpty()
                    ? "a service listed in services, and none is"
                    : "one of "
                        + services.stream().map(String::valueOf).collect(Collectors.joining(", ")))
                + ")");
      }
      r.repeated(
              seen,
              name,
              f.get("service"),
              f.path("service"),
              "a second policy for " + name,
              "one policy per service")
          .ifPresent(
              e -> {
                throw e;
              });
      policies.put(name, policyReader.read(f));
    }
    return policies;
  }

  // ---- authorization

  private AuthorizationPolicy authorization(Node node) {
    Fields f = r.mapping(node, "authorization", "defaultAction", "rules");
    Action defaultAction = f.choice("defaultAction", ACTIONS, Action.ALLOW);
    List<AuthorizationRule> rules = new ArrayList<>();
    Map<String, Node> names = new HashMap<>();
    List<Node> nodes = f.has("rules") ? r.list(f.get("rules"), f.path("rules")) : List.of();
    for (int i = 0; i < nodes.size(); i++) {
      Fields rule =
          r.mapping(
              nodes.get(i),
              f.path("rules") + "[" + i + "]",
              "name",
              "action",
              "principals",
              "trustDomains",
              "namespaces",
              "methods",
              "pathPrefixes");
      String name = rule.string("name");
      r.repeated(
              names,
              name,
              rule.get("name"),
              rule.path("name"),
              "'" + NodeReader.printable(name) + "' names two rules",
              "unique rule names")
          .ifPresent(
              e -> {
                throw e;
              });
      Action action = rule.choice("action", ACTIONS);
      List<String> principals = rule.uniqueList("principals", this::principal);
      List<String> trustDomains = rule.uniqueList("trustDomains", this::trustDomain);
      List<String> namespaces = rule.strings("namespaces");
      List<String> methods = rule.uniqueList("methods", this::method);
      List<String> pathPrefixes = rule.uniqueList("pathPrefixes", this::pathPrefix);
      rules.add(
          rule.build(
              () ->
                  new AuthorizationRule(
                      name, action, principals, trustDomains, namespaces, methods, pathPrefixes)));
    }
    return f.build(() -> new AuthorizationPolicy(defaultAction, rules));
  }

  /** An exact SPIFFE ID, or one ending in {@code /*} that matches everything under it. */
  private String principal(Node node, String path) {
    String text = r.string(node, path);
    try {
      if (text.endsWith("/*")) {
        String base = text.substring(0, text.length() - 2);
        if (base.startsWith("spiffe://") && base.indexOf('/', "spiffe://".length()) < 0) {
          TrustDomain.of(base.substring("spiffe://".length()));
        } else {
          SpiffeId.parse(base);
        }
      } else {
        SpiffeId.parse(text);
      }
    } catch (TrustException e) {
      throw r.error(
          node,
          path,
          e.getMessage() + " (expected: a SPIFFE ID, or a prefix of one ending in /*)",
          e);
    }
    return text;
  }

  private String trustDomain(Node node, String path) {
    String text = r.string(node, path);
    try {
      return TrustDomain.of(text).name();
    } catch (TrustException e) {
      throw r.error(node, path, e.getMessage(), e);
    }
  }

  private String method(Node node, String path) {
    String text = r.string(node, path);
    if (text.isEmpty() || !text.chars().allMatch(c -> c >= 'A' && c <= 'Z')) {
      throw r.error(
          node,
          path,
          NodeReader.describe(node) + " (expected: an HTTP method in capitals, such as GET)");
    }
    return text;
  }

  private String pathPrefix(Node node, String path) {
    String text = r.string(node, path);
    if (!text.startsWith("/")) {
      throw r.error(
          node, path, NodeReader.describe(node) + " (expected: a path prefix starting with /)");
    }
    return text;
  }
}
