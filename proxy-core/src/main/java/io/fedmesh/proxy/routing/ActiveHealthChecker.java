package io.fedmesh.proxy.routing;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.HealthCheck;
import java.util.Collection;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Active health of a service's endpoints, fed by the proxy's probes (an HTTP GET or a TLS connect
 * every {@link HealthCheck#interval()}, local endpoints directly and remote gateway summaries
 * through their gateway; the probing itself is not done here). Each endpoint starts healthy, turns
 * unhealthy after {@link HealthCheck#unhealthyThreshold()} failed probes in a row and healthy again
 * after {@link HealthCheck#healthyThreshold()} passing ones. An endpoint never probed stays
 * healthy.
 *
 * <p>Thread-safe. Listener calls happen on the thread that reported the probe, after the state
 * changed; a listener must not block.
 */
public final class ActiveHealthChecker {
  /** Told of every change of an endpoint's active health, for logs and meters. */
  @FunctionalInterface
  public interface Listener {
    /** {@code endpoint} became healthy ({@code healthy}) or unhealthy. */
    void onHealthChanged(Endpoint endpoint, boolean healthy);
  }

  private static final Listener NO_LISTENER = (e, h) -> {};

  private final HealthCheck config;
  private final Listener listener;
  private final ConcurrentHashMap<String, HealthState> states = new ConcurrentHashMap<>();
  private final AtomicLong version = new AtomicLong();

  /** A checker with thresholds from {@code config} and no listener. */
  public ActiveHealthChecker(HealthCheck config) {
    this(config, NO_LISTENER);
  }

  /** A checker with thresholds from {@code config} reporting changes to {@code listener}. */
  public ActiveHealthChecker(HealthCheck config, Listener listener) {
    this.config = Objects.requireNonNull(config, "config");
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /** The configuration: its interval and timeout tell the proxy how to probe. */
  public HealthCheck config() {
    return config;
  }

  /**
   * Records one probe of {@code endpoint}.
   *
   * @return whether the endpoint's health changed
   */
  public boolean onProbeResult(Endpoint endpoint, boolean passed) {
    HealthState s = state(endpoint);
    if (!s.record(passed, config.unhealthyThreshold(), config.healthyThreshold())) {
      return false;
    }
    version.incrementAndGet();
    listener.onHealthChanged(s.endpoint(), s.isHealthy());
    return true;
  }

  /** Whether {@code endpoint} passes its active health checks (true if never probed). */
  public boolean isHealthy(Endpoint endpoint) {
    HealthState s = states.get(endpoint.id());
    return s == null || s.isHealthy();
  }

  /**
   * Keeps the state of {@code endpoints} and forgets every other endpoint's, after a snapshot
   * changed the service's endpoints. Call with all of the service's endpoints.
   */
  public void retain(Collection<Endpoint> endpoints) {
    Set<String> ids = new HashSet<>();
    for (Endpoint e : endpoints) {
      ids.add(e.id());
      state(e).endpoint(e);
    }
    states
        .values()
        .removeIf(
            s -> {
              if (ids.contains(s.endpoint().id())) {
                return false;
              }
              s.markRemoved();
              return true;
            });
    version.incrementAndGet();
  }

  /** The state of {@code endpoint}, created healthy on first use. */
  HealthState state(Endpoint endpoint) {
    HealthState s = states.get(endpoint.id());
    return s != null ? s : states.computeIfAbsent(endpoint.id(), id -> new HealthState(endpoint));
  }

  /** Increases whenever some endpoint's health changes. */
  long version() {
    return version.get();
  }
}
