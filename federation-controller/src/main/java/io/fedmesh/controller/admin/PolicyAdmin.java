package io.fedmesh.controller.admin;

import io.fedmesh.controller.ControllerContext;
import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.controller.catalog.PolicyEntry;
import io.fedmesh.proxy.config.ConfigErrors;
import io.fedmesh.proxy.config.ConfigException;
import io.fedmesh.proxy.config.FailoverPolicies;
import io.fedmesh.proxy.config.FailoverPolicy;
import io.fedmesh.proxy.config.KnownLocalities;
import io.fedmesh.proxy.config.TrafficPolicyDocument;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The admin API's policy routes:
 *
 * <ul>
 *   <li>{@code POST /v1/policies} {@code {"source": "reviews.yaml", "yaml": "<FailoverPolicy
 *       documents>"}} → 200 {@code {"applied": [{namespace, service, name}]}}: the text is read
 *       with proxy-core's {@link FailoverPolicies} reader (the one {@code fedmesh policy validate}
 *       uses); all its documents are stored, or none: any error answers 400 with every error, one
 *       per line, each {@code source:line:col: field: what is allowed}.
 *   <li>{@code GET /v1/policies} → {@code [{namespace, service, source, body}]}.
 * </ul>
 *
 * <p>Each stored {@link PolicyEntry} body is a ProxyConfig {@code policies[]} entry ({@code
 * service}, {@code namespace}, then {@link TrafficPolicyDocument#of} of the policy), pushed to the
 * sidecars that know the service. Localities are not checked here (the controller knows no
 * topology): the CLI checks them before it sends.
 */
final class PolicyAdmin {
  private final ControllerContext context;

  PolicyAdmin(ControllerContext context) {
    this.context = context;
  }

  void install(Router r) {
    r.post("/v1/policies").handler(this::apply);
    r.get("/v1/policies").handler(rc -> AdminApi.replyWith(context, rc, 200, this::list));
  }

  private List<PolicyEntry> list() {
    return context.catalog().policies();
  }

  private void apply(RoutingContext rc) {
    JsonObject body;
    try {
      body = rc.body() == null ? null : rc.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      body = null;
    }
    if (body == null) {
      AdminApi.error(
          rc, 400, "body: not a JSON object (expected: {\"source\": ..., \"yaml\": ...})");
      return;
    }
    for (String k : body.fieldNames()) {
      if (!Set.of("source", "yaml").contains(k)) {
        AdminApi.error(rc, 400, k + ": unknown field (expected one of: source, yaml)");
        return;
      }
    }
    if (!(body.getValue("yaml") instanceof String yaml) || yaml.isBlank()) {
      AdminApi.error(rc, 400, "yaml: missing or empty (expected: FailoverPolicy documents)");
      return;
    }
    String source = body.getValue("source") instanceof String s && !s.isBlank() ? s : "request";
    List<FailoverPolicy> policies;
    try {
      policies = FailoverPolicies.parse(yaml, source, KnownLocalities.UNCHECKED);
    } catch (ConfigErrors e) {
      List<String> lines = new ArrayList<>();
      for (ConfigException one : e.errors()) {
        lines.add(one.getMessage());
      }
      AdminApi.error(rc, 400, String.join("\n", lines));
      return;
    }
    List<PolicyEntry> entries = new ArrayList<>();
    List<Map<String, Object>> applied = new ArrayList<>();
    for (FailoverPolicy p : policies) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("service", p.service().name());
      entry.put("namespace", p.namespace());
      entry.putAll(TrafficPolicyDocument.of(p.policy()));
      entries.add(
          new PolicyEntry(
              p.namespace(),
              p.service().name(),
              FailoverPolicy.KIND + " " + p.namespace() + "/" + p.name() + " (" + source + ")",
              Catalog.encode(entry)));
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("namespace", p.namespace());
      a.put("service", p.service().name());
      a.put("name", p.name());
      applied.add(a);
    }
    AdminApi.replyWith(
        context,
        rc,
        200,
        () -> {
          context.catalog().putPolicies(entries);
          return Map.of("applied", applied);
        });
  }
}
