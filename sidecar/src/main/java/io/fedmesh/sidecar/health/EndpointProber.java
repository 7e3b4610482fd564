package io.fedmesh.sidecar.health;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.HealthCheck;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.routing.ActiveHealthChecker;
import io.fedmesh.trust.tls.MeshTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Active health checking: the sidecar probes every endpoint of every service in its snapshot, and
 * the results feed one {@link ActiveHealthChecker} per service, which the outbound's {@link
 * io.fedmesh.proxy.routing.LocalityLoadBalancer} reads beside outlier detection. On by default with
 * {@link HealthCheck#DEFAULT}; a policy's {@code healthCheck} tunes it per service.
 *
 * <p><b>What a probe is.</b> Exactly the path data takes, over the same mTLS with the same expected
 * server SPIFFE IDs: to a local endpoint's inbound sidecar directly, to a remote summary through
 * the owner's east-west gateway with the endpoint's SNI. For HTTP and gRPC services an HTTP GET
 * that must answer 2xx within {@code timeout}: of {@link AppHealth#PATH}, which the inbound sidecar
 * answers from a connect to its app, or of the policy's {@code healthCheck.path}, which the app
 * answers. For a service whose ports are all TCP, a TLS handshake where its raw TCP goes: a local
 * endpoint's TCP inbound port, or the gateway with an SNI naming the service's TCP port.
 *
 * <p><b>When.</b> Each endpoint has its own ticker: a first probe at a random point of its first
 * interval (so a new snapshot does not probe everything at once), then one {@code interval ±10%}
 * after the previous probe ended. At most {@link Builder#maxConcurrentProbes} probes run at once; a
 * probe due beyond that waits in a FIFO queue, which holds each endpoint at most once. Probes never
 * run on the request path: they have their own connections, and their own circuit (a probe counts
 * against no circuit breaker).
 *
 * <p><b>Snapshots.</b> The prober reads the snapshot supplier every {@link
 * #SNAPSHOT_POLL_INTERVAL}, and whenever the outbound asks for a service's checker with a newer
 * snapshot. An endpoint that leaves the snapshot has its timer cancelled and its state dropped; a
 * result that arrives after that is ignored. A service whose health check, port protocols or
 * identities change starts over with a fresh checker (every endpoint healthy). An older snapshot
 * than the one applied is ignored.
 *
 * <p>Meters: {@value #PROBES_METER} (counter; tags {@code destination_service}, {@code result}:
 * pass or fail) and {@value #UNHEALTHY_METER} (gauge; tag {@code destination_service}: endpoints
 * now failing their checks). Health changes are logged at INFO. Give each prober a registry of its
 * own (one sidecar, one prober): a second prober's gauge for the same service would be ignored.
 *
 * <p>Thread-safe: timers, probe completions and the outbound's event loops share one lock, held
 * only for bookkeeping.
 */
public final class EndpointProber {
  /** Probes run since start, by service and result. */
  public static final String PROBES_METER = "fedmesh.health.probes";

  /** Endpoints failing their active health checks now, by service. */
  public static final String UNHEALTHY_METER = "fedmesh.health.unhealthy_endpoints";

  /** The {@code user-agent} of HTTP probes, so that apps can tell them apart. */
  public static final String USER_AGENT = "fedmesh-health-probe";

  /** How often the snapshot supplier is read for new services and endpoints. */
  public static final Duration SNAPSHOT_POLL_INTERVAL = Duration.ofMillis(500);

  /** Each interval is stretched or shrunk by up to this share, at random. */
  static final double JITTER = 0.1;

  private final Vertx vertx;
  private final MeshTls tls;
  private final Supplier<ProxySnapshot> snapshots;
  private final MeterRegistry registry;
  private final int maxConcurrent;
  private final RandomGenerator random;

  // guarded by this
  private final Map<ServiceName, ServiceProbes> services = new HashMap<>();
  private final ArrayDeque<Probe> queue = new ArrayDeque<>();
  private int inFlight;
  private ProxySnapshot applied;
  private long pollTimer = -1;
  private boolean closed;

  /** One endpoint's ticker. */
  static final class Probe {
    final ServiceProbes service;
    volatile Endpoint endpoint;
    // guarded by the prober
    long timer = -1;
    boolean cancelled;

    Probe(ServiceProbes service, Endpoint endpoint) {
      this.service = service;
      this.endpoint = endpoint;
    }
  }

  private EndpointProber(Builder b) {
    this.vertx = b.vertx;
    this.tls = b.tls;
    this.snapshots = b.snapshots;
    this.registry = b.registry != null ? b.registry : new SimpleMeterRegistry();
    this.maxConcurrent = b.maxConcurrentProbes;
    this.random = b.random;
  }

  /**
   * A builder.
   *
   * @param tls the workload's mTLS, as the outbound uses it
   * @param snapshots the current snapshot, as the outbound reads it
   */
  public static Builder builder(Vertx vertx, MeshTls tls, Supplier<ProxySnapshot> snapshots) {
    return new Builder(vertx, tls, snapshots);
  }

  /** Applies the current snapshot and starts probing; reads the supplier again periodically. */
  public void start() {
    synchronized (this) {
      if (closed || pollTimer != -1) {
        return;
      }
      pollTimer = vertx.setPeriodic(SNAPSHOT_POLL_INTERVAL.toMillis(), id -> sync(snapshots.get()));
    }
    sync(snapshots.get());
  }

  /** Stops every ticker and closes the probes' connections. */
  public Future<Void> close() {
    List<Future<Void>> closing = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return Future.succeededFuture();
      }
      closed = true;
      if (pollTimer != -1) {
        vertx.cancelTimer(pollTimer);
      }
      for (ServiceProbes sp : services.values()) {
        closing.add(stop(sp));
      }
      services.clear();
      queue.clear();
    }
    return Future.all(closing).mapEmpty();
  }

  /**
   * The active health checker of {@code service} as of {@code snapshot} (applied first if it is
   * newer than what the prober has seen), or empty when the prober does not probe it (closed, or
   * the service is not in the snapshot).
   */
  public Optional<ActiveHealthChecker> checker(ProxySnapshot snapshot, ServiceName service) {
    sync(snapshot);
    synchronized (this) {
      ServiceProbes sp = services.get(service);
      return sp == null ? Optional.empty() : Optional.of(sp.checker);
    }
  }

  /** The ids of the endpoints of {@code service} being probed now. */
  synchronized Set<String> probedEndpoints(ServiceName service) {
    ServiceProbes sp = services.get(service);
    return sp == null ? Set.of() : Set.copyOf(sp.probes.keySet());
  }

  /** Probes running now. */
  synchronized int inFlight() {
    return inFlight;
  }

  // ---- snapshots

  private synchronized void sync(ProxySnapshot snapshot) {
    if (closed || snapshot == null || snapshot == applied) {
      return;
    }
    if (applied != null && snapshot.version() < applied.version()) {
      return;
    }
    applied = snapshot;
    for (Iterator<Map.Entry<ServiceName, ServiceProbes>> it = services.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<ServiceName, ServiceProbes> e = it.next();
      if (!snapshot.services().containsKey(e.getKey())) {
        stop(e.getValue());
        it.remove();
      }
    }
    for (Service service : snapshot.services().values()) {
      HealthCheck config = snapshot.policy(service.name()).healthCheck();
      ServiceProbes sp = services.get(service.name());
      if (sp != null && !sp.probesLike(service, config)) {
        stop(sp);
        sp = null;
      }
      if (sp == null) {
        sp = new ServiceProbes(vertx, tls, service, config, registry);
        services.put(service.name(), sp);
      }
      follow(sp, service.endpoints());
    }
  }

  /** Brings {@code sp}'s probes and checker in step with {@code endpoints}. */
  private void follow(ServiceProbes sp, List<Endpoint> endpoints) {
    sp.checker.retain(endpoints);
    Set<String> ids = new HashSet<>();
    for (Endpoint e : endpoints) {
      ids.add(e.id());
      Probe p = sp.probes.get(e.id());
      if (p != null) {
        p.endpoint = e;
      } else {
        p = new Probe(sp, e);
        sp.probes.put(e.id(), p);
        schedule(p, firstDelayMillis(sp.config.interval(), random.nextDouble()));
      }
    }
    for (Iterator<Probe> it = sp.probes.values().iterator(); it.hasNext(); ) {
      Probe p = it.next();
      if (!ids.contains(p.endpoint.id())) {
        cancel(p);
        it.remove();
      }
    }
  }

  private Future<Void> stop(ServiceProbes sp) {
    for (Probe p : sp.probes.values()) {
      cancel(p);
    }
    sp.probes.clear();
    return sp.close();
  }

  // ---- tickers

  private void schedule(Probe p, long delayMillis) {
    p.timer = vertx.setTimer(delayMillis, id -> due(p));
  }

  private void cancel(Probe p) {
    p.cancelled = true;
    if (p.timer != -1) {
      vertx.cancelTimer(p.timer);
    }
  }

  private void due(Probe p) {
    synchronized (this) {
      p.timer = -1;
      if (closed || p.cancelled) {
        return;
      }
      if (inFlight >= maxConcurrent) {
        queue.add(p);
        return;
      }
      inFlight++;
    }
    run(p);
  }

  private void run(Probe p) {
    Endpoint e = p.endpoint;
    Future<Void> probe;
    try {
      probe = p.service.probe(e);
    } catch (RuntimeException ex) {
      // a client closed under us by a concurrent snapshot change
      probe = Future.failedFuture(ex);
    }
    probe.onComplete(ar -> finished(p, e, ar.succeeded(), ar.cause()));
  }

  private void finished(Probe p, Endpoint e, boolean pass, Throwable cause) {
    List<Probe> next = new ArrayList<>();
    synchronized (this) {
      inFlight--;
      if (!closed && !p.cancelled) {
        p.service.record(e, pass, cause);
        schedule(p, nextDelayMillis(p.service.config.interval(), random.nextDouble()));
      }
      while (inFlight < maxConcurrent && !queue.isEmpty()) {
        Probe q = queue.poll();
        if (!q.cancelled) {
          inFlight++;
          next.add(q);
        }
      }
    }
    for (Probe q : next) {
      run(q);
    }
  }

  /** The delay before an endpoint's first probe: a random point of its first interval. */
  static long firstDelayMillis(Duration interval, double random01) {
    return Math.max(1, (long) (interval.toMillis() * random01));
  }

  /** The delay between the end of one probe and the next: {@code interval ± JITTER}. */
  static long nextDelayMillis(Duration interval, double random01) {
    return Math.max(1, Math.round(interval.toMillis() * (1 + JITTER * (2 * random01 - 1))));
  }

  /** Builds an {@link EndpointProber}. */
  public static final class Builder {
    /** Probes in flight at once, across services, unless set. */
    public static final int DEFAULT_MAX_CONCURRENT_PROBES = 64;

    private final Vertx vertx;
    private final MeshTls tls;
    private final Supplier<ProxySnapshot> snapshots;
    private MeterRegistry registry;
    private int maxConcurrentProbes = DEFAULT_MAX_CONCURRENT_PROBES;
    private RandomGenerator random = () -> ThreadLocalRandom.current().nextLong();

    Builder(Vertx vertx, MeshTls tls, Supplier<ProxySnapshot> snapshots) {
      this.vertx = Objects.requireNonNull(vertx, "vertx");
      this.tls = Objects.requireNonNull(tls, "tls");
      this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
    }

    /** Where the meters go; none when null (the default). */
    public Builder meterRegistry(MeterRegistry registry) {
      this.registry = registry;
      return this;
    }

    /** Probes in flight at once, 1..10000; more wait their turn. */
    public Builder maxConcurrentProbes(int n) {
      if (n < 1 || n > 10_000) {
        throw new IllegalArgumentException("maxConcurrentProbes: " + n + " (expected: 1..10000)");
      }
      this.maxConcurrentProbes = n;
      return this;
    }

    /** The source of jitter; thread-safe; the calling thread's random by default. */
    public Builder random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /** The prober; call {@link EndpointProber#start()}. */
    public EndpointProber build() {
      return new EndpointProber(this);
    }
  }
}
