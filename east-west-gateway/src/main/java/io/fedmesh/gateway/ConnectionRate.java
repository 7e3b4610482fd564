package io.fedmesh.gateway;

import java.util.function.LongSupplier;

/**
 * Connections admitted per second over the last {@value #WINDOW_SECONDS} seconds, in one-second
 * buckets: the load figure the peer health endpoint reports.
 */
final class ConnectionRate {
  static final int WINDOW_SECONDS = 10;
  private static final long SECOND = 1_000_000_000L;

  private final LongSupplier ticker;
  private final long origin;
  private final long[] counts = new long[WINDOW_SECONDS];
  private final long[] seconds = new long[WINDOW_SECONDS];

  ConnectionRate(LongSupplier ticker) {
    this.ticker = ticker;
    this.origin = ticker.getAsLong();
    java.util.Arrays.fill(seconds, -1);
  }

  synchronized void record() {
    long second = (ticker.getAsLong() - origin) / SECOND;
    int i = (int) (second % WINDOW_SECONDS);
    if (seconds[i] != second) {
      seconds[i] = second;
      counts[i] = 0;
    }
    counts[i]++;
  }

  /** Mean per second over the window (the current, partial second included). */
  synchronized double perSecond() {
    long now = (ticker.getAsLong() - origin) / SECOND;
    long sum = 0;
    for (int i = 0; i < WINDOW_SECONDS; i++) {
      if (seconds[i] >= 0 && now - seconds[i] < WINDOW_SECONDS) {
        sum += counts[i];
      }
    }
    return sum / (double) WINDOW_SECONDS;
  }
}
