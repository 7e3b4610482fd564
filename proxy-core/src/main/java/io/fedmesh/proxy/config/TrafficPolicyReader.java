package io.fedmesh.proxy.config;

import io.fedmesh.proxy.model.CircuitBreaker;
import io.fedmesh.proxy.model.HealthCheck;
import io.fedmesh.proxy.model.LocalityFailover;
import io.fedmesh.proxy.model.LocalityLabel;
import io.fedmesh.proxy.model.OutlierDetection;
import io.fedmesh.proxy.model.RetryPolicy;
import io.fedmesh.proxy.model.RetryPolicy.RetryOn;
import io.fedmesh.proxy.model.TrafficPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.yaml.snakeyaml.nodes.Node;

/**
 * The one mapping from YAML nodes to a {@link TrafficPolicy}, shared by a {@code ProxyConfig}'s
 * {@code policies} and a {@code FailoverPolicy}'s {@code spec}. Every field is optional and takes
 * the model's default, field by field.
 *
 * <p>Errors go to a {@link Problems}: a bad field is reported and the reader goes on with the next,
 * so a collecting caller learns of every error at once; a part is built (and the model's own rules
 * checked) only when no error was found inside it.
 */
final class TrafficPolicyReader {
  /** The policy fields this reader reads, in the order it reads them. */
  static final List<String> FIELDS =
      List.of(
          "timeout", "retries", "outlierDetection", "circuitBreaker", "healthCheck", "locality");

  /** {@code retryOn} words, as written in a file. */
  static final Map<String, RetryOn> RETRY_ON =
      Map.of(
          "5xx", RetryOn.SERVER_ERROR,
          "reset", RetryOn.RESET,
          "connect-failure", RetryOn.CONNECT_FAILURE,
          "retriable-status-codes", RetryOn.STATUS);

  /**
   * {@code failoverPriority} labels: fedmesh's short names, and Istio's well-known labels for the
   * same things.
   */
  static final Map<String, LocalityLabel> LABELS =
      Map.of(
          "region", LocalityLabel.REGION,
          "zone", LocalityLabel.ZONE,
          "cluster", LocalityLabel.CLUSTER,
          "topology.kubernetes.io/region", LocalityLabel.REGION,
          "topology.kubernetes.io/zone", LocalityLabel.ZONE,
          "topology.istio.io/cluster", LocalityLabel.CLUSTER);

  private final NodeReader r;
  private final Problems problems;
  private final KnownLocalities known;

  /**
   * @param known regions a failover rule may name; {@link KnownLocalities#UNCHECKED} for any
   */
  TrafficPolicyReader(NodeReader reader, Problems problems, KnownLocalities known) {
    this.r = reader;
    this.problems = problems;
    this.known = known;
  }

  /**
   * Reads the {@link #FIELDS} of {@code f}, whose keys the caller has checked; {@link
   * TrafficPolicy#DEFAULT} stands in when an error was reported.
   */
  TrafficPolicy read(Fields f) {
    int before = problems.count();
    Duration timeout = field(() -> f.duration("timeout", TrafficPolicy.DEFAULT_TIMEOUT), null);
    RetryPolicy retries = part(f, "retries", RetryPolicy.DEFAULT, this::retries);
    OutlierDetection outlier =
        part(f, "outlierDetection", OutlierDetection.DEFAULT, this::outlierDetection);
    CircuitBreaker breaker =
        part(f, "circuitBreaker", CircuitBreaker.DEFAULT, this::circuitBreaker);
    HealthCheck health = part(f, "healthCheck", HealthCheck.DEFAULT, this::healthCheck);
    LocalityFailover locality = part(f, "locality", LocalityFailover.DEFAULT, this::locality);
    return built(
        before,
        f,
        () -> new TrafficPolicy(timeout, retries, outlier, breaker, health, locality),
        TrafficPolicy.DEFAULT);
  }

  private interface PartReader<T> {
    T read(Node node, String path);
  }

  private <T> T part(Fields f, String key, T orElse, PartReader<T> reader) {
    return f.has(key) ? field(() -> reader.read(f.get(key), f.path(key)), orElse) : orElse;
  }

