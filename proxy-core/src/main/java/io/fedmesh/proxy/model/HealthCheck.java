package io.fedmesh.proxy.model;

import java.time.Duration;

/**
 * Active health checking of a service's endpoints, local ones and remote gateway summaries alike,
 * over the same mTLS as the service's traffic: every {@code interval} (with jitter) an HTTP GET
 * that must answer 2xx within {@code timeout}, or for a service whose ports are all TCP a TLS
 * handshake; {@code unhealthyThreshold} failures in a row mark an endpoint unhealthy, {@code
 * healthyThreshold} successes in a row bring it back.
 *
 * <p>With {@code path} empty (the default) the GET is of the inbound sidecar's own health path,
 * which the sidecar answers from a connect to its app, so it needs nothing from the app. With a
 * {@code path} the GET goes to the app like any request (authorization applies) and the app's own
 * answer counts.
 */
public record HealthCheck(
    Duration interval,
    Duration timeout,
    int unhealthyThreshold,
    int healthyThreshold,
    String path) {
  /**
   * On by default: the sidecar's health path every 1 s, 1 s timeout, 3 failures in a row down, 1
   * success up. A dead app fails each probe at once (down in about 3 s; outlier detection acts
   * sooner on live traffic); the timeout and the third failure keep a CPU-starved node, whose first
   * TLS handshakes can take over 500 ms, from marking live endpoints down (seen on a loaded 2-core
   * CI machine with 500 ms and 2).
   */
  public static final HealthCheck DEFAULT =
      new HealthCheck(Duration.ofSeconds(1), Duration.ofSeconds(1), 3, 1, "");

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
