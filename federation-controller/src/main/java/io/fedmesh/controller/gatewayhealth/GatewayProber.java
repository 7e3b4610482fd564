package io.fedmesh.controller.gatewayhealth;

import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.controller.catalog.GatewayEntry;
import io.fedmesh.controller.catalog.LinkEntry;
import io.fedmesh.controller.peering.PeerAddress;
import io.fedmesh.proxy.push.SystemIdentities;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.tls.MeshTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes every linked cluster's east-west gateway and writes the verdict to the catalog's {@link
 * GatewayEntry} ({@code healthy}, {@code load}, {@code detail}); the push routes around a gateway
 * that is not healthy, and the service mirror marks its imports unreachable after its bound. See
 * the {@linkplain io.fedmesh.controller.gatewayhealth package documentation} for what a probe is.
 *
 * <h2>Metrics</h2>
 *
 * <ul>
 *   <li>{@value #METRIC_PROBES} (counter): probes, tags {@code cluster} and {@code result} ({@code
 *       ok} or {@code failed});
 *   <li>{@value #METRIC_TRANSITIONS} (counter): verdict changes, tags {@code cluster} and {@code
 *       to} ({@code healthy} or {@code unhealthy}).
 * </ul>
 */
public final class GatewayProber {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayProber.class);

  /** Counter of probes by {@code cluster} and {@code result}. */
  public static final String METRIC_PROBES = "fedmesh.gateway.probes";

  /** Counter of verdict changes by {@code cluster} and {@code to}. */
  public static final String METRIC_TRANSITIONS = "fedmesh.gateway.probe.transitions";

  /** Time between probes of one gateway (jittered ±20 %). */
  public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(250);

  /** Consecutive failures that make a gateway unhealthy (with the interval: detection ≤ 1 s). */
  public static final int DEFAULT_FAILURE_THRESHOLD = 3;

  /** Consecutive successes that make it healthy again. */
  public static final int DEFAULT_SUCCESS_THRESHOLD = 2;

  /** Load change below which a healthy gateway's entry is not rewritten. */
  static final double LOAD_STEP = 0.05;

  /**
   * The gateway's default connection limit; its {@code /health} reports active connections, and
   * load is their share of this.
   */
  static final int GATEWAY_MAX_CONNECTIONS = 10_000;

  private final Vertx vertx;
  private final Catalog catalog;
  private final MeshTls tls;
  private final Clock clock;
  private final BooleanSupplier leader;
  private final Duration interval;
  private final int failureThreshold;
  private final int successThreshold;
  private final MeterRegistry registry;
  // Touched on the prober's event loop only.
  private final Map<String, Target> targets = new HashMap<>();
  private Context context;
  private long timer = -1;
  private boolean running;
  private int ticks;

  private final class Target {
    final String cluster;
    final TrustDomain trustDomain;
    final HttpClient client;
    String host;
    int dataPort;
    int healthPort;
    ProbeState state;
    boolean inFlight;
    boolean reported;
    double writtenLoad;

    Target(String cluster, TrustDomain trustDomain) {
      this.cluster = cluster;
      this.trustDomain = trustDomain;
      this.client =
          vertx.createHttpClient(
              tls.configureClient(
                  new HttpClientOptions()
                      .setKeepAlive(true)
                      .setConnectTimeout((int) Math.max(1, interval.toMillis())),
                  SystemIdentities.gateway(trustDomain)::equals));
    }
  }

  private GatewayProber(Builder b) {
    this.vertx = b.vertx;
    this.catalog = b.catalog;
    this.tls = b.tls;
    this.clock = b.clock;
    this.leader = b.leader;
    this.interval = b.interval;
    this.failureThreshold = b.failureThreshold;
    this.successThreshold = b.successThreshold;
    this.registry = b.registry;
  }

  /** A prober presenting the controller's identity {@code tls}. */
  public static Builder builder(Vertx vertx, Catalog catalog, MeshTls tls) {
    return new Builder(vertx, catalog, tls);
  }

  /** Starts probing (on the leader only; other replicas idle). */
  public synchronized void start() {
    if (context != null) {
      throw new IllegalStateException("gateway prober already started");
    }
    context = vertx.getOrCreateContext();
    context.runOnContext(
        v -> {
          running = true;
          schedule();
        });
  }

  /** Stops probing. */
  public synchronized Future<Void> close() {
    if (context == null) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    context.runOnContext(
        v -> {
          running = false;
          if (timer >= 0) {
            vertx.cancelTimer(timer);
          }
          List<Future<Void>> closing = new ArrayList<>();
          for (Target t : targets.values()) {
            closing.add(t.client.close());
          }
          targets.clear();
          Future.join(closing).<Void>mapEmpty().onComplete(done);
        });
    return done.future();
  }

  private void schedule() {
    if (!running) {
      return;
    }
    long base = interval.toMillis();
    long jittered =
        Math.max(1, Math.round(base * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble())));
    timer = vertx.setTimer(jittered, id -> tick());
  }

  private void tick() {
    if (!running) {
      return;
    }
    if (!leader.getAsBoolean()) {
      // A replica that is not leader forgets its verdicts: the next leader starts from the
      // catalog's.
      for (Target t : targets.values()) {
        t.client.close();
      }
      targets.clear();
      schedule();
      return;
    }
    boolean refresh = targets.isEmpty() || ticks++ % 4 == 0;
    Future<Map<String, Seen>> seen =
        refresh ? vertx.executeBlocking(this::readTargets, false) : Future.succeededFuture(null);
    seen.onComplete(
        ar -> {
          if (ar.succeeded() && ar.result() != null) {
            update(ar.result());
          } else if (ar.failed()) {
            LOG.warn("gateway probes: cannot read links: {}", ar.cause().getMessage());
          }
          for (Target t : targets.values()) {
            probe(t);
          }
          schedule();
        });
  }

  private record Seen(LinkEntry link, PeerAddress address, GatewayEntry gateway) {}

  private Map<String, Seen> readTargets() {
    Map<String, Seen> out = new HashMap<>();
    for (LinkEntry l : catalog.links()) {
      PeerAddress a = PeerAddress.of(catalog, l.cluster()).orElse(null);
      if (a == null || a.gatewayHealthPort() == 0) {
        continue; // not told yet where its health listener is (the peer's hello says)
      }
      out.put(l.cluster(), new Seen(l, a, catalog.gateway(l.cluster()).orElse(null)));
    }
    return out;
  }

  private void update(Map<String, Seen> seen) {
    targets
        .entrySet()
        .removeIf(
            e -> {
              if (!seen.containsKey(e.getKey())) {
                e.getValue().client.close();
                return true;
              }
              return false;
            });
    for (Seen s : seen.values()) {
      Target t = targets.get(s.link().cluster());
      if (t == null) {
        t = new Target(s.link().cluster(), TrustDomain.of(s.link().trustDomain()));
        boolean healthy = s.gateway() == null || s.gateway().healthy();
        t.state = new ProbeState(healthy, failureThreshold, successThreshold);
        t.writtenLoad = s.gateway() == null ? 0 : s.gateway().load();
        targets.put(t.cluster, t);
      }
      t.host = s.address().gatewayHost();
      t.dataPort = s.address().gatewayPort();
      t.healthPort = s.address().gatewayHealthPort();
    }
  }

  private void probe(Target t) {
    if (t.inFlight) {
      // Still unanswered after a whole interval: that is a failed probe (a black hole is detected
      // as fast as a refused connection).
      result(t, false, "no answer within " + interval.toMillis() + " ms", Double.NaN);
      return;
    }
    t.inFlight = true;
    RequestOptions ro =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setHost(t.host)
            .setPort(t.healthPort)
            .setURI("/health")
            .setTimeout(Math.max(1, interval.toMillis() * failureThreshold));
    t.client
        .request(ro)
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(body -> new Answer(resp.statusCode(), body.toString())))
        .onComplete(
            ar -> {
              boolean wasInFlight = t.inFlight;
              t.inFlight = false;
              if (!targets.containsKey(t.cluster) || !wasInFlight) {
                return;
              }
              if (ar.failed()) {
                result(t, false, String.valueOf(ar.cause().getMessage()), Double.NaN);
                return;
              }
              Answer a = ar.result();
              if (a.status() != 200) {
                result(t, false, "/health answered " + a.status(), Double.NaN);
                return;
              }
              result(t, true, "", load(a.body()));
            });
  }

  private record Answer(int status, String body) {}

  private static double load(String body) {
    try {
      JsonObject o = new JsonObject(body);
      if (o.getValue("load") instanceof Number n) {
        return Math.max(0, Math.min(1, n.doubleValue()));
      }
      if (o.getValue("activeConnections") instanceof Number n) {
        return Math.max(0, Math.min(1, n.doubleValue() / GATEWAY_MAX_CONNECTIONS));
      }
    } catch (RuntimeException e) {
      // a body we cannot read: the status said healthy, load unknown
    }
    return 0;
  }

  private void result(Target t, boolean ok, String why, double load) {
    registry
        .counter(METRIC_PROBES, "cluster", t.cluster, "result", ok ? "ok" : "failed")
        .increment();
    boolean changed = t.state.record(ok, why);
    double newLoad = Double.isNaN(load) ? t.writtenLoad : load;
    if (changed) {
      registry
          .counter(
              METRIC_TRANSITIONS,
              "cluster",
              t.cluster,
              "to",
              t.state.healthy() ? "healthy" : "unhealthy")
          .increment();
      if (t.state.healthy()) {
        LOG.info("gateway of {} is healthy again", t.cluster);
      } else {
        LOG.warn("gateway of {} is unhealthy: {}", t.cluster, t.state.detail());
      }
    } else if (t.reported && Math.abs(newLoad - t.writtenLoad) < LOAD_STEP) {
      return;
    }
    t.reported = true;
    t.writtenLoad = newLoad;
    GatewayEntry entry =
        new GatewayEntry(
            t.cluster,
            t.host,
            t.dataPort,
            t.state.healthy(),
            newLoad,
            clock.millis(),
            t.state.detail());
    boolean verdictChanged = changed;
    vertx.executeBlocking(
        () -> {
          GatewayEntry held = catalog.gateway(t.cluster).orElse(null);
          if (held == null && catalog.link(t.cluster).isEmpty()) {
            return null; // unlinked meanwhile
          }
          // Keep the time of the last verdict change when only the load moved.
          long since =
              verdictChanged || held == null ? entry.changedAtMillis() : held.changedAtMillis();
          catalog.putGateway(
              new GatewayEntry(
                  entry.cluster(),
                  entry.host(),
                  entry.port(),
                  entry.healthy(),
                  entry.load(),
                  since,
                  entry.detail()));
          return null;
        },
        true);
  }

  /** Builds a {@link GatewayProber}; setters validate at once. */
  public static final class Builder {
    private final Vertx vertx;
    private final Catalog catalog;
    private final MeshTls tls;
    private Clock clock = Clock.systemUTC();
    private BooleanSupplier leader = () -> true;
    private Duration interval = DEFAULT_INTERVAL;
    private int failureThreshold = DEFAULT_FAILURE_THRESHOLD;
    private int successThreshold = DEFAULT_SUCCESS_THRESHOLD;
    private MeterRegistry registry = new SimpleMeterRegistry();

    Builder(Vertx vertx, Catalog catalog, MeshTls tls) {
      this.vertx = Objects.requireNonNull(vertx, "vertx");
      this.catalog = Objects.requireNonNull(catalog, "catalog");
      this.tls = Objects.requireNonNull(tls, "tls");
    }

    /** Wall clock for the entries' timestamps. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Whether this replica is the leader (only the leader probes); default always. */
    public Builder leader(BooleanSupplier leader) {
      this.leader = Objects.requireNonNull(leader, "leader");
      return this;
    }

    /** Probe interval, 10ms..60s (jittered ±20 %); also each probe's deadline. Default 250 ms. */
    public Builder interval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.compareTo(Duration.ofMillis(10)) < 0
          || interval.compareTo(Duration.ofSeconds(60)) > 0) {
        throw new IllegalArgumentException("interval: " + interval + " (expected: 10ms..60s)");
      }
      this.interval = interval;
      return this;
    }

    /** Consecutive failures to mark unhealthy, 1..100; default 3. */
    public Builder failureThreshold(int n) {
      this.failureThreshold = checkThreshold("failureThreshold", n);
      return this;
    }

    /** Consecutive successes to mark healthy again, 1..100; default 2. */
    public Builder successThreshold(int n) {
      this.successThreshold = checkThreshold("successThreshold", n);
      return this;
    }

    /** Where meters go. */
    public Builder meterRegistry(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "meterRegistry");
      return this;
    }

    public GatewayProber build() {
      return new GatewayProber(this);
    }

    private static int checkThreshold(String name, int n) {
      if (n < 1 || n > 100) {
        throw new IllegalArgumentException(name + ": " + n + " (expected: 1..100)");
      }
      return n;
    }
  }
}
