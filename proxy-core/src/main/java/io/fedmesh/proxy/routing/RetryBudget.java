package io.fedmesh.proxy.routing;

import io.fedmesh.proxy.model.RetryPolicy;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Caps retries to one upstream service at a share of its traffic, so an outage cannot multiply load
 * (Finagle's and Linkerd's retry budgets). The allowance is the sum of two parts:
 *
 * <ul>
 *   <li>a share: retries over the sliding window (10 s by default, in 1 s buckets) may reach {@code
 *       budgetPercent}% of the requests started in that window;
 *   <li>a floor: {@code minRetriesPerSecond} retries in every second, whatever the traffic, so a
 *       quiet service can still retry.
 * </ul>
 *
 * <p>A retry is charged to the current second's floor while it lasts, then to the share. Call
 * {@link #onRequest()} once per original request (not per retry), and {@link #tryRetry()} before
 * each retry: it either charges the budget and returns true, or returns false and the proxy returns
 * the failure it has. Counting requests is lock-free; {@code tryRetry} takes a short lock (retries
 * are rare next to requests) so concurrent retries cannot overdraw the budget. Time is read from a
 * monotonic nanosecond ticker.
 */
public final class RetryBudget {
  /** The default sliding window. */
  public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);

  private static final long SECOND = 1_000_000_000L;

  private final int budgetPercent;
  private final int minRetriesPerSecond;
  private final LongSupplier nanoTicker;
  private final long origin;
  private final AtomicReferenceArray<Bucket> buckets;

  private RetryBudget(
      int budgetPercent, int minRetriesPerSecond, Duration window, LongSupplier nanoTicker) {
    if (budgetPercent < 0 || budgetPercent > 100) {
      throw new IllegalArgumentException(
          "retries.budgetPercent: " + budgetPercent + " (expected: 0..100)");
    }
    if (minRetriesPerSecond < 0) {
      throw new IllegalArgumentException(
          "retries.minRetriesPerSecond: " + minRetriesPerSecond + " (expected: >= 0)");
    }
    Objects.requireNonNull(window, "window");
    if (window.compareTo(Duration.ofSeconds(1)) < 0
        || window.compareTo(Duration.ofSeconds(60)) > 0
        || window.toNanosPart() != 0) {
      throw new IllegalArgumentException(
          "retry budget window: " + window + " (expected: whole seconds, 1..60 s)");
    }
    this.budgetPercent = budgetPercent;
    this.minRetriesPerSecond = minRetriesPerSecond;
    this.nanoTicker = Objects.requireNonNull(nanoTicker, "nanoTicker");
    this.origin = nanoTicker.getAsLong();
    this.buckets = new AtomicReferenceArray<>((int) window.toSeconds());
    for (int i = 0; i < buckets.length(); i++) {
      buckets.set(i, new Bucket(Long.MIN_VALUE));
    }
  }

  /** The budget of {@code policy} over {@link #DEFAULT_WINDOW}. */
  public static RetryBudget of(RetryPolicy policy, LongSupplier nanoTicker) {
    return new RetryBudget(
        policy.budgetPercent(), policy.minRetriesPerSecond(), DEFAULT_WINDOW, nanoTicker);
  }

  /**
   * A budget of {@code budgetPercent}% of requests over {@code window} (whole seconds, 1..60 s)
   * plus {@code minRetriesPerSecond} retries every second.
   */
  public static RetryBudget of(
      int budgetPercent, int minRetriesPerSecond, Duration window, LongSupplier nanoTicker) {
    return new RetryBudget(budgetPercent, minRetriesPerSecond, window, nanoTicker);
  }

  /** Counts one original request. */
  public void onRequest() {
    bucket(second()).requests.increment();
  }

  /** Charges one retry to the budget if it allows one; returns whether the retry may go. */
  public synchronized boolean tryRetry() {
    long now = second();
    Bucket current = bucket(now);
    if (current.floorRetries.get() < minRetriesPerSecond) {
      current.floorRetries.incrementAndGet();
      return true;
    }
    long requests = 0;
    long shareRetries = 0;
    for (int i = 0; i < buckets.length(); i++) {
      Bucket b = buckets.get(i);
      if (now - b.second < buckets.length() && now - b.second >= 0) {
        requests += b.requests.sum();
        shareRetries += b.shareRetries.get();
      }
    }
    if ((shareRetries + 1) * 100 > requests * budgetPercent) {
      return false;
    }
    current.shareRetries.incrementAndGet();
    return true;
  }

  private long second() {
    return Math.floorDiv(nanoTicker.getAsLong() - origin, SECOND);
  }

  private Bucket bucket(long second) {
    int i = (int) Math.floorMod(second, (long) buckets.length());
    while (true) {
      Bucket b = buckets.get(i);
      if (b.second == second) {
        return b;
      }
      if (b.second > second) {
        return b; // a thread that read the clock late: count it in the newer second
      }
      Bucket fresh = new Bucket(second);
      if (buckets.compareAndSet(i, b, fresh)) {
        return fresh;
      }
    }
  }

  private static final class Bucket {
    final long second;
    final LongAdder requests = new LongAdder();
    final AtomicInteger floorRetries = new AtomicInteger();
    final AtomicInteger shareRetries = new AtomicInteger();

    Bucket(long second) {
      this.second = second;
    }
  }
}
