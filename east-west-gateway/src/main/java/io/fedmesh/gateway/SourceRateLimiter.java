package io.fedmesh.gateway;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * New connections per second per source address: a token bucket per source holding at most {@code
 * ratePerSecond} tokens (one second of burst), refilled continuously.
 *
 * <p>Memory is bounded: full buckets are forgotten by {@link #prune()} (a forgotten source starts
 * full again, which is what it would have), and past {@code maxSources} tracked sources a new
 * source is admitted untracked rather than refused, so a flood of distinct addresses cannot lock
 * out new legitimate ones; the connection cap still bounds the gateway.
 */
final class SourceRateLimiter {
  private final double ratePerNano;
  private final double capacity;
  private final int maxSources;
  private final LongSupplier ticker;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  SourceRateLimiter(int ratePerSecond, int maxSources, LongSupplier ticker) {
    this.ratePerNano = ratePerSecond / 1e9;
    this.capacity = ratePerSecond;
    this.maxSources = maxSources;
    this.ticker = ticker;
  }

  /** Takes a token for {@code source}; false when it has none left. */
  boolean tryAcquire(String source) {
    Bucket b = buckets.get(source);
    if (b == null) {
      if (buckets.size() >= maxSources) {
        prune();
        if (buckets.size() >= maxSources) {
          return true;
        }
      }
      b = buckets.computeIfAbsent(source, s -> new Bucket(capacity, ticker.getAsLong()));
    }
    return b.tryTake(ticker.getAsLong(), ratePerNano, capacity);
  }

  /** Forgets sources whose bucket has refilled. */
  void prune() {
    long now = ticker.getAsLong();
    for (Iterator<Map.Entry<String, Bucket>> it = buckets.entrySet().iterator(); it.hasNext(); ) {
      if (it.next().getValue().isFull(now, ratePerNano, capacity)) {
        it.remove();
      }
    }
  }

  int trackedSources() {
    return buckets.size();
  }

  private static final class Bucket {
    private double tokens;
    private long last;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.last = now;
    }

    synchronized boolean tryTake(long now, double ratePerNano, double capacity) {
      refill(now, ratePerNano, capacity);
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }

    synchronized boolean isFull(long now, double ratePerNano, double capacity) {
      refill(now, ratePerNano, capacity);
      return tokens >= capacity;
    }

    private void refill(long now, double ratePerNano, double capacity) {
      long elapsed = now - last;
      if (elapsed > 0) {
        tokens = Math.min(capacity, tokens + elapsed * ratePerNano);
        last = now;
      }
    }
  }
}