  private <T> T field(Supplier<T> read, T standIn) {
    return problems.read(read, standIn);
  }

  /** The model object, when no error was reported since {@code before}; else {@code standIn}. */
  private <T> T built(int before, Fields f, Supplier<T> constructor, T standIn) {
    if (problems.count() > before) {
      return standIn;
    }
    return field(() -> f.build(constructor), standIn);
  }

  private RetryPolicy retries(Node node, String path) {
    RetryPolicy d = RetryPolicy.DEFAULT;
    Fields f =
        r.mapping(node, path)
            .allow(
                problems,
                "attempts",
                "perTryTimeout",
                "retryOn",
                "retriableStatusCodes",
                "budgetPercent",
                "minRetriesPerSecond");
    int before = problems.count();
    int attempts = field(() -> f.integer("attempts", d.attempts()), 0);
    Duration perTry = field(() -> f.duration("perTryTimeout", d.perTryTimeout()), null);
    Set<RetryOn> retryOn = EnumSet.noneOf(RetryOn.class);
    retryOn.addAll(
        f.has("retryOn")
            ? field(
                () -> f.uniqueList("retryOn", (n, p) -> r.choice(n, p, RETRY_ON), problems),
                List.of())
            : d.retryOn());
    Set<Integer> codes =
        f.has("retriableStatusCodes")
            ? Set.copyOf(
                field(() -> f.uniqueList("retriableStatusCodes", r::integer, problems), List.of()))
            : d.retriableStatusCodes();
    if (!codes.isEmpty()) {
      retryOn.add(RetryOn.STATUS);
    } else if (retryOn.contains(RetryOn.STATUS)) {
      problems.report(
          f.errorAt(
              "retryOn",
              "'retriable-status-codes' without retriableStatusCodes (expected:"
                  + " retriableStatusCodes, a list such as [409, 503])"));
    }
    int budget = field(() -> f.integer("budgetPercent", d.budgetPercent()), 0);
    int minPerSecond = field(() -> f.integer("minRetriesPerSecond", d.minRetriesPerSecond()), 0);
    return built(
        before,
        f,
        () -> new RetryPolicy(attempts, perTry, retryOn, codes, budget, minPerSecond),
        d);
  }

  private OutlierDetection outlierDetection(Node node, String path) {
    OutlierDetection d = OutlierDetection.DEFAULT;
    Fields f =
        r.mapping(node, path)
            .allow(
                problems,
                "consecutive5xxErrors",
                "consecutiveGatewayErrors",
                "interval",
                "baseEjectionTime",
                "maxEjectionPercent");
    int before = problems.count();
    int errors = field(() -> f.integer("consecutive5xxErrors", d.consecutive5xxErrors()), 0);
    int gatewayErrors =
        field(() -> f.integer("consecutiveGatewayErrors", d.consecutiveGatewayErrors()), 0);
    Duration interval = field(() -> f.duration("interval", d.interval()), null);
    Duration ejection = field(() -> f.duration("baseEjectionTime", d.baseEjectionTime()), null);
    int maxPercent = field(() -> f.integer("maxEjectionPercent", d.maxEjectionPercent()), 0);
    return built(
        before,
        f,
        () -> new OutlierDetection(errors, gatewayErrors, interval, ejection, maxPercent),
        d);
  }

  private CircuitBreaker circuitBreaker(Node node, String path) {
    CircuitBreaker d = CircuitBreaker.DEFAULT;
    Fields f =
        r.mapping(node, path)
            .allow(problems, "maxConnections", "maxPendingRequests", "maxRequests");
    int before = problems.count();
    int connections = field(() -> f.integer("maxConnections", d.maxConnections()), 0);
    int pending = field(() -> f.integer("maxPendingRequests", d.maxPendingRequests()), 0);
    int requests = field(() -> f.integer("maxRequests", d.maxRequests()), 0);
    return built(before, f, () -> new CircuitBreaker(connections, pending, requests), d);
  }

