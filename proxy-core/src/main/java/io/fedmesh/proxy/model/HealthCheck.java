package io.fedmesh.proxy.model;

import java.time.Duration;

/**
 * Active health checking of local endpoints: a TCP connect (or an HTTP GET of {@code path} when
 * set) every {@code interval}; {@code unhealthyThreshold} failures mark an endpoint unhealthy,
 * {@code healthyThreshold} successes bring it back.
 */
public record HealthCheck(
    Duration interval,
    Duration timeout,
    int unhealthyThreshold,
    int healthyThreshold,
    String path) {
  /** On by default: TCP connect every 1 s, 500 ms timeout, 2 failures down, 1 success up. */
  public static final HealthCheck DEFAULT =
      new HealthCheck(Duration.ofSeconds(1), Duration.ofMillis(500), 2, 1, "");

  public HealthCheck {
    Durations.checkPositive("healthCheck.interval", interval);
    Durations.checkPositive("healthCheck.timeout", timeout);
    if (unhealthyThreshold < 1 || unhealthyThreshold > 100) {
      throw new ModelException(
          "healthCheck.unhealthyThreshold: " + unhealthyThreshold + " (expected: 1..100)");
    }
    if (healthyThreshold < 1 || healthyThreshold > 100) {
      throw new ModelException(
          "healthCheck.healthyThreshold: " + healthyThreshold + " (expected: 1..100)");
    }
    path = path == null ? "" : path;
    if (!path.isEmpty() && !path.startsWith("/")) {
      throw new ModelException("healthCheck.path: '" + path + "' (expected: empty or /...)");
    }
  }
}
