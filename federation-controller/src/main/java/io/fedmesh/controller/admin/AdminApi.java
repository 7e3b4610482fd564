package io.fedmesh.controller.admin;

import io.fedmesh.controller.ControllerContext;
import io.fedmesh.controller.ControllerExtension;
import io.fedmesh.controller.ca.CatalogJoinTokens;
import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.controller.catalog.EndpointEntry;
import io.fedmesh.controller.catalog.PortEntry;
import io.fedmesh.controller.catalog.ServiceEntry;
import io.fedmesh.proxy.model.ModelException;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.trust.spiffe.InvalidSpiffeIdException;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The admin API routes (see the package description for shapes). Catalog calls run on Vert.x worker
 * threads; input errors answer 400 naming the field and what is allowed.
 */
public final class AdminApi implements ControllerExtension {
  /** Largest request body accepted. */
  public static final int MAX_BODY_BYTES = 64 * 1024;

  private static final Pattern TTL = Pattern.compile("([1-9][0-9]{0,6})(s|m|h|d)");
  private static final Set<String> PROTOCOLS = Set.of("http", "grpc", "tcp");
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:\\-\\[\\]]{1,253}");

  private ControllerContext context;
  private CatalogJoinTokens joinTokens;

  @Override
  public void install(ControllerContext ctx) {
    this.context = ctx;
    this.joinTokens = new CatalogJoinTokens(ctx.catalog(), ctx.clock());
    Router r = ctx.adminRouter();
    r.route("/v1/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    r.route("/v1/*").failureHandler(AdminApi::failed);
    r.get("/v1/status").handler(rc -> reply(rc, 200, this::status));
    r.get("/v1/services").handler(rc -> reply(rc, 200, this::services));
    r.get("/v1/gateways").handler(rc -> reply(rc, 200, () -> ctx.catalog().gateways()));
    r.post("/v1/join-tokens").handler(this::createJoinToken);
    r.put("/v1/services/:ns/:name").handler(this::putService);
    r.delete("/v1/services/:ns/:name").handler(this::deleteService);
    r.put("/v1/endpoints/:ns/:svc/:id").handler(this::putEndpoint);
    r.delete("/v1/endpoints/:ns/:svc/:id").handler(this::deleteEndpoint);
    new PolicyAdmin(ctx).install(r);
  }

  // ---- reads ------------------------------------------------------------------------------

  private Map<String, Object> status() {
    Catalog c = context.catalog();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("cluster", context.cluster());
    out.put("trustDomain", context.trustDomain().name());
    out.put("replicaId", context.replicaId());
    out.put("nowMillis", context.clock().millis());
    out.put("replicas", context.replicas());
    out.put("gateways", c.gateways());
    out.put("links", c.links());
    out.put("services", services());
    out.put("imports", c.imports());
    out.put("proxies", c.proxies());
    return out;
  }

  /** Services with endpoint counts per locality. */
  private List<Map<String, Object>> services() {
    Catalog c = context.catalog();
    Map<String, List<EndpointEntry>> byService = new TreeMap<>();
    for (EndpointEntry e : c.endpoints()) {
      byService
          .computeIfAbsent(Catalog.serviceKey(e.namespace(), e.service()), k -> new ArrayList<>())
          .add(e);
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (ServiceEntry s : c.services()) {
      Map<String, int[]> counts = new TreeMap<>();
      for (EndpointEntry e : byService.getOrDefault(s.key(), List.of())) {
        int[] n = counts.computeIfAbsent(e.region() + "/" + e.zone(), k -> new int[2]);
        n[1]++;
        if (e.healthy()) {
          n[0]++;
        }
      }
      List<Map<String, Object>> localities = new ArrayList<>();
      counts.forEach(
          (k, n) -> {
            int slash = k.indexOf('/');
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("region", k.substring(0, slash));
            l.put("zone", k.substring(slash + 1));
            l.put("healthy", n[0]);
            l.put("total", n[1]);
            localities.add(l);
          });
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("namespace", s.namespace());
      m.put("name", s.name());
      m.put("exported", s.exported());
      m.put("ports", s.ports());
      m.put("identities", s.identities());
      m.put("localities", localities);
      out.add(m);
    }
    return out;
  }

  // ---- writes -----------------------------------------------------------------------------

  private void createJoinToken(RoutingContext rc) {
    JsonObject body = body(rc, Set.of("spiffeId", "uses", "ttl"));
    if (body == null) {
      return;
    }
    SpiffeId id;
    try {
      id = SpiffeId.parse(requiredString(body, "spiffeId"));
    } catch (InvalidSpiffeIdException e) {
      throw new BadInput("spiffeId: " + e.getMessage());
    }
    if (!id.memberOf(context.trustDomain())) {
      throw new BadInput(
          "spiffeId: '"
              + id
              + "' (expected: an ID in this cluster's trust domain '"
              + context.trustDomain()
              + "')");
    }
    int uses = optionalInt(body, "uses", 1, 1, CatalogJoinTokens.MAX_USES);
    Duration ttl = ttl(body.getValue("ttl"));
    reply(
        rc,
        201,
        () -> {
          String token = joinTokens.issue(id, ttl, uses);
          Map<String, Object> out = new LinkedHashMap<>();
          out.put("token", token);
          out.put("spiffeId", id.toString());
          out.put("uses", uses);
          out.put("expiresAt", context.clock().instant().plus(ttl).toString());
          return out;
        });
  }

  private void putService(RoutingContext rc) {
    ServiceName name = serviceName(rc.pathParam("ns"), rc.pathParam("name"));
    JsonObject body = body(rc, Set.of("ports", "identities", "exported"));
    if (body == null) {
      return;
    }
    JsonArray ports = array(body, "ports", true);
    if (ports.isEmpty()) {
      throw new BadInput("ports: empty (expected: at least one {name, port, protocol})");
    }
    List<PortEntry> portEntries = new ArrayList<>();
    Set<String> seenNames = new java.util.HashSet<>();
    Set<Integer> seenNumbers = new java.util.HashSet<>();
    for (int i = 0; i < ports.size(); i++) {
      String f = "ports[" + i + "]";
      if (!(ports.getValue(i) instanceof JsonObject p)) {
        throw new BadInput(f + ": " + ports.getValue(i) + " (expected: {name, port, protocol})");
      }
      unknownFields(p, Set.of("name", "port", "protocol"), f + ".");
      String pn = label(requiredString(p, "name"), f + ".name");
      int number = requiredInt(p, "port", f + ".port", 1, 65535);
      String protocol = p.getValue("protocol") == null ? "http" : string(p, "protocol", f);
      if (!PROTOCOLS.contains(protocol)) {
        throw new BadInput(f + ".protocol: '" + protocol + "' (expected: http, grpc or tcp)");
      }
      if (!seenNames.add(pn)) {
        throw new BadInput(f + ".name: '" + pn + "' twice (expected: unique port names)");
      }
      if (!seenNumbers.add(number)) {
        throw new BadInput(f + ".port: " + number + " twice (expected: unique port numbers)");
      }
      portEntries.add(new PortEntry(pn, number, protocol));
    }
    List<String> identities = new ArrayList<>();
    JsonArray ids = array(body, "identities", false);
    for (int i = 0; i < ids.size(); i++) {
      Object v = ids.getValue(i);
      try {
        identities.add(SpiffeId.parse(String.valueOf(v)).toString());
      } catch (InvalidSpiffeIdException e) {
        throw new BadInput("identities[" + i + "]: " + e.getMessage());
      }
    }
    boolean exported = optionalBoolean(body, "exported", false);
    ServiceEntry entry =
        new ServiceEntry(name.namespace(), name.name(), portEntries, identities, exported);
    reply(
        rc,
        200,
        () -> {
          context.catalog().putService(entry);
          return entry;
        });
  }

  private void deleteService(RoutingContext rc) {
    ServiceName name = serviceName(rc.pathParam("ns"), rc.pathParam("name"));
    reply(
        rc,
        204,
        () -> {
          if (context.catalog().service(name.namespace(), name.name()).isEmpty()) {
            throw new NotFound("service " + name + " is not in the catalog");
          }
          context.catalog().removeService(name.namespace(), name.name());
          return null;
        });
  }

  private void putEndpoint(RoutingContext rc) {
    ServiceName name = serviceName(rc.pathParam("ns"), rc.pathParam("svc"));
    String id = endpointId(rc.pathParam("id"));
    JsonObject body =
        body(rc, Set.of("host", "port", "region", "zone", "weight", "healthy", "tcpPort"));
    if (body == null) {
      return;
    }
    String host = requiredString(body, "host");
    if (!HOST.matcher(host).matches()) {
      throw new BadInput("host: '" + host + "' (expected: an IP address or DNS name)");
    }
    int port = requiredInt(body, "port", "port", 1, 65535);
    String region = label(requiredString(body, "region"), "region");
    String zone = label(requiredString(body, "zone"), "zone");
    int weight = optionalInt(body, "weight", 1, 1, 10_000);
    boolean healthy = optionalBoolean(body, "healthy", true);
    int tcpPort = optionalInt(body, "tcpPort", 0, 0, 65535);
    EndpointEntry entry =
        new EndpointEntry(
            name.namespace(), name.name(), id, host, port, region, zone, weight, healthy, tcpPort);
    reply(
        rc,
        200,
        () -> {
          if (context.catalog().service(name.namespace(), name.name()).isEmpty()) {
            throw new NotFound(
                "service " + name + " is not in the catalog (PUT /v1/services/... first)");
          }
          context.catalog().putEndpoint(entry);
          return entry;
        });
  }

  private void deleteEndpoint(RoutingContext rc) {
    ServiceName name = serviceName(rc.pathParam("ns"), rc.pathParam("svc"));
    String id = endpointId(rc.pathParam("id"));
    reply(
        rc,
        204,
        () -> {
          boolean present =
              context.catalog().endpoints(name.namespace(), name.name()).stream()
                  .anyMatch(e -> e.id().equals(id));
          if (!present) {
            throw new NotFound("endpoint " + name + "/" + id + " is not in the catalog");
          }
          context.catalog().removeEndpoint(name.namespace(), name.name(), id);
          return null;
        });
  }

  // ---- plumbing ---------------------------------------------------------------------------

  /** Runs {@code work} on a worker and answers with its JSON, or the error it raised. */
  private void reply(RoutingContext rc, int status, Callable<Object> work) {
    replyWith(context, rc, status, work);
  }

  static void replyWith(
      ControllerContext context, RoutingContext rc, int status, Callable<Object> work) {
    context
        .vertx()
        .executeBlocking(work, false)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                if (status == 204) {
                  rc.response().setStatusCode(204).end();
                } else {
                  rc.response()
                      .setStatusCode(status)
                      .putHeader("content-type", "application/json")
                      .end(Catalog.encode(ar.result()));
                }
              } else if (ar.cause() instanceof NotFound nf) {
                error(rc, 404, nf.getMessage());
              } else if (ar.cause() instanceof IllegalArgumentException bad) {
                error(rc, 400, bad.getMessage());
              } else {
                error(rc, 500, "catalog unavailable: " + ar.cause().getMessage());
              }
            });
  }

  private static void failed(RoutingContext rc) {
    if (rc.failure() instanceof BadInput bad) {
      error(rc, 400, bad.getMessage());
    } else if (rc.statusCode() == 413) {
      error(rc, 413, "body: larger than " + MAX_BODY_BYTES + " bytes (expected: at most that)");
    } else if (rc.statusCode() > 0 && rc.statusCode() < 500) {
      error(rc, rc.statusCode(), "request refused");
    } else {
      error(rc, 500, "internal error: " + rc.failure());
    }
  }

  static void error(RoutingContext rc, int status, String message) {
    rc.response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", message).encode());
  }

  /** Input errors thrown while validating, answered 400 by the failure handler. */
  static final class BadInput extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadInput(String message) {
      super(message, null, false, false);
    }
  }

  private static final class NotFound extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotFound(String message) {
      super(message, null, false, false);
    }
  }

  /** The JSON object body; a {@link BadInput} when it is missing or malformed. */
  private static JsonObject body(RoutingContext rc, Set<String> allowed) {
    String text = rc.body() == null ? null : rc.body().asString();
    if (text == null || text.isBlank()) {
      throw new BadInput("body: empty (expected: a JSON object with " + sorted(allowed) + ")");
    }
    JsonObject o;
    try {
      o = new JsonObject(text);
    } catch (DecodeException e) {
      throw new BadInput("body: not a JSON object (" + e.getMessage() + ")");
    }
    unknownFields(o, allowed, "");
    return o;
  }

  private static void unknownFields(JsonObject o, Set<String> allowed, String prefix) {
    for (String k : o.fieldNames()) {
      if (!allowed.contains(k)) {
        throw new BadInput(
            prefix + k + ": unknown field (expected one of: " + sorted(allowed) + ")");
      }
    }
  }

  private static String sorted(Set<String> s) {
    return String.join(", ", new java.util.TreeSet<>(s));
  }

  private static ServiceName serviceName(String ns, String name) {
    try {
      return new ServiceName(name, ns);
    } catch (ModelException e) {
      throw new BadInput(e.getMessage());
    }
  }

  private static String endpointId(String id) {
    if (id == null || !id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}")) {
      throw new BadInput(
          "endpoint id: '" + id + "' (expected: 1..128 of letters, digits, '.', '_', '-')");
    }
    return id;
  }

  private static String label(String value, String field) {
    if (!value.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
      throw new BadInput(
          field + ": '" + value + "' (expected: a DNS label, lower case, 1..63 characters)");
    }
    return value;
  }

  private static String requiredString(JsonObject o, String field) {
    if (o.getValue(field) == null) {
      throw new BadInput(field + ": missing (expected: a string)");
    }
    return string(o, field, "");
  }

  private static String string(JsonObject o, String field, String prefix) {
    Object v = o.getValue(field);
    if (!(v instanceof String s)) {
      throw new BadInput(
          (prefix.isEmpty() ? "" : prefix + ".") + field + ": " + v + " (expected: a string)");
    }
    return s;
  }

  private static int requiredInt(JsonObject o, String key, String field, int min, int max) {
    Object v = o.getValue(key);
    if (v == null) {
      throw new BadInput(field + ": missing (expected: an integer " + min + ".." + max + ")");
    }
    return checkInt(v, field, min, max);
  }

  private static int optionalInt(JsonObject o, String field, int dflt, int min, int max) {
    Object v = o.getValue(field);
    return v == null ? dflt : checkInt(v, field, min, max);
  }

  private static int checkInt(Object v, String field, int min, int max) {
    if (!(v instanceof Integer || v instanceof Long)
        || ((Number) v).longValue() < min
        || ((Number) v).longValue() > max) {
      throw new BadInput(field + ": " + v + " (expected: an integer " + min + ".." + max + ")");
    }
    return ((Number) v).intValue();
  }

  private static boolean optionalBoolean(JsonObject o, String field, boolean dflt) {
    Object v = o.getValue(field);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Boolean b)) {
      throw new BadInput(field + ": " + v + " (expected: true or false)");
    }
    return b;
  }

  private static JsonArray array(JsonObject o, String field, boolean required) {
    Object v = o.getValue(field);
    if (v == null) {
      if (required) {
        throw new BadInput(field + ": missing (expected: a JSON array)");
      }
      return new JsonArray();
    }
    if (!(v instanceof JsonArray a)) {
      throw new BadInput(field + ": " + v + " (expected: a JSON array)");
    }
    return a;
  }

  static Duration ttl(Object v) {
    if (v == null) {
      return io.fedmesh.trust.ca.JoinTokens.DEFAULT_TTL;
    }
    Matcher m = v instanceof String s ? TTL.matcher(s) : null;
    if (m == null || !m.matches()) {
      throw new BadInput("ttl: " + v + " (expected: a duration such as 90s, 30m, 1h or 2d)");
    }
    long n = Long.parseLong(m.group(1));
    Duration d =
        switch (m.group(2)) {
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
    if (d.compareTo(CatalogJoinTokens.MAX_TTL) > 0) {
      throw new BadInput("ttl: " + v + " (expected: at most 30d)");
    }
    return d;
  }
}
