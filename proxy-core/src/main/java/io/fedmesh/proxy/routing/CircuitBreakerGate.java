package io.fedmesh.proxy.routing;

import io.fedmesh.proxy.model.CircuitBreaker;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * Circuit breaking for one upstream service (Envoy's thresholds): counts of open connections,
 * requests waiting for a connection, and requests in flight, each held under its {@link
 * CircuitBreaker} limit. Past a limit the proxy fails fast with 503 and counts the {@link
 * Rejection} rather than queue without bound.
 *
 * <p>Each {@code tryAcquire*} returns a {@link Permit}: a granted one holds one unit until {@link
 * Permit#release()} (idempotent), a rejected one says why and holds nothing. Lock-free and
 * thread-safe; a rejection allocates nothing.
 */
public final class CircuitBreakerGate {
  /** Which limit turned a request or connection away. */
  public enum Rejection {
    /** {@link CircuitBreaker#maxConnections()}. */
    MAX_CONNECTIONS,
    /** {@link CircuitBreaker#maxPendingRequests()}. */
    MAX_PENDING_REQUESTS,
    /** {@link CircuitBreaker#maxRequests()}. */
    MAX_REQUESTS
  }

  private final CircuitBreaker limits;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicInteger requests = new AtomicInteger();

  /** A gate with {@code limits}. */
  public CircuitBreakerGate(CircuitBreaker limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  /** The limits. */
  public CircuitBreaker limits() {
    return limits;
  }

  /** A permit to open one more connection, held while it is open. */
  public Permit tryAcquireConnection() {
    return acquire(connections, limits.maxConnections(), Permit.NO_CONNECTION);
  }

  /** A permit for one more request waiting for a connection, held while it waits. */
  public Permit tryAcquirePendingRequest() {
    return acquire(pending, limits.maxPendingRequests(), Permit.NO_PENDING);
  }

  /** A permit for one more request in flight, held until its response ends (retries included). */
  public Permit tryAcquireRequest() {
    return acquire(requests, limits.maxRequests(), Permit.NO_REQUEST);
  }

  /** Open connections (for a gauge). */
  public int activeConnections() {
    return connections.get();
  }

  /** Requests waiting for a connection (for a gauge). */
  public int pendingRequests() {
    return pending.get();
  }

  /** Requests in flight (for a gauge). */
  public int activeRequests() {
    return requests.get();
  }

  private static Permit acquire(AtomicInteger counter, int limit, Permit rejected) {
    while (true) {
      int n = counter.get();
      if (n >= limit) {
        return rejected;
      }
      if (counter.compareAndSet(n, n + 1)) {
        return new Permit(counter, null);
      }
    }
  }

  /** A granted permit, held until released, or a rejection. */
  public static final class Permit {
    static final Permit NO_CONNECTION = new Permit(null, Rejection.MAX_CONNECTIONS);
    static final Permit NO_PENDING = new Permit(null, Rejection.MAX_PENDING_REQUESTS);
    static final Permit NO_REQUEST = new Permit(null, Rejection.MAX_REQUESTS);

    private static final AtomicIntegerFieldUpdater<Permit> RELEASED =
        AtomicIntegerFieldUpdater.newUpdater(Permit.class, "released");

    private final AtomicInteger counter;
    private final Optional<Rejection> rejection;

    @SuppressWarnings("unused") // through RELEASED
    private volatile int released;

    private Permit(AtomicInteger counter, Rejection rejection) {
      this.counter = counter;
      this.rejection = Optional.ofNullable(rejection);
    }

    /** Whether the gate let this one through. */
    public boolean isGranted() {
      return counter != null;
    }

    /** Why the gate said no; empty for a granted permit. */
    public Optional<Rejection> rejection() {
      return rejection;
    }

    /** Gives the unit back; later calls, and calls on a rejection, do nothing. */
    public void release() {
      if (counter != null && RELEASED.compareAndSet(this, 0, 1)) {
        counter.decrementAndGet();
      }
    }

    @Override
    public String toString() {
      return isGranted() ? "Permit{granted}" : "Permit{rejected: " + rejection.get() + "}";
    }
  }
}
