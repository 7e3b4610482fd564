package io.fedmesh.proxy.config;

import io.fedmesh.proxy.model.AuthorizationPolicy;
import io.fedmesh.proxy.model.AuthorizationPolicy.Action;
import io.fedmesh.proxy.model.AuthorizationRule;
import io.fedmesh.proxy.model.CircuitBreaker;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.HealthCheck;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.model.LocalityFailover;
import io.fedmesh.proxy.model.ModelException;
import io.fedmesh.proxy.model.OutlierDetection;
import io.fedmesh.proxy.model.Protocol;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.RetryPolicy;
import io.fedmesh.proxy.model.RetryPolicy.RetryOn;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.ServicePort;
import io.fedmesh.proxy.model.SniName;
import io.fedmesh.proxy.model.TrafficPolicy;
import io.fedmesh.trust.TrustException;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * The one place that maps a {@code ProxyConfig} document to a {@link ProxySnapshot}; the format is
 * described in this package's documentation.
 */
final class SnapshotReader {
  static final String DEFAULT_NAMESPACE = "default";

  private static final Map<String, Protocol> PROTOCOLS =
      Map.of("http", Protocol.HTTP, "grpc", Protocol.GRPC, "tcp", Protocol.TCP);
  private static final Map<String, RetryOn> RETRY_ON =
      Map.of(
          "5xx", RetryOn.SERVER_ERROR,
          "reset", RetryOn.RESET,
          "connect-failure", RetryOn.CONNECT_FAILURE,
          "retriable-status-codes", RetryOn.STATUS);
  private static final Map<String, Action> ACTIONS =
      Map.of("ALLOW", Action.ALLOW, "DENY", Action.DENY);

  private final NodeReader r;

  SnapshotReader(NodeReader reader) {
    this.r = reader;
  }

