package io.fedmesh.sidecar.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedmesh.proxy.config.TrafficPolicyDocument;
import io.fedmesh.proxy.model.AuthorizationPolicy;
import io.fedmesh.proxy.model.AuthorizationRule;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.ServicePort;
import io.fedmesh.proxy.model.TrafficPolicy;
import io.fedmesh.proxy.push.PushState;
import io.fedmesh.proxy.routing.LocalityLoadBalancer;
import io.fedmesh.proxy.routing.PriorityLevels;
import io.fedmesh.sidecar.outbound.OutboundProxy;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The sidecar's admin listener, on loopback by default (port {@value Builder#DEFAULT_PORT}):
 *
 * <ul>
 *   <li>{@code /ready}: 200 when the inbound and outbound listeners are up, else 503;
 *   <li>{@code /live}: 200 while the process serves;
 *   <li>{@code /metrics}: the Prometheus text exposition of the registry, or OpenMetrics (with
 *       exemplars) when the {@code Accept} header asks for {@code application/openmetrics-text};
 *   <li>{@code /config}: the current {@link ProxySnapshot} as JSON;
 *   <li>{@code /clusters}: per service the outbound has used, its endpoints (control-plane health
 *       {@code healthy}, active health checks {@code activeHealthy}, outlier {@code ejected} and
 *       {@code lastEjectionTime}, active requests) and priority levels with their share of load.
 * </ul>
 *
 * <p>Only {@code GET} and {@code HEAD}; other paths get 404. The JSON is mapped field by field, so
 * renaming a model component does not silently change the admin API.
 */
public final class SidecarAdmin {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  private static final String OPENMETRICS_CONTENT_TYPE =
      "application/openmetrics-text; version=1.0.0; charset=utf-8";
  private static final String JSON_CONTENT_TYPE = "application/json";
  private static final String TEXT_CONTENT_TYPE = "text/plain; charset=utf-8";

  private final Vertx vertx;
  private final Supplier<ProxySnapshot> snapshots;
  private final OutboundProxy outbound;
  private final PrometheusMeterRegistry registry;
  private final BooleanSupplier ready;
  private final String host;
  private final int port;
  private final Supplier<PushState> pushState;
  private HttpServer server;

  private SidecarAdmin(Builder b) {
    this.vertx = b.vertx;
    this.snapshots = b.snapshots;
    this.outbound = b.outbound;
    this.registry = b.registry;
    this.ready = b.ready;
    this.host = b.host;
    this.port = b.port;
    this.pushState = b.pushState;
  }

  /**
   * A builder.
   *
   * @param snapshots the current snapshot, as the proxies see it
   * @param outbound the outbound listener whose routing state {@code /clusters} shows
   * @param registry what {@code /metrics} scrapes
   * @param ready whether the inbound and outbound listeners are up
   */
  public static Builder builder(
      Vertx vertx,
      Supplier<ProxySnapshot> snapshots,
      OutboundProxy outbound,
      PrometheusMeterRegistry registry,
      BooleanSupplier ready) {
    return new Builder(vertx, snapshots, outbound, registry, ready);
  }

  /** Starts listening; completes with the bound port. */
  public Future<Integer> start() {
    server = vertx.createHttpServer(new HttpServerOptions()).requestHandler(this::serve);
    return server.listen(port, host).map(HttpServer::actualPort);
  }

