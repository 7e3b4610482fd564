package io.fedmesh.proxy.model;

import java.time.Duration;

/**
 * Passive health: an endpoint that fails in a row is ejected for {@code baseEjectionTime} times the
 * number of times it has been ejected, and comes back when that expires.
 *
 * @param consecutive5xxErrors 5xx responses (or gRPC UNAVAILABLE/INTERNAL...) in a row, 1..1000
 * @param consecutiveGatewayErrors connect failures, resets and 502/503/504 in a row, 1..1000
 * @param interval how often ejections are reconsidered
 * @param baseEjectionTime ejection length for a first ejection
 * @param maxEjectionPercent at most this share of a service's endpoints ejected at once, 0..100
 */
public record OutlierDetection(
    int consecutive5xxErrors,
    int consecutiveGatewayErrors,
    Duration interval,
    Duration baseEjectionTime,
    int maxEjectionPercent) {
  /**
   * On by default (Istio users are bitten by failover that silently needs it): 5 errors or 3
   * gateway errors in a row, 1 s interval, 15 s base ejection, up to 100 % ejected, since traffic
   * then fails over to the next locality rather than nowhere.
   */
  public static final OutlierDetection DEFAULT =
      new OutlierDetection(5, 3, Duration.ofSeconds(1), Duration.ofSeconds(15), 100);

  public OutlierDetection {
    if (consecutive5xxErrors < 1 || consecutive5xxErrors > 1000) {
      throw new ModelException(
          "outlierDetection.consecutive5xxErrors: "
              + consecutive5xxErrors
              + " (expected: 1..1000)");
    }
    if (consecutiveGatewayErrors < 1 || consecutiveGatewayErrors > 1000) {
      throw new ModelException(
          "outlierDetection.consecutiveGatewayErrors: "
              + consecutiveGatewayErrors
              + " (expected: 1..1000)");
    }
    Durations.checkPositive("outlierDetection.interval", interval);
    Durations.checkPositive("outlierDetection.baseEjectionTime", baseEjectionTime);
    if (maxEjectionPercent < 0 || maxEjectionPercent > 100) {
      throw new ModelException(
          "outlierDetection.maxEjectionPercent: " + maxEjectionPercent + " (expected: 0..100)");
    }
  }
}