  private HealthCheck healthCheck(Node node, String path) {
    HealthCheck d = HealthCheck.DEFAULT;
    Fields f =
        r.mapping(node, path)
            .allow(
                problems, "interval", "timeout", "unhealthyThreshold", "healthyThreshold", "path");
    int before = problems.count();
    Duration interval = field(() -> f.duration("interval", d.interval()), null);
    Duration timeout = field(() -> f.duration("timeout", d.timeout()), null);
    int unhealthy = field(() -> f.integer("unhealthyThreshold", d.unhealthyThreshold()), 0);
    int healthy = field(() -> f.integer("healthyThreshold", d.healthyThreshold()), 0);
    String httpPath = field(() -> f.string("path", d.path()), null);
    return built(
        before, f, () -> new HealthCheck(interval, timeout, unhealthy, healthy, httpPath), d);
  }

  private LocalityFailover locality(Node node, String path) {
    LocalityFailover d = LocalityFailover.DEFAULT;
    Fields f =
        r.mapping(node, path)
            .allow(problems, "failoverPriority", "failover", "overprovisioningFactor");
    int before = problems.count();
    List<LocalityLabel> priority =
        f.has("failoverPriority")
            ? field(
                () -> f.uniqueList("failoverPriority", (n, p) -> r.choice(n, p, LABELS), problems),
                null)
            : d.failoverPriority();
    Map<String, List<String>> failover = field(() -> failover(f), null);
    double factor =
        field(() -> f.decimal("overprovisioningFactor", d.overprovisioningFactor()), 0.0);
    return built(before, f, () -> new LocalityFailover(priority, failover, factor), d);
  }

  private Map<String, List<String>> failover(Fields locality) {
    Map<String, List<String>> failover = new LinkedHashMap<>();
    Map<String, Node> seen = new HashMap<>();
    List<Node> nodes =
        locality.has("failover")
            ? r.list(locality.get("failover"), locality.path("failover"))
            : List.of();
    for (int i = 0; i < nodes.size(); i++) {
      Node node = nodes.get(i);
      String path = locality.path("failover") + "[" + i + "]";
      field(() -> failoverEntry(node, path, seen, failover), null);
    }
    return failover;
  }

  private Void failoverEntry(
      Node node, String path, Map<String, Node> seen, Map<String, List<String>> failover) {
    Fields e = r.mapping(node, path).allow(problems, "from", "to");
    int before = problems.count();
    String from = field(() -> region(e.required("from"), e.path("from")), null);
    int beforeTo = problems.count();
    List<String> to =
        field(
            () -> {
              e.required("to");
              List<String> regions = e.uniqueList("to", this::region, problems);
              if (regions.isEmpty() && problems.count() == beforeTo) {
                throw e.errorAt("to", "an empty list (expected: at least one region)");
              }
              return regions;
            },
            null);
    if (from != null) {
      r.repeated(
              seen,
              from,
              e.get("from"),
              e.path("from"),
              "region '" + NodeReader.printable(from) + "' has a second failover entry",
              "one entry per region")
          .ifPresent(problems::report);
    }
    if (built(before, e, () -> new LocalityFailover(Map.of(from, to), 1.0), null) != null) {
      failover.put(from, to);
    }
    return null;
  }

  /** A region name, one of the known ones when they are checked. */
  private String region(Node node, String path) {
    String region = r.label(node, path);
    if (known.allowsRegion(region)) {
      return region;
    }
    String what = "'" + region + "' is not a known region";
    Optional<String> meant = known.regionOf(region);
    if (meant.isPresent()) {
      what = "'" + region + "' is a cluster, in region " + meant.get();
    } else {
      for (String name : known.regions()) {
        if (known.zones(name).contains(region)) {
          what = "'" + region + "' is a zone, in region " + name;
          meant = Optional.of(name);
          break;
        }
      }
    }
    List<String> regions = new ArrayList<>(known.regions());
    if (meant.isEmpty()) {
      meant = NodeReader.suggest(region, regions);
    }
    String hint = meant.map(s -> "; did you mean '" + s + "'?").orElse("");
    throw r.error(
        node,
        path,
        what
            + " (expected: a region of the topology: "
            + (regions.isEmpty() ? "it has none" : "one of " + String.join(", ", regions))
            + hint
            + ")");
  }
}
