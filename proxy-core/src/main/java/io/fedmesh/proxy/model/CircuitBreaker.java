package io.fedmesh.proxy.model;

/**
 * Limits per upstream service; past them a request fails fast with 503 (and is counted) rather than
 * queueing without bound.
 */
public record CircuitBreaker(int maxConnections, int maxPendingRequests, int maxRequests) {
  /** Envoy's defaults. */
  public static final CircuitBreaker DEFAULT = new CircuitBreaker(1024, 1024, 1024);

  public CircuitBreaker {
    check("maxConnections", maxConnections);
    check("maxPendingRequests", maxPendingRequests);
    check("maxRequests", maxRequests);
  }

  private static void check(String field, int v) {
    if (v < 1 || v > 1_000_000) {
      throw new ModelException("circuitBreaker." + field + ": " + v + " (expected: 1..1000000)");
    }
  }
}
