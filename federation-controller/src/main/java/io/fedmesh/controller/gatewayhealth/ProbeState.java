package io.fedmesh.controller.gatewayhealth;

/**
 * The verdict on one gateway from consecutive probe results: healthy turns unhealthy after {@code
 * failureThreshold} failures in a row, and back after {@code successThreshold} successes in a row.
 * It starts from the verdict the catalog already holds, so a new leader (or a restarted controller)
 * never reports a false "gateway down" before it has probed.
 */
final class ProbeState {
  private final int failureThreshold;
  private final int successThreshold;
  private boolean healthy;
  private int failures;
  private int successes;
  private String detail = "";

  ProbeState(boolean healthy, int failureThreshold, int successThreshold) {
    this.healthy = healthy;
    this.failureThreshold = failureThreshold;
    this.successThreshold = successThreshold;
  }

  /**
   * Records one probe result.
   *
   * @return true when the verdict changed with it
   */
  boolean record(boolean ok, String why) {
    if (ok) {
      failures = 0;
      successes++;
      if (!healthy && successes >= successThreshold) {
        healthy = true;
        detail = "";
        return true;
      }
      return false;
    }
    successes = 0;
    failures++;
    if (healthy && failures >= failureThreshold) {
      healthy = false;
      detail = failures + " consecutive probes failed, last: " + why;
      return true;
    }
    if (!healthy) {
      detail = failures + " consecutive probes failed, last: " + why;
    }
    return false;
  }

  boolean healthy() {
    return healthy;
  }

  String detail() {
    return detail;
  }

  int consecutiveFailures() {
    return failures;
  }

  int consecutiveSuccesses() {
    return successes;
  }
}
