package io.fedmesh.proxy.routing;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.model.LocalityFailover;
import io.fedmesh.proxy.model.OutlierDetection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

/**
 * Locality-first load balancing of one upstream service for one caller, with Envoy's priority-level
 * semantics.
 *
 * <p><b>Levels.</b> Endpoints are grouped by {@link PriorityLevels}. An endpoint is healthy when
 * the control plane says so ({@link Endpoint#healthy()}), it passes active health checks ({@link
 * ActiveHealthChecker}) and outlier detection has not ejected it ({@link OutlierDetector}). A
 * level's health is its healthy weight over its total weight; a remote gateway summary weighs its
 * healthy count, so a cluster is never "one endpoint".
 *
 * <p><b>Spill.</b> With {@code f} the overprovisioning factor, level {@code i} may take {@code h_i
 * = min(100, health_i% × f)} percent of traffic; levels are served nearest first, each taking
 * {@code min(h_i, what the nearer levels left)}. So a level keeps all traffic while {@code health ×
 * f ≥ 100%} (71.5% healthy with the default 1.4) and spills the rest to the next levels as its
 * health drops: with P0 50% healthy, P0 gets 70% and P1 30%. When the levels' {@code h_i} add up to
 * less than 100 the shares are scaled up to 100 (Envoy's normalization): a single level at 50%
 * health still takes all traffic. When no endpoint is healthy, {@link #pick} returns empty: the
 * caller answers 503 "no healthy upstream".
 *
 * <p><b>No panic mode.</b> Envoy, past a panic threshold (50% by default), sends traffic to every
 * endpoint, healthy or not. fedmesh does not: across a clusterset the next levels are the capacity
 * reserve, so traffic fails over rather than returning to endpoints known to fail, and with nothing
 * healthy anywhere a fast 503 beats piling requests onto failing endpoints. Outlier detection's
 * {@code maxEjectionPercent} is the knob that keeps a share of endpoints in rotation.
 *
 * <p><b>Within a level.</b> Weighted power of two choices, least request: two distinct endpoints
 * are drawn by weight, and the one with fewer active requests per unit of weight wins (the first
 * drawn on a tie, so with no load the split follows the weights exactly). Active requests are
 * counted from {@link #pick} to the end of the returned {@link EndpointLease}.
 *
 * <p><b>Retries.</b> A {@link PickContext} excludes endpoints already tried and whole localities or
 * clusters. Excluded endpoints are left out of their level (they count neither healthy nor
 * unhealthy), so a retry stays in its locality when other endpoints there are healthy and moves on
 * when none is, or when two there failed ({@link PickContext#afterFailure}). If the exclusions
 * leave nothing healthy, the locality exclusions are dropped, then the endpoint exclusions: a retry
 * prefers somewhere new, but goes back rather than fail.
 *
 * <p><b>Cost.</b> The split over levels and each level's healthy endpoints are computed when
 * endpoints or health change and cached; a first-try pick reads the cache, draws three random
 * numbers, and allocates its lease. Retries with exclusions compute a fresh split. Thread-safe:
 * {@link #pick} may run on any number of event loops at once, concurrently with {@link #update};
 * the {@link RandomGenerator} given must then be thread-safe too (the default is).
 */
public final class LocalityLoadBalancer {
  private static final RandomGenerator THREAD_LOCAL_RANDOM =
      () -> ThreadLocalRandom.current().nextLong();

  private final Locality caller;
  private final RandomGenerator random;
  private final OutlierDetector outlierDetector;
  private final ActiveHealthChecker healthChecker;
  private final boolean ownsOutlierDetector;

  private volatile Topology topology;
  private volatile Distribution cached;

  private LocalityLoadBalancer(Builder b) {
    this.caller = b.caller;
    this.random = b.random;
    this.outlierDetector =
        b.outlierDetector != null
            ? b.outlierDetector
            : OutlierDetector.builder(OutlierDetection.DEFAULT).build();
    this.ownsOutlierDetector = b.outlierDetector == null;
    this.healthChecker = b.healthChecker;
    this.topology =
        new Topology(
            PriorityLevels.of(caller, List.of(), LocalityFailover.DEFAULT),
            new Slot[0][],
            Map.of(),
            LocalityFailover.DEFAULT_OVERPROVISIONING_FACTOR);
  }

  /** A builder for a balancer serving a caller in {@code caller}. */
  public static Builder builder(Locality caller) {
    return new Builder(caller);
  }

