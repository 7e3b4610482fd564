package io.fedmesh.proxy.model;

import java.time.Duration;
import java.util.Set;

/**
 * Retries of one request. Only idempotent requests (GET, HEAD, OPTIONS, PUT, DELETE, and gRPC calls
 * marked idempotent) are retried; a retry prefers another endpoint and, when the failure was
 * locality-wide, another locality. The budget caps retries at a share of live requests so that an
 * outage cannot multiply load.
 *
 * @param attempts retries after the first try, 0..10
 * @param perTryTimeout deadline of each try: from the end of its request until response headers
 * @param retryOn conditions that trigger a retry
 * @param retriableStatusCodes extra HTTP statuses that trigger one (with {@link RetryOn#STATUS})
 * @param budgetPercent retries allowed as a percentage of active requests, 0..100
 * @param minRetriesPerSecond retries always allowed, whatever the budget says
 */
public record RetryPolicy(
    int attempts,
    Duration perTryTimeout,
    Set<RetryOn> retryOn,
    Set<Integer> retriableStatusCodes,
    int budgetPercent,
    int minRetriesPerSecond) {
  /** What triggers a retry. */
  public enum RetryOn {
    /** A 5xx response. */
    SERVER_ERROR,
    /** The connection was reset or closed before a response. */
    RESET,
    /** No connection could be made. */
    CONNECT_FAILURE,
    /** A status listed in {@code retriableStatusCodes}. */
    STATUS
  }

  /** On by default so that failover needs no policy: 2 retries, 1 s per try, 20 % budget. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(
          2,
          Duration.ofSeconds(1),
          Set.of(RetryOn.SERVER_ERROR, RetryOn.RESET, RetryOn.CONNECT_FAILURE),
          Set.of(),
          20,
          10);

  public RetryPolicy {
    if (attempts < 0 || attempts > 10) {
      throw new ModelException("retries.attempts: " + attempts + " (expected: 0..10)");
    }
    Durations.checkPositive("retries.perTryTimeout", perTryTimeout);
    retryOn = Set.copyOf(retryOn);
    retriableStatusCodes = Set.copyOf(retriableStatusCodes);
    for (int code : retriableStatusCodes) {
      if (code < 100 || code > 599) {
        throw new ModelException("retries.retriableStatusCodes: " + code + " (expected: 100..599)");
      }
    }
    if (budgetPercent < 0 || budgetPercent > 100) {
      throw new ModelException("retries.budgetPercent: " + budgetPercent + " (expected: 0..100)");
    }
    if (minRetriesPerSecond < 0 || minRetriesPerSecond > 10_000) {
      throw new ModelException(
          "retries.minRetriesPerSecond: " + minRetriesPerSecond + " (expected: 0..10000)");
    }
  }
}
