package io.fedmesh.controller.catalog;

/**
 * A traffic policy for one service, as applied.
 *
 * @param namespace the service's namespace
 * @param service the service's name
 * @param source where it came from, e.g. {@code FailoverPolicy default/reviews (policy.yaml)}
 * @param body the policy as a JSON {@code policies[]} entry of the ProxyConfig schema
 */
public record PolicyEntry(String namespace, String service, String source, String body) {
  /** The catalog key: {@code namespace/service}. */
  public String key() {
    return Catalog.serviceKey(namespace, service);
  }
}