  /** Stops listening. */
  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void serve(HttpServerRequest req) {
    if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
      req.response().setStatusCode(405).putHeader("allow", "GET, HEAD").end();
      return;
    }
    switch (req.path()) {
      case "/ready" -> {
        boolean up = ready.getAsBoolean();
        text(req, up ? 200 : 503, up ? "ready\n" : "not ready\n");
      }
      case "/live" -> text(req, 200, "live\n");
      case "/metrics" -> {
        // OpenMetrics when asked (Prometheus does so to collect exemplars), else text 0.0.4.
        String accept = req.getHeader("accept");
        String type =
            accept != null && accept.contains("application/openmetrics-text")
                ? OPENMETRICS_CONTENT_TYPE
                : PROMETHEUS_CONTENT_TYPE;
        req.response()
            .setStatusCode(200)
            .putHeader("content-type", type)
            .end(registry.scrape(type));
      }
      case "/config" -> json(req, withPushState(configJson(snapshots.get())));
      case "/clusters" -> json(req, clustersJson(snapshots.get(), outbound::balancer));
      default -> text(req, 404, "not found\n");
    }
  }

  private static void text(HttpServerRequest req, int status, String body) {
    req.response().setStatusCode(status).putHeader("content-type", TEXT_CONTENT_TYPE).end(body);
  }

  private static void json(HttpServerRequest req, ObjectNode node) {
    String body;
    try {
      body = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (JsonProcessingException e) {
      text(req, 500, "cannot render JSON: " + e.getMessage() + "\n");
      return;
    }
    req.response().setStatusCode(200).putHeader("content-type", JSON_CONTENT_TYPE).end(body);
  }

  /** Adds {@code controller}: the push client's state, when the config comes by push. */
  private ObjectNode withPushState(ObjectNode config) {
    if (pushState != null) {
      PushState p = pushState.get();
      config
          .putObject("controller")
          .put("connected", p.connected())
          .put("replica", p.replica())
          .put("version", p.version())
          .put("lastNackVersion", p.lastNackVersion())
          .put("lastNack", p.lastNack())
          .put("reconnects", p.reconnects());
    }
    return config;
  }

  /** {@code /config}: the snapshot's version, cluster, locality, services, policies, authz. */
  static ObjectNode configJson(ProxySnapshot snapshot) {
    ObjectNode root = JSON.createObjectNode();
    if (snapshot == null) {
      root.putNull("version");
      return root;
    }
    root.put("version", snapshot.version());
    root.put("cluster", snapshot.cluster());
    root.set("locality", locality(snapshot.locality()));
    ArrayNode services = root.putArray("services");
    for (Service s : snapshot.services().values()) {
      ObjectNode n = services.addObject();
      n.put("name", s.name().toString());
      n.put("exported", s.exported());
      ArrayNode ports = n.putArray("ports");
      for (ServicePort p : s.ports()) {
        ports
            .addObject()
            .put("name", p.name())
            .put("port", p.port())
            .put("protocol", p.protocol().name().toLowerCase(Locale.ROOT));
      }
      ArrayNode ids = n.putArray("identities");
      for (SpiffeId id : s.identities()) {
        ids.add(id.toString());
      }
      ArrayNode eps = n.putArray("endpoints");
      for (Endpoint e : s.endpoints()) {
        eps.add(endpoint(e));
      }
    }
    ObjectNode policies = root.putObject("policies");
    for (Map.Entry<ServiceName, TrafficPolicy> e : snapshot.policies().entrySet()) {
      policies.set(e.getKey().toString(), policy(e.getValue()));
    }
    root.set("authorization", authorization(snapshot.inbound()));
    return root;
  }

  /** Looks up the outbound's routing state of a service; null when it has not been used. */
  @FunctionalInterface
  interface Balancers {
    LocalityLoadBalancer of(ServiceName service);
  }

  /** {@code /clusters}: the outbound's routing state of each service it has used. */
  static ObjectNode clustersJson(ProxySnapshot snapshot, Balancers balancers) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode services = root.putArray("services");
    if (snapshot == null) {
      return root;
    }
    for (Service s : snapshot.services().values()) {
      LocalityLoadBalancer lb = balancers.of(s.name());
      if (lb == null) {
        continue;
      }
      ObjectNode n = services.addObject();
      n.put("name", s.name().toString());
      ArrayNode eps = n.putArray("endpoints");
      PriorityLevels levels = lb.levels();
      for (PriorityLevels.Level level : levels.levels()) {
        for (Endpoint e : level.endpoints()) {
          ObjectNode en = endpoint(e);
          en.put("priority", level.priority());
          en.put("activeHealthy", lb.healthChecker().map(c -> c.isHealthy(e)).orElse(true));
          en.put("ejected", lb.outlierDetector().isEjected(e));
          en.put("lastEjectionTime", lb.outlierDetector().lastEjectionTime(e).toString());
          en.put("activeRequests", lb.activeRequests(e));
          eps.add(en);
        }
      }
      List<Double> load = lb.priorityLoad();
      ArrayNode ls = n.putArray("priorities");
      for (PriorityLevels.Level level : levels.levels()) {
        ObjectNode ln = ls.addObject();
        ln.put("priority", level.priority());
        ln.put("proximity", level.proximity().name().toLowerCase(Locale.ROOT));
        ln.put("region", level.region());
        ln.put("endpoints", level.endpoints().size());
        ln.put("loadPercent", level.priority() < load.size() ? load.get(level.priority()) : 0.0);
      }
    }
    return root;
  }

  private static ObjectNode locality(Locality l) {
    return JSON.createObjectNode()
        .put("region", l.region())
        .put("zone", l.zone())
        .put("cluster", l.cluster());
  }

  private static ObjectNode endpoint(Endpoint e) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", e.id());
    n.put("address", e.address());
    n.set("locality", locality(e.locality()));
    n.put("weight", e.weight());
    n.put("healthy", e.healthy());
    if (e.sni().isPresent()) {
      n.put("sni", e.sni().get());
    }
    return n;
  }

  private static ObjectNode policy(TrafficPolicy p) {
    return JSON.valueToTree(TrafficPolicyDocument.of(p));
  }

  private static ObjectNode authorization(AuthorizationPolicy a) {
    ObjectNode n = JSON.createObjectNode();
    n.put("defaultAction", a.defaultAction().name().toLowerCase(Locale.ROOT));
    ArrayNode rules = n.putArray("rules");
    for (AuthorizationRule r : a.rules()) {
      ObjectNode rn = rules.addObject();
      rn.put("name", r.name());
      rn.put("action", r.action().name().toLowerCase(Locale.ROOT));
      strings(rn.putArray("principals"), r.principals());
      strings(rn.putArray("trustDomains"), r.trustDomains());
      strings(rn.putArray("namespaces"), r.namespaces());
      strings(rn.putArray("methods"), r.methods());
      strings(rn.putArray("pathPrefixes"), r.pathPrefixes());
    }
    return n;
  }

  private static void strings(ArrayNode to, List<String> from) {
    if (from != null) {
      from.forEach(to::add);
    }
  }

  /** Builds a {@link SidecarAdmin}; defaults: listen 127.0.0.1:15000. */
  public static final class Builder {
    /** Admin port, as Envoy's. */
    public static final int DEFAULT_PORT = 15000;

    private final Vertx vertx;
    private final Supplier<ProxySnapshot> snapshots;
    private final OutboundProxy outbound;
    private final PrometheusMeterRegistry registry;
    private final BooleanSupplier ready;
    private String host = "127.0.0.1";
    private int port = DEFAULT_PORT;
    private Supplier<PushState> pushState;

    Builder(
        Vertx vertx,
        Supplier<ProxySnapshot> snapshots,
        OutboundProxy outbound,
        PrometheusMeterRegistry registry,
        BooleanSupplier ready) {
      this.vertx = Objects.requireNonNull(vertx, "vertx");
      this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
      this.outbound = Objects.requireNonNull(outbound, "outbound");
      this.registry = Objects.requireNonNull(registry, "registry");
      this.ready = Objects.requireNonNull(ready, "ready");
    }

    /** Where to listen; keep it on loopback: the admin API has no authentication. */
    public Builder listen(String host, int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
      }
      this.host = Objects.requireNonNull(host, "host");
      this.port = port;
      return this;
    }

    /** The push client's state, shown as {@code controller} in {@code /config}. */
    public Builder pushState(Supplier<PushState> state) {
      this.pushState = Objects.requireNonNull(state, "state");
      return this;
    }

    public SidecarAdmin build() {
      return new SidecarAdmin(this);
    }
  }
}