  /**
   * Replaces the endpoints, after a snapshot changed them. Active-request counts carry over for
   * endpoints whose id stays. {@code endpoints} are what this balancer routes to (all of a
   * service's endpoints, or one cluster's for {@code svc-<cluster>}); keep the outlier detector's
   * and health checker's endpoints in step with {@link OutlierDetector#retain} and {@link
   * ActiveHealthChecker#retain}, given all of the service's endpoints (the balancer does it itself
   * for the outlier detector it made when none was given).
   */
  public synchronized void update(List<Endpoint> endpoints, LocalityFailover failover) {
    PriorityLevels levels = PriorityLevels.of(caller, endpoints, failover);
    if (ownsOutlierDetector) {
      outlierDetector.retain(endpoints);
    }
    Topology old = topology;
    Slot[][] slots = new Slot[levels.size()][];
    Map<String, Slot> byId = new HashMap<>();
    for (PriorityLevels.Level level : levels.levels()) {
      List<Endpoint> es = level.endpoints();
      Slot[] ls = new Slot[es.size()];
      for (int j = 0; j < ls.length; j++) {
        Endpoint e = es.get(j);
        Slot prev = old.byId.get(e.id());
        ls[j] =
            new Slot(
                e,
                prev != null ? prev.active : new AtomicInteger(),
                healthChecker != null ? healthChecker.state(e) : null,
                outlierDetector.monitor(e));
        byId.put(e.id(), ls[j]);
      }
      slots[level.priority()] = ls;
    }
    topology = new Topology(levels, slots, byId, failover.overprovisioningFactor());
  }

  /**
   * Chooses an endpoint for one try, or empty when no endpoint is healthy (answer 503 "no healthy
   * upstream"). The endpoint counts one more active request until the lease ends.
   */
  public Optional<EndpointLease> pick(PickContext context) {
    Distribution d = current();
    if (!context.isFirstTry()) {
      Distribution excluding = compute(d.topology, d.version, context, true);
      if (excluding.isEmpty() && context.hasLocalityExclusions() && context.hasTried()) {
        excluding = compute(d.topology, d.version, context, false);
      }
      if (!excluding.isEmpty()) {
        d = excluding;
      }
    }
    if (d.isEmpty()) {
      return Optional.empty();
    }
    Slot s = choose(d);
    s.active.incrementAndGet();
    return Optional.of(new EndpointLease(s, outlierDetector));
  }

  /** The priority levels as of the last {@link #update}. */
  public PriorityLevels levels() {
    return topology.levels;
  }

  /**
   * The share of first tries each level gets now, in percent, by priority; all zero when no
   * endpoint is healthy. For the proxy's admin page and meters.
   */
  public List<Double> priorityLoad() {
    double[] load = current().load;
    List<Double> r = new ArrayList<>(load.length);
    for (double l : load) {
      r.add(l);
    }
    return Collections.unmodifiableList(r);
  }

  /** Requests now active on {@code endpoint} through this balancer (0 if unknown). */
  public int activeRequests(Endpoint endpoint) {
    Slot s = topology.byId.get(endpoint.id());
    return s == null ? 0 : s.active.get();
  }

  /** The outlier detector whose ejections this balancer honours and whose counts leases feed. */
  public OutlierDetector outlierDetector() {
    return outlierDetector;
  }

  /** The active health checker whose verdicts this balancer honours, if it was given one. */
  public Optional<ActiveHealthChecker> healthChecker() {
    return Optional.ofNullable(healthChecker);
  }

  // ---- internals

  private Distribution current() {
    outlierDetector.returnExpired();
    Topology t = topology;
    long v = healthVersion();
    Distribution d = cached;
    if (d == null || d.topology != t || d.version != v) {
      d = compute(t, v, PickContext.FIRST_TRY, false);
      cached = d;
    }
    return d;
  }

  private long healthVersion() {
    return outlierDetector.version() + (healthChecker != null ? healthChecker.version() : 0);
  }

