package io.fedmesh.proxy.config;

import io.fedmesh.proxy.model.Names;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.TrafficPolicy;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One {@code FailoverPolicy} resource: how callers treat one service (locality failover, outlier
 * detection, retries, timeout, circuit breaking, health checks), as a name in a namespace. Loaded
 * by {@link FailoverPolicies}; the format is in this package's documentation.
 *
 * @param name {@code metadata.name}, a DNS label, unique in its namespace
 * @param service {@code spec.service} in {@code metadata.namespace}
 * @param policy the whole policy, every field not written at its default
 */
public record FailoverPolicy(String name, ServiceName service, TrafficPolicy policy) {
  /** The resource's {@code kind}. */
  public static final String KIND = "FailoverPolicy";

  public FailoverPolicy {
    Names.checkLabel("metadata.name", name);
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(policy, "policy");
  }

  /** {@code metadata.namespace}: the service's namespace. */
  public String namespace() {
    return service.namespace();
  }

  /**
   * The normalized document: every field explicit (defaults filled in), durations as {@code 500ms}
   * or {@code 3s}, in the file's field order. Maps, lists, strings and numbers only, ready for a
   * JSON or YAML writer; reading it back gives an equal policy.
   */
  public Map<String, Object> toDocument() {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("name", name);
    metadata.put("namespace", namespace());
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("service", service.name());
    spec.putAll(TrafficPolicyDocument.of(policy));
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("apiVersion", ProxyConfigLoader.API_VERSION);
    doc.put("kind", KIND);
    doc.put("metadata", metadata);
    doc.put("spec", spec);
    return doc;
  }
}
