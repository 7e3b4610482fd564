package io.fedmesh.proxy.routing;

import io.fedmesh.proxy.model.Endpoint;

/**
 * Active health of one endpoint: healthy at first; {@code unhealthyThreshold} failed probes in a
 * row make it unhealthy, then {@code healthyThreshold} passing probes in a row make it healthy
 * again. A probe result against the current state resets the opposite run.
 */
final class HealthState {
  private volatile Endpoint endpoint;
  private volatile boolean healthy = true;
  private volatile boolean removed;
  // guarded by this
  private int failures;
  private int successes;

  HealthState(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  Endpoint endpoint() {
    return endpoint;
  }

  void endpoint(Endpoint e) {
    this.endpoint = e;
  }

  boolean isHealthy() {
    return healthy;
  }

  boolean isRemoved() {
    return removed;
  }

  void markRemoved() {
    removed = true;
  }

  /** Records one probe; returns whether the state changed. */
  synchronized boolean record(boolean passed, int unhealthyThreshold, int healthyThreshold) {
    if (healthy) {
      if (passed) {
        failures = 0;
        return false;
      }
      if (++failures < unhealthyThreshold) {
        return false;
      }
      failures = 0;
      healthy = false;
      return true;
    }
    if (!passed) {
      successes = 0;
      return false;
    }
    if (++successes < healthyThreshold) {
      return false;
    }
    successes = 0;
    healthy = true;
    return true;
  }
}
