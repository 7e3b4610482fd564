package io.fedmesh.proxy.routing;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.OutlierDetection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Passive health of one service's endpoints (Envoy's outlier detection). Each try's {@link Outcome}
 * is recorded against its endpoint; after {@link OutlierDetection#consecutive5xxErrors()} 5xx
 * outcomes or {@link OutlierDetection#consecutiveGatewayErrors()} gateway errors in a row the
 * endpoint is ejected: it takes no traffic for {@code baseEjectionTime × n}, where {@code n} counts
 * its ejections, capped at {@link #MAX_EJECTION_TIME} (or {@code baseEjectionTime} if that is
 * longer). The count {@code n} drops by one for every {@code baseEjectionTime} the endpoint then
 * stays in, so an endpoint that fails again soon after returning stays out twice as long, and one
 * that recovered for good is forgiven.
 *
 * <p>An ejection expires on the next {@link #onInterval()} tick (the proxy schedules it every
 * {@link OutlierDetection#interval()}) and also lazily, when health is next read, so a returning
 * endpoint is never held back by a late tick. At most {@link OutlierDetection#maxEjectionPercent()}
 * percent of the service's endpoints are ejected at once, rounded down: an endpoint that reaches
 * its threshold beyond that stays in (reported through {@link Listener#onEjectionSkipped}) and is
 * ejected by its next failure once there is room. Outcomes recorded while an endpoint is ejected
 * (tries that were already in flight) are ignored.
 *
 * <p>Thread-safe; recording a success takes no lock. Listener calls happen on the thread that
 * caused the change, outside the detector's lock; a listener must not block.
 */
public final class OutlierDetector {
  /** The longest ejection, whatever the multiplier (Envoy's default {@code max_ejection_time}). */
  public static final Duration MAX_EJECTION_TIME = Duration.ofSeconds(300);

  /** Told of ejections and returns, for logs and meters. */
  public interface Listener {
    /**
     * {@code endpoint} was ejected for {@code duration}, its {@code ejections}-th ejection still
     * counted (see the class comment).
     */
    default void onEjected(Endpoint endpoint, Duration duration, int ejections) {}

    /** {@code endpoint}'s ejection expired: it takes traffic again. */
    default void onReturned(Endpoint endpoint) {}

    /** {@code endpoint} reached its threshold but {@code maxEjectionPercent} kept it in. */
    default void onEjectionSkipped(Endpoint endpoint) {}
  }

  private static final Listener NO_LISTENER = new Listener() {};

  private final OutlierDetection config;
  private final LongSupplier nanoTicker;
  private final Listener listener;
  private final long baseNanos;
  private final long maxNanos;
  private final ConcurrentHashMap<String, Monitor> monitors = new ConcurrentHashMap<>();
  private final AtomicLong version = new AtomicLong();

  // written under the lock, read without it on the request path
  private volatile int ejectedCount;
  private volatile long nextReturnNanos;

  private OutlierDetector(Builder b) {
    this.config = b.config;
    this.nanoTicker = b.nanoTicker;
    this.listener = b.listener;
    this.baseNanos = saturatedNanos(config.baseEjectionTime());
    this.maxNanos = Math.max(baseNanos, MAX_EJECTION_TIME.toNanos());
  }

  /** A builder for a detector configured by {@code config}. */
  public static Builder builder(OutlierDetection config) {
    return new Builder(config);
  }

  /** The configuration: its interval tells the proxy how often to call {@link #onInterval()}. */
  public OutlierDetection config() {
    return config;
  }

  /** Records how one try against {@code endpoint} ended. */
  public void record(Endpoint endpoint, Outcome outcome) {
    record(monitor(endpoint), outcome);
  }

  /** Whether {@code endpoint} is ejected now. */
  public boolean isEjected(Endpoint endpoint) {
    returnExpired(nanoTicker.getAsLong());
    Monitor m = monitors.get(endpoint.id());
    return m != null && m.ejected;
  }

  /**
   * How long {@code endpoint}'s latest ejection was set to last (whether or not it is still
   * ejected), {@link Duration#ZERO} if it never was: {@code baseEjectionTime} times its ejection
   * count, so it grows with repeats. For the admin page.
   */
  public Duration lastEjectionTime(Endpoint endpoint) {
    Monitor m = monitors.get(endpoint.id());
    if (m == null) {
      return Duration.ZERO;
    }
    synchronized (this) {
      return Duration.ofNanos(m.lastEjectionNanos);
    }
  }

  /** The number of endpoints ejected now. */
  public int ejectedCount() {
    returnExpired(nanoTicker.getAsLong());
    return ejectedCount;
  }

  /** Returns endpoints whose ejection has expired; the proxy calls it every {@code interval}. */
  public void onInterval() {
    returnExpired(nanoTicker.getAsLong());
  }

  /**
   * Sets the service's endpoints after a snapshot changed them: state is kept for these, created
   * for new ones and dropped for the rest. The {@code maxEjectionPercent} cap is a share of these.
   * Call with all of the service's endpoints, not the subset one balancer routes to.
   */
  public void retain(Collection<Endpoint> endpoints) {
    Set<String> ids = new HashSet<>();
    synchronized (this) {
      for (Endpoint e : endpoints) {
        ids.add(e.id());
        monitor(e).endpoint = e;
      }
      int ejected = 0;
      for (var it = monitors.values().iterator(); it.hasNext(); ) {
        Monitor m = it.next();
        if (!ids.contains(m.endpoint.id())) {
          m.removed = true;
          it.remove();
        } else if (m.ejected) {
          ejected++;
        }
      }
      ejectedCount = ejected;
      nextReturnNanos = earliestReturn();
    }
    version.incrementAndGet();
  }

  // ---- package-private: the balancer resolves monitors once per snapshot

  Monitor monitor(Endpoint endpoint) {
    Monitor m = monitors.get(endpoint.id());
    return m != null ? m : monitors.computeIfAbsent(endpoint.id(), id -> new Monitor(endpoint));
  }

  void record(Monitor m, Outcome outcome) {
    if (m.ejected) {
      returnExpired(nanoTicker.getAsLong());
    }
    if (m.ejected || m.removed) {
      return;
    }
    switch (outcome) {
      case SUCCESS -> {
        // Reads first: most results are successes, and an unconditional write would bounce the
        // cache line between event loops.
        if (m.consecutive5xx.get() != 0) {
          m.consecutive5xx.set(0);
        }
        if (m.consecutiveGateway.get() != 0) {
          m.consecutiveGateway.set(0);
        }
      }
      case SERVER_ERROR -> {
        if (m.consecutiveGateway.get() != 0) {
          m.consecutiveGateway.set(0);
        }
        if (m.consecutive5xx.incrementAndGet() >= config.consecutive5xxErrors()) {
          tryEject(m);
        }
      }
      case GATEWAY_ERROR -> {
        int gateway = m.consecutiveGateway.incrementAndGet();
        int any = m.consecutive5xx.incrementAndGet();
        if (gateway >= config.consecutiveGatewayErrors() || any >= config.consecutive5xxErrors()) {
          tryEject(m);
        }
      }
    }
  }

  /** Un-ejects expired endpoints if any is due; cheap when none is. */
  void returnExpired() {
    if (ejectedCount != 0) {
      returnExpired(nanoTicker.getAsLong());
    }
  }

  private void returnExpired(long now) {
    if (ejectedCount == 0 || now - nextReturnNanos < 0) {
      return;
    }
    List<Endpoint> returned = new ArrayList<>(1);
    synchronized (this) {
      int ejected = 0;
      for (Monitor m : monitors.values()) {
        if (!m.ejected) {
          continue;
        }
        if (now - m.ejectedUntil >= 0) {
          m.returnedAt = m.ejectedUntil;
          m.consecutive5xx.set(0);
          m.consecutiveGateway.set(0);
          m.ejected = false;
          returned.add(m.endpoint);
        } else {
          ejected++;
        }
      }
      ejectedCount = ejected;
      nextReturnNanos = earliestReturn();
    }
    if (!returned.isEmpty()) {
      version.incrementAndGet();
      for (Endpoint e : returned) {
        listener.onReturned(e);
      }
    }
  }

  /** Increases whenever some endpoint is ejected or returns, or the endpoints change. */
  long version() {
    return version.get();
  }

  private void tryEject(Monitor m) {
    long now = nanoTicker.getAsLong();
    returnExpired(now);
    long duration;
    int ejections;
    synchronized (this) {
      if (m.ejected || m.removed) {
        return;
      }
      int total = monitors.size();
      if ((long) (ejectedCount + 1) * 100 > (long) config.maxEjectionPercent() * total) {
        duration = -1;
        ejections = m.ejections;
      } else {
        if (m.ejections > 0) {
          long forgiven = Math.max(0, now - m.returnedAt) / baseNanos;
          m.ejections = (int) Math.max(0, m.ejections - forgiven);
        }
        ejections = m.ejections = Math.min(m.ejections + 1, 1_000_000);
        duration = baseNanos > maxNanos / ejections ? maxNanos : baseNanos * ejections;
        m.ejectedUntil = now + duration;
        m.lastEjectionNanos = duration;
        m.consecutive5xx.set(0);
        m.consecutiveGateway.set(0);
        m.ejected = true;
        ejectedCount = ejectedCount + 1;
        nextReturnNanos = earliestReturn();
      }
    }
    if (duration < 0) {
      listener.onEjectionSkipped(m.endpoint);
      return;
    }
    version.incrementAndGet();
    listener.onEjected(m.endpoint, Duration.ofNanos(duration), ejections);
  }

  // holds the lock
  private long earliestReturn() {
    long earliest = 0;
    boolean any = false;
    for (Monitor m : monitors.values()) {
      if (m.ejected && (!any || m.ejectedUntil - earliest < 0)) {
        earliest = m.ejectedUntil;
        any = true;
      }
    }
    return earliest;
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 4;
    }
  }

  /** Per-endpoint counters and ejection state. */
  static final class Monitor {
    volatile Endpoint endpoint;
    final AtomicInteger consecutive5xx = new AtomicInteger();
    final AtomicInteger consecutiveGateway = new AtomicInteger();
    volatile boolean ejected;
    volatile boolean removed;
    // guarded by the detector
    long ejectedUntil;
    long lastEjectionNanos;
    long returnedAt;
    int ejections;

    Monitor(Endpoint endpoint) {
      this.endpoint = endpoint;
    }
  }

  /** Builds an {@link OutlierDetector}. */
  public static final class Builder {
    private final OutlierDetection config;
    private LongSupplier nanoTicker = System::nanoTime;
    private Listener listener = NO_LISTENER;

    Builder(OutlierDetection config) {
      this.config = Objects.requireNonNull(config, "config");
    }

    /** The monotonic clock, in nanoseconds; {@code System::nanoTime} by default. */
    public Builder nanoTicker(LongSupplier nanoTicker) {
      this.nanoTicker = Objects.requireNonNull(nanoTicker, "nanoTicker");
      return this;
    }

    /** Who is told of ejections and returns; nobody by default. */
    public Builder listener(Listener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** The detector. */
    public OutlierDetector build() {
      return new OutlierDetector(this);
    }
  }
}
