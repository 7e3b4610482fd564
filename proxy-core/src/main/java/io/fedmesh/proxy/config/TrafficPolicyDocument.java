package io.fedmesh.proxy.config;

import io.fedmesh.proxy.model.CircuitBreaker;
import io.fedmesh.proxy.model.HealthCheck;
import io.fedmesh.proxy.model.LocalityFailover;
import io.fedmesh.proxy.model.LocalityLabel;
import io.fedmesh.proxy.model.OutlierDetection;
import io.fedmesh.proxy.model.RetryPolicy;
import io.fedmesh.proxy.model.RetryPolicy.RetryOn;
import io.fedmesh.proxy.model.TrafficPolicy;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link TrafficPolicy} written back in the form {@link TrafficPolicyReader} reads, every field
 * explicit: what {@code fedmesh policy validate -o json} prints, what a sidecar's {@code /config}
 * shows, and the body of a policy the controller pushes (a {@code policies[]} entry without its
 * {@code service}/{@code namespace} keys).
 */
public final class TrafficPolicyDocument {
  private static final Map<RetryOn, String> RETRY_ON_WORDS = new EnumMap<>(RetryOn.class);

  static {
    TrafficPolicyReader.RETRY_ON.forEach((word, on) -> RETRY_ON_WORDS.put(on, word));
  }

  private TrafficPolicyDocument() {}

  /** The policy's fields, in {@link TrafficPolicyReader#FIELDS} order (plain maps and lists). */
  public static Map<String, Object> of(TrafficPolicy p) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("timeout", DurationText.format(p.timeout()));
    doc.put("retries", retries(p.retries()));
    doc.put("outlierDetection", outlierDetection(p.outlierDetection()));
    doc.put("circuitBreaker", circuitBreaker(p.circuitBreaker()));
    doc.put("healthCheck", healthCheck(p.healthCheck()));
    doc.put("locality", locality(p.locality()));
    return doc;
  }

  private static Map<String, Object> retries(RetryPolicy r) {
    List<String> retryOn = new ArrayList<>();
    for (RetryOn on : RetryOn.values()) {
      if (r.retryOn().contains(on)) {
        retryOn.add(RETRY_ON_WORDS.get(on));
      }
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("attempts", r.attempts());
    doc.put("perTryTimeout", DurationText.format(r.perTryTimeout()));
    doc.put("retryOn", retryOn);
    doc.put("retriableStatusCodes", r.retriableStatusCodes().stream().sorted().toList());
    doc.put("budgetPercent", r.budgetPercent());
    doc.put("minRetriesPerSecond", r.minRetriesPerSecond());
    return doc;
  }

  private static Map<String, Object> outlierDetection(OutlierDetection o) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("consecutive5xxErrors", o.consecutive5xxErrors());
    doc.put("consecutiveGatewayErrors", o.consecutiveGatewayErrors());
    doc.put("interval", DurationText.format(o.interval()));
    doc.put("baseEjectionTime", DurationText.format(o.baseEjectionTime()));
    doc.put("maxEjectionPercent", o.maxEjectionPercent());
    return doc;
  }

  private static Map<String, Object> circuitBreaker(CircuitBreaker c) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("maxConnections", c.maxConnections());
    doc.put("maxPendingRequests", c.maxPendingRequests());
    doc.put("maxRequests", c.maxRequests());
    return doc;
  }

  private static Map<String, Object> healthCheck(HealthCheck h) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("interval", DurationText.format(h.interval()));
    doc.put("timeout", DurationText.format(h.timeout()));
    doc.put("unhealthyThreshold", h.unhealthyThreshold());
    doc.put("healthyThreshold", h.healthyThreshold());
    doc.put("path", h.path());
    return doc;
  }

  private static Map<String, Object> locality(LocalityFailover l) {
    List<Map<String, Object>> failover = new ArrayList<>();
    new TreeMap<>(l.failover())
        .forEach(
            (from, to) -> {
              Map<String, Object> rule = new LinkedHashMap<>();
              rule.put("from", from);
              rule.put("to", to);
              failover.add(rule);
            });
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put(
        "failoverPriority", l.failoverPriority().stream().map(LocalityLabel::toString).toList());
    doc.put("failover", failover);
    doc.put("overprovisioningFactor", l.overprovisioningFactor());
    return doc;
  }
}
