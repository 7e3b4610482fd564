package io.fedmesh.proxy.model;

import java.util.List;
import java.util.Objects;

/**
 * One authorization rule. A request matches when every non-empty list has a match: a principal
 * pattern (an exact SPIFFE ID, or a prefix ending in {@code /*} such as {@code
 * spiffe://us-east.fedmesh.local/ns/shop/*}), a trust domain, a namespace, a method, a path prefix
 * (on the normalized path).
 */
public record AuthorizationRule(
    String name,
    AuthorizationPolicy.Action action,
    List<String> principals,
    List<String> trustDomains,
    List<String> namespaces,
    List<String> methods,
    List<String> pathPrefixes) {
  public AuthorizationRule {
    if (name == null || name.isBlank()) {
      throw new ModelException("authorization rule: name missing");
    }
    Objects.requireNonNull(action, "authorization rule " + name + ": action");
    principals = List.copyOf(principals);
    trustDomains = List.copyOf(trustDomains);
    namespaces = List.copyOf(namespaces);
    methods = List.copyOf(methods);
    pathPrefixes = List.copyOf(pathPrefixes);
    for (String p : principals) {
      if (!p.startsWith("spiffe://")) {
        throw new ModelException(
            "authorization rule " + name + ": principal '" + p + "' (expected: spiffe://...)");
      }
    }
    for (String p : pathPrefixes) {
      if (!p.startsWith("/")) {
        throw new ModelException(
            "authorization rule " + name + ": pathPrefix '" + p + "' (expected: /...)");
      }
    }
  }
}