  ProxySnapshot read(Node root) {
    if (root == null || (root instanceof ScalarNode s && s.getTag().equals(Tag.NULL))) {
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
    expectConstant(doc, "apiVersion", ProxyConfigLoader.API_VERSION);
    expectConstant(doc, "kind", ProxyConfigLoader.KIND);
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

  private void expectConstant(Fields doc, String key, String expected) {
    if (!doc.has(key)) {
      throw doc.missing(key, "expected: " + expected);
    }
    String value = r.string(doc.get(key), key);
    if (!value.equals(expected)) {
      throw doc.errorAt(key, "'" + NodeReader.printable(value) + "' (expected: " + expected + ")");
    }
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
      Node first = seen.putIfAbsent(name, f.get("name"));
      if (first != null) {
        throw f.errorAt(
            "name",
            "service "
                + name
                + " is defined twice (first at line "
                + (first.getStartMark().getLine() + 1)
                + "; expected: each service once)");
      }
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
      Node first = ids.putIfAbsent(e.id(), nodes.get(i));
      if (first != null) {
        throw r.error(
            nodes.get(i),
            f.path("endpoints") + "[" + i + "].id",
            "'"
                + e.id()
                + "' is used twice (first at line "
                + (first.getStartMark().getLine() + 1)
                + "; expected: unique endpoint ids within a service)");
      }
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
      Fields f =
          r.mapping(
              nodes.get(i),
              "policies[" + i + "]",
              "service",
              "namespace",
              "timeout",
              "retries",
              "outlierDetection",
              "circuitBreaker",
              "healthCheck",
              "locality");
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
      Node first = seen.putIfAbsent(name, f.get("service"));
      if (first != null) {
        throw f.errorAt(
            "service",
            "a second policy for "
                + name
                + " (first at line "
                + (first.getStartMark().getLine() + 1)
                + "; expected: one policy per service)");
      }
      policies.put(name, policy(f));
    }
    return policies;
  }

  private TrafficPolicy policy(Fields f) {
    Duration timeout = f.duration("timeout", TrafficPolicy.DEFAULT_TIMEOUT);
    RetryPolicy retries =
        f.has("retries") ? retries(f.get("retries"), f.path("retries")) : RetryPolicy.DEFAULT;
    OutlierDetection outlier =
        f.has("outlierDetection")
            ? outlierDetection(f.get("outlierDetection"), f.path("outlierDetection"))
            : OutlierDetection.DEFAULT;
    CircuitBreaker breaker =
        f.has("circuitBreaker")
            ? circuitBreaker(f.get("circuitBreaker"), f.path("circuitBreaker"))
            : CircuitBreaker.DEFAULT;
    HealthCheck health =
        f.has("healthCheck")
            ? healthCheck(f.get("healthCheck"), f.path("healthCheck"))
            : HealthCheck.DEFAULT;
    LocalityFailover locality =
        f.has("locality")
            ? localityFailover(f.get("locality"), f.path("locality"))
            : LocalityFailover.DEFAULT;
    return f.build(() -> new TrafficPolicy(timeout, retries, outlier, breaker, health, locality));
  }

  private RetryPolicy retries(Node node, String path) {
    RetryPolicy d = RetryPolicy.DEFAULT;
    Fields f =
        r.mapping(
            node,
            path,
            "attempts",
            "perTryTimeout",
            "retryOn",
            "retriableStatusCodes",
            "budgetPercent",
            "minRetriesPerSecond");
    int attempts = f.integer("attempts", d.attempts());
    Duration perTry = f.duration("perTryTimeout", d.perTryTimeout());
    Set<RetryOn> retryOn = EnumSet.noneOf(RetryOn.class);
    retryOn.addAll(
        f.has("retryOn")
            ? f.uniqueList("retryOn", (n, p) -> r.choice(n, p, RETRY_ON))
            : d.retryOn());
    Set<Integer> codes =
        f.has("retriableStatusCodes")
            ? Set.copyOf(f.uniqueList("retriableStatusCodes", r::integer))
            : d.retriableStatusCodes();
    if (!codes.isEmpty()) {
      retryOn.add(RetryOn.STATUS);
    } else if (retryOn.contains(RetryOn.STATUS)) {
      throw f.errorAt(
          "retryOn",
          "'retriable-status-codes' without retriableStatusCodes (expected: retriableStatusCodes,"
              + " a list such as [409, 503])");
    }
    int budget = f.integer("budgetPercent", d.budgetPercent());
    int minPerSecond = f.integer("minRetriesPerSecond", d.minRetriesPerSecond());
    return f.build(() -> new RetryPolicy(attempts, perTry, retryOn, codes, budget, minPerSecond));
  }

  private OutlierDetection outlierDetection(Node node, String path) {
    OutlierDetection d = OutlierDetection.DEFAULT;
    Fields f =
        r.mapping(
            node,
            path,
            "consecutive5xxErrors",
            "consecutiveGatewayErrors",
            "interval",
            "baseEjectionTime",
            "maxEjectionPercent");
    int errors = f.integer("consecutive5xxErrors", d.consecutive5xxErrors());
    int gatewayErrors = f.integer("consecutiveGatewayErrors", d.consecutiveGatewayErrors());
    Duration interval = f.duration("interval", d.interval());
    Duration ejection = f.duration("baseEjectionTime", d.baseEjectionTime());
    int maxPercent = f.integer("maxEjectionPercent", d.maxEjectionPercent());
    return f.build(
        () -> new OutlierDetection(errors, gatewayErrors, interval, ejection, maxPercent));
  }

  private CircuitBreaker circuitBreaker(Node node, String path) {
    CircuitBreaker d = CircuitBreaker.DEFAULT;
    Fields f = r.mapping(node, path, "maxConnections", "maxPendingRequests", "maxRequests");
    int connections = f.integer("maxConnections", d.maxConnections());
    int pending = f.integer("maxPendingRequests", d.maxPendingRequests());
    int requests = f.integer("maxRequests", d.maxRequests());
    return f.build(() -> new CircuitBreaker(connections, pending, requests));
  }

  private HealthCheck healthCheck(Node node, String path) {
    HealthCheck d = HealthCheck.DEFAULT;
    Fields f =
        r.mapping(
            node, path, "interval", "timeout", "unhealthyThreshold", "healthyThreshold", "path");
    Duration interval = f.duration("interval", d.interval());
    Duration timeout = f.duration("timeout", d.timeout());
    int unhealthy = f.integer("unhealthyThreshold", d.unhealthyThreshold());
    int healthy = f.integer("healthyThreshold", d.healthyThreshold());
    String httpPath = f.string("path", d.path());
    return f.build(() -> new HealthCheck(interval, timeout, unhealthy, healthy, httpPath));
  }

  private LocalityFailover localityFailover(Node node, String path) {
    Fields f = r.mapping(node, path, "failover", "overprovisioningFactor");
    Map<String, List<String>> failover = new LinkedHashMap<>();
    Map<String, Node> seen = new HashMap<>();
    List<Node> nodes =
        f.has("failover") ? r.list(f.get("failover"), f.path("failover")) : List.of();
    for (int i = 0; i < nodes.size(); i++) {
      Fields e = r.mapping(nodes.get(i), f.path("failover") + "[" + i + "]", "from", "to");
      String from = e.string("from");
      e.required("to");
      List<String> to = e.strings("to");
      Node first = seen.putIfAbsent(from, e.get("from"));
      if (first != null) {
        throw e.errorAt(
            "from",
            "region '"
                + NodeReader.printable(from)
                + "' has a second failover entry (first at line "
                + (first.getStartMark().getLine() + 1)
                + "; expected: one entry per region)");
      }
      e.build(() -> new LocalityFailover(Map.of(from, to), 1.0));
      failover.put(from, to);
    }
    double factor =
        f.decimal("overprovisioningFactor", LocalityFailover.DEFAULT_OVERPROVISIONING_FACTOR);
    return f.build(() -> new LocalityFailover(failover, factor));
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
      Node first = names.putIfAbsent(name, rule.get("name"));
      if (first != null) {
        throw rule.errorAt(
            "name",
            "'"
                + NodeReader.printable(name)
                + "' names two rules (first at line "
                + (first.getStartMark().getLine() + 1)
                + "; expected: unique rule names)");
      }
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