  private static Distribution compute(
      Topology t, long version, PickContext context, boolean withLocalityExclusions) {
    int n = t.slots.length;
    double[] load = new double[n];
    Slot[][] healthy = new Slot[n][];
    long[][] cumulativeWeight = new long[n][];
    double left = 100;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      long total = 0;
      long healthyWeight = 0;
      List<Slot> hs = new ArrayList<>(t.slots[i].length);
      for (Slot s : t.slots[i]) {
        if (context.tried(s.endpoint)
            || (withLocalityExclusions && context.avoidsLocalityOf(s.endpoint))) {
          continue;
        }
        int w = s.endpoint.weight();
        total += w;
        if (s.isHealthy()) {
          healthyWeight += w;
          hs.add(s);
        }
      }
      healthy[i] = hs.toArray(new Slot[0]);
      long[] cw = new long[healthy[i].length];
      long acc = 0;
      for (int j = 0; j < cw.length; j++) {
        acc += healthy[i][j].endpoint.weight();
        cw[j] = acc;
      }
      cumulativeWeight[i] = cw;
      double h = total == 0 ? 0 : Math.min(100, 100.0 * healthyWeight / total * t.factor);
      load[i] = Math.min(h, left);
      left -= load[i];
      sum += load[i];
    }
    double[] cumulative = new double[n];
    if (sum > 0) {
      double acc = 0;
      int last = -1;
      for (int i = 0; i < n; i++) {
        load[i] = load[i] * 100 / sum;
        acc += load[i];
        cumulative[i] = acc / 100;
        if (load[i] > 0) {
          last = i;
        }
      }
      for (int i = last; i < n; i++) {
        cumulative[i] = 1.0; // no rounding gap at the top
      }
    }
    return new Distribution(t, version, load, cumulative, healthy, cumulativeWeight, sum == 0);
  }

  private Slot choose(Distribution d) {
    double r = random.nextDouble();
    int level = 0;
    while (r >= d.cumulative[level]) {
      level++;
    }
    Slot[] hs = d.healthy[level];
    if (hs.length == 1) {
      return hs[0];
    }
    long[] cw = d.cumulativeWeight[level];
    long total = cw[cw.length - 1];
    int a = indexOf(cw, random.nextLong(total));
    long wa = hs[a].endpoint.weight();
    long r2 = random.nextLong(total - wa);
    if (r2 >= cw[a] - wa) {
      r2 += wa; // skip a's range: the second choice is a different endpoint
    }
    int b = indexOf(cw, r2);
    Slot sa = hs[a];
    Slot sb = hs[b];
    // active/weight compared without division: b wins only when strictly less loaded
    long loadA = (long) sa.active.get() * sb.endpoint.weight();
    long loadB = (long) sb.active.get() * sa.endpoint.weight();
    return loadB < loadA ? sb : sa;
  }

  /** The first index whose cumulative weight exceeds {@code x}. */
  private static int indexOf(long[] cumulative, long x) {
    int lo = 0;
    int hi = cumulative.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cumulative[mid] > x) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /** One endpoint and the state its health and load are read from. */
  static final class Slot {
    final Endpoint endpoint;
    final AtomicInteger active;
    final HealthState health;
    final OutlierDetector.Monitor outlier;

    Slot(
        Endpoint endpoint,
        AtomicInteger active,
        HealthState health,
        OutlierDetector.Monitor outlier) {
      this.endpoint = endpoint;
      this.active = active;
      this.health = health;
      this.outlier = outlier;
    }

    boolean isHealthy() {
      return endpoint.healthy()
          && (health == null || health.isHealthy())
          && (outlier == null || !outlier.ejected);
    }
  }

  private record Topology(
      PriorityLevels levels, Slot[][] slots, Map<String, Slot> byId, double factor) {}

  private record Distribution(
      Topology topology,
      long version,
      double[] load,
      double[] cumulative,
      Slot[][] healthy,
      long[][] cumulativeWeight,
      boolean isEmpty) {}

  /** Builds a {@link LocalityLoadBalancer}. */
  public static final class Builder {
    private final Locality caller;
    private RandomGenerator random = THREAD_LOCAL_RANDOM;
    private OutlierDetector outlierDetector;
    private ActiveHealthChecker healthChecker;

    Builder(Locality caller) {
      this.caller = Objects.requireNonNull(caller, "caller");
    }

    /**
     * The source of randomness; by default the calling thread's {@link ThreadLocalRandom}. Must be
     * thread-safe if the balancer is used from several threads (give a seeded one in tests).
     */
    public Builder random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * The service's outlier detector. By default one with {@link OutlierDetection#DEFAULT}: outlier
     * detection is on with no policy written.
     */
    public Builder outlierDetector(OutlierDetector outlierDetector) {
      this.outlierDetector = Objects.requireNonNull(outlierDetector, "outlierDetector");
      return this;
    }

    /**
     * The service's active health checker; by default none (only the control plane's view and
     * outlier detection count). The proxy that probes endpoints passes the checker it feeds.
     */
    public Builder healthChecker(ActiveHealthChecker healthChecker) {
      this.healthChecker = Objects.requireNonNull(healthChecker, "healthChecker");
      return this;
    }

    /** The balancer, with no endpoints until {@link LocalityLoadBalancer#update}. */
    public LocalityLoadBalancer build() {
      return new LocalityLoadBalancer(this);
    }
  }
}
