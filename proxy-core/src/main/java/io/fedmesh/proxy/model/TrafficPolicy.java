package io.fedmesh.proxy.model;

import java.time.Duration;
import java.util.Objects;

/**
 * How a caller's proxy treats requests to one service. Every part has a default, so a service with
 * no policy written still gets health checks, outlier detection, retries and locality failover.
 *
 * @param timeout deadline for an answer, retries included: from the end of the app's request until
 *     the response headers arrive (a streaming response body is not cut by it)
 */
public record TrafficPolicy(
    Duration timeout,
    RetryPolicy retries,
    OutlierDetection outlierDetection,
    CircuitBreaker circuitBreaker,
    HealthCheck healthCheck,
    LocalityFailover locality) {
  /** Request timeout when none is set. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

  /** Every default. */
  public static final TrafficPolicy DEFAULT =
      new TrafficPolicy(
          DEFAULT_TIMEOUT,
          RetryPolicy.DEFAULT,
          OutlierDetection.DEFAULT,
          CircuitBreaker.DEFAULT,
          HealthCheck.DEFAULT,
          LocalityFailover.DEFAULT);

  public TrafficPolicy {
    Durations.checkPositive("timeout", timeout);
    Objects.requireNonNull(retries, "retries");
    Objects.requireNonNull(outlierDetection, "outlierDetection");
    Objects.requireNonNull(circuitBreaker, "circuitBreaker");
    Objects.requireNonNull(healthCheck, "healthCheck");
    Objects.requireNonNull(locality, "locality");
    if (retries.attempts() > 0 && retries.perTryTimeout().compareTo(timeout) > 0) {
      throw new ModelException(
          "retries.perTryTimeout "
              + retries.perTryTimeout()
              + " exceeds timeout "
              + timeout
              + " (expected: perTryTimeout <= timeout)");
    }
  }
}
