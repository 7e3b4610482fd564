package io.fedmesh.gateway;

import io.fedmesh.proxy.model.Durations;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.trust.tls.MeshTls;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * The cluster's east-west gateway: accepts linked clusters' mTLS connections on one port, reads
 * each ClientHello's SNI without terminating TLS, and splices the connection to a healthy local
 * endpoint of the exported service the SNI names. See the {@linkplain io.fedmesh.gateway package
 * documentation} for the SNI format, what happens to bad input, and the limits.
 *
 * <pre>{@code
 * EastWestGateway gw = EastWestGateway.builder(snapshot)
 *     .peerTls(MeshTls.builder(gatewaySvid, bundles).build())
 *     .build();
 * gw.start(vertx).await();
 * gw.update(newSnapshot);            // routes change without restart
 * gw.shutdown(Duration.ofSeconds(30)); // drain
 * }</pre>
 *
 * <h2>Metrics</h2>
 *
 * <ul>
 *   <li>{@value #METRIC_CONNECTIONS} (counter): downstream connections; tags {@code service} (the
 *       destination as {@code namespace/name}, or {@code unknown} when the SNI names nothing this
 *       cluster has, so a caller cannot grow the tag set) and {@code result} ({@code routed} or
 *       {@code rejected});
 *   <li>{@value #METRIC_CONNECTIONS_ACTIVE} (gauge): open downstream connections, routed or still
 *       sending their ClientHello;
 *   <li>{@value #METRIC_BYTES} (counter, bytes): bytes spliced; tags {@code direction} ({@code in}:
 *       client to endpoint, ClientHello included; {@code out}: endpoint to client) and {@code
 *       service};
 *   <li>{@value #METRIC_SNI_FAILURES} (counter): connections closed without routing; tag {@code
 *       reason}, one of {@link RejectReason}'s tags. Every reason is registered at zero on start.
 * </ul>
 *
 * <p>In Prometheus text these are {@code fedmesh_gateway_connections_total}, {@code
 * fedmesh_gateway_connections_active}, {@code fedmesh_gateway_bytes_total} and {@code
 * fedmesh_gateway_sni_failures_total}.
 */
public final class EastWestGateway {
  /** Counter of downstream connections by {@code service} and {@code result}. */
  public static final String METRIC_CONNECTIONS = "fedmesh.gateway.connections";

  /** Gauge of open downstream connections. */
  public static final String METRIC_CONNECTIONS_ACTIVE = "fedmesh.gateway.connections.active";

  /** Counter of spliced bytes by {@code direction} ({@code in}/{@code out}) and {@code service}. */
  public static final String METRIC_BYTES = "fedmesh.gateway.bytes";

  /** Counter of connections closed without routing, by {@code reason}. */
  public static final String METRIC_SNI_FAILURES = "fedmesh.gateway.sni.failures";

  /** The data port linked clusters connect to. */
  public static final int DEFAULT_PORT = 15443;

  /** Admin port ({@code /ready}, {@code /live}, {@code /metrics}), on loopback by default. */
  public static final int DEFAULT_ADMIN_PORT = 15021;

  /** Port of the mTLS {@code /health} endpoint peer controllers probe. */
  public static final int DEFAULT_HEALTH_PORT = 15444;

  /** Data and health listeners bind every interface by default. */
  public static final String DEFAULT_HOST = "0.0.0.0";

  /** The admin listener binds loopback by default: it is for the local kubelet and scraper. */
  public static final String DEFAULT_ADMIN_HOST = "127.0.0.1";

  /** Most bytes buffered for a ClientHello, record headers included. */
  public static final int DEFAULT_MAX_CLIENT_HELLO_BYTES = 16 * 1024;

  /** How long a client has to send its whole ClientHello (slowloris bound). */
  public static final Duration DEFAULT_CLIENT_HELLO_TIMEOUT = Duration.ofSeconds(5);

  /** A connection with no bytes either way for this long is closed. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);

  /** How long connecting to a local endpoint may take. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** Endpoints tried per connection when connecting fails (nothing has been sent upstream yet). */
  public static final int DEFAULT_CONNECT_ATTEMPTS = 2;

  /** Concurrent downstream connections. */
  public static final int DEFAULT_MAX_CONNECTIONS = 10_000;

  /** New connections per second per source address (token bucket, one second of burst). */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_SECOND_PER_SOURCE = 100;

  /** Source addresses whose connection rate is tracked at once. */
  static final int MAX_TRACKED_SOURCES = 65_536;

  private static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final String host;
  private final int port;
  private final String adminHost;
  private final int adminPort;
  private final String healthHost;
  private final int healthPort;
  private final MeshTls peerTls;
  private final int maxClientHelloBytes;
  private final Duration clientHelloTimeout;
  private final Duration idleTimeout;
  private final Duration connectTimeout;
  private final int connectAttempts;
  private final int maxConnections;
  private final EndpointPicker endpointPicker;
  private final PrometheusMeterRegistry registry;
  private final AtomicReference<ProxySnapshot> snapshot;
  private final AtomicInteger active = new AtomicInteger();
  private final Set<GatewayConnection> live = ConcurrentHashMap.newKeySet();
  private final SourceRateLimiter rateLimiter;
  private final ConnectionRate connectionRate;
  private final GatewayMetrics metrics;

  private volatile boolean listening;
  private volatile boolean draining;
  private Vertx vertx;
  private NetServer server;
  private NetClient client;
  private HttpServer admin;
  private HttpServer health;
  private long pruneTimer = -1;

  private EastWestGateway(Builder b) {
    this.host = b.host;
    this.port = b.port;
    this.adminHost = b.adminHost;
    this.adminPort = b.adminPort;
    this.healthHost = b.healthHost;
    this.healthPort = b.healthPort;
    this.peerTls = b.peerTls;
    this.maxClientHelloBytes = b.maxClientHelloBytes;
    this.clientHelloTimeout = b.clientHelloTimeout;
    this.idleTimeout = b.idleTimeout;
    this.connectTimeout = b.connectTimeout;
    this.connectAttempts = b.connectAttempts;
    this.maxConnections = b.maxConnections;
    this.endpointPicker = b.endpointPicker;
    this.registry =
        b.registry != null ? b.registry : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.snapshot = new AtomicReference<>(b.snapshot);
    this.rateLimiter =
        new SourceRateLimiter(b.maxConnectionsPerSecondPerSource, MAX_TRACKED_SOURCES, b.ticker);
    this.connectionRate = new ConnectionRate(b.ticker);
    this.metrics = new GatewayMetrics(registry, active);
  }

  /**
   * A builder for the gateway of {@code initial}'s cluster, routing by {@code initial} at first.
   */
  public static Builder builder(ProxySnapshot initial) {
    return new Builder(initial);
  }

  /**
   * Binds the data listener, then the admin listener, then (with {@link Builder#peerTls}) the mTLS
   * health listener. Call once.
   */
  public synchronized Future<EastWestGateway> start(Vertx vertx) {
    if (this.vertx != null) {
      return Future.failedFuture(new IllegalStateException("gateway already started"));
    }
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    client =
        vertx.createNetClient(
            new NetClientOptions().setConnectTimeout(Math.toIntExact(connectTimeout.toMillis())));
    server =
        vertx.createNetServer(
            new NetServerOptions()
                .setHost(host)
                .setPort(port)
                .setIdleTimeout(Math.toIntExact(idleTimeout.toMillis()))
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS));
    server.connectHandler(this::accept);
    admin =
        vertx
            .createHttpServer(new HttpServerOptions().setHost(adminHost).setPort(adminPort))
            .requestHandler(this::serveAdmin);
    if (peerTls != null) {
      health =
          vertx
              .createHttpServer(
                  peerTls.configureServer(
                      new HttpServerOptions().setHost(healthHost).setPort(healthPort)))
              .exceptionHandler(peerTls.handshakeFailureHandler("gateway-health"))
              .requestHandler(this::serveHealth);
    }
    pruneTimer = vertx.setPeriodic(10_000, id -> rateLimiter.prune());
    return server
        .listen()
        .compose(s -> admin.listen())
        .compose(s -> health != null ? health.listen() : Future.succeededFuture())
        .map(
            v -> {
              listening = true;
              return this;
            });
  }

  private void accept(NetSocket so) {
    if (draining) {
      so.close();
      return;
    }
    int now;
    do {
      now = active.get();
      if (now >= maxConnections) {
        metrics.rejected(RejectReason.TOO_MANY_CONNECTIONS, GatewayMetrics.NO_SERVICE);
        so.close();
        return;
      }
    } while (!active.compareAndSet(now, now + 1));
    SocketAddress remote = so.remoteAddress();
    if (!rateLimiter.tryAcquire(remote == null ? "" : remote.hostAddress())) {
      active.decrementAndGet();
      metrics.rejected(RejectReason.RATE_LIMITED, GatewayMetrics.NO_SERVICE);
      so.close();
      return;
    }
    connectionRate.record();
    GatewayConnection c = new GatewayConnection(this, so);
    live.add(c);
    c.start();
  }

  void connectionClosed(GatewayConnection c) {
    if (live.remove(c)) {
      active.decrementAndGet();
    }
  }

  private void serveAdmin(HttpServerRequest req) {
    if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
      req.response().setStatusCode(405).putHeader("allow", "GET, HEAD").end();
      return;
    }
    switch (req.path()) {
      case "/ready" -> {
        boolean ready = isReady();
        req.response()
            .setStatusCode(ready ? 200 : 503)
            .putHeader("content-type", "text/plain; charset=utf-8")
            .end(ready ? "ready\n" : draining ? "draining\n" : "starting\n");
      }
      case "/live" ->
          req.response()
              .setStatusCode(200)
              .putHeader("content-type", "text/plain; charset=utf-8")
              .end("live\n");
      case "/metrics" ->
          req.response()
              .setStatusCode(200)
              .putHeader("content-type", PROMETHEUS_CONTENT_TYPE)
              .end(registry.scrape());
      default -> req.response().setStatusCode(404).end();
    }
  }

  private void serveHealth(HttpServerRequest req) {
    if (!"/health".equals(req.path())) {
      req.response().setStatusCode(404).end();
      return;
    }
    if (req.method() != HttpMethod.GET) {
      req.response().setStatusCode(405).putHeader("allow", "GET").end();
      return;
    }
    boolean ready = isReady();
    req.response()
        .setStatusCode(ready ? 200 : 503)
        .putHeader("content-type", "application/json")
        .end(healthReport().encode());
  }

  /**
   * What peer controllers see at {@code /health}: {@code cluster}, {@code ready}, {@code
   * activeConnections}, {@code connectionsPerSecond} (mean over the last ten seconds) and {@code
   * routes} (exported service ports this gateway routes).
   */
  JsonObject healthReport() {
    return new JsonObject()
        .put("cluster", snapshot.get().cluster())
        .put("ready", isReady())
        .put("activeConnections", active.get())
        .put("connectionsPerSecond", connectionRate.perSecond())
        .put("routes", routes());
  }

  /** Exported service ports: the SNI names this gateway would route. */
  public int routes() {
    int n = 0;
    for (Service s : snapshot.get().services().values()) {
      if (s.exported()) {
        n += s.ports().size();
      }
    }
    return n;
  }

  /** Swaps the routes from the next connection on; live connections are not disturbed. */
  public void update(ProxySnapshot next) {
    Objects.requireNonNull(next, "snapshot");
    String cluster = snapshot.get().cluster();
    if (!next.cluster().equals(cluster)) {
      throw new IllegalArgumentException(
          "snapshot.cluster: '" + next.cluster() + "' (expected: '" + cluster + "')");
    }
    snapshot.set(next);
  }

  /** The routes in force. */
  public ProxySnapshot snapshot() {
    return snapshot.get();
  }

  /** Listening and not draining. */
  public boolean isReady() {
    return listening && !draining;
  }

  /** Open downstream connections. */
  public int activeConnections() {
    return active.get();
  }

  /** The data port bound (useful with port 0). */
  public int port() {
    return server.actualPort();
  }

  /** The admin port bound. */
  public int adminPort() {
    return admin.actualPort();
  }

  /** The mTLS health port bound; -1 without {@link Builder#peerTls}. */
  public int healthPort() {
    return health == null ? -1 : health.actualPort();
  }

  /** The registry the gateway's meters are in (what {@code /metrics} scrapes). */
  public PrometheusMeterRegistry meterRegistry() {
    return registry;
  }

  /**
   * Drains: stops accepting at once ({@code /ready} answers 503), lets open connections run for up
   * to {@code bound}, closes those still open, then closes the admin and health listeners. The
   * future completes when all is closed.
   */
  public synchronized Future<Void> shutdown(Duration bound) {
    Objects.requireNonNull(bound, "bound");
    if (server == null) {
      return Future.succeededFuture();
    }
    draining = true;
    if (pruneTimer >= 0) {
      vertx.cancelTimer(pruneTimer);
      pruneTimer = -1;
    }
    return server
        .shutdown(Math.max(0, bound.toMillis()), TimeUnit.MILLISECONDS)
        .eventually(
            () -> {
              List<Future<Void>> closing = new ArrayList<>();
              for (GatewayConnection c : live) {
                c.close();
              }
              closing.add(client.close());
              closing.add(admin.close());
              if (health != null) {
                closing.add(health.close());
              }
              return Future.join(closing).mapEmpty();
            })
        .mapEmpty();
  }

  /** {@link #shutdown} with no drain. */
  public Future<Void> close() {
    return shutdown(Duration.ZERO);
  }

  // Package-private accessors for GatewayConnection.

  Vertx vertx() {
    return vertx;
  }

  NetClient upstreamClient() {
    return client;
  }

  EndpointPicker endpointPicker() {
    return endpointPicker;
  }

  GatewayMetrics metrics() {
    return metrics;
  }

  int maxClientHelloBytes() {
    return maxClientHelloBytes;
  }

  long clientHelloTimeoutMillis() {
    return Math.max(1, clientHelloTimeout.toMillis());
  }

  int connectAttempts() {
    return connectAttempts;
  }

  /** Builds an {@link EastWestGateway}; every setter validates its argument at once. */
  public static final class Builder {
    private final ProxySnapshot snapshot;
    private String host = DEFAULT_HOST;
    private int port = DEFAULT_PORT;
    private String adminHost = DEFAULT_ADMIN_HOST;
    private int adminPort = DEFAULT_ADMIN_PORT;
    private String healthHost = DEFAULT_HOST;
    private int healthPort = DEFAULT_HEALTH_PORT;
    private MeshTls peerTls;
    private int maxClientHelloBytes = DEFAULT_MAX_CLIENT_HELLO_BYTES;
    private Duration clientHelloTimeout = DEFAULT_CLIENT_HELLO_TIMEOUT;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private int connectAttempts = DEFAULT_CONNECT_ATTEMPTS;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private int maxConnectionsPerSecondPerSource = DEFAULT_MAX_CONNECTIONS_PER_SECOND_PER_SOURCE;
    private EndpointPicker endpointPicker = EndpointPicker.zoneAwareRoundRobin();
    private PrometheusMeterRegistry registry;
    private LongSupplier ticker = System::nanoTime;

    Builder(ProxySnapshot snapshot) {
      this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
    }

    /** Data listener address; default {@value EastWestGateway#DEFAULT_HOST}. */
    public Builder host(String host) {
      this.host = requireHost("host", host);
      return this;
    }

    /** Data port, 0 for any free one; default {@value EastWestGateway#DEFAULT_PORT}. */
    public Builder port(int port) {
      this.port = checkPort("port", port);
      return this;
    }

    /** Admin listener address; default {@value EastWestGateway#DEFAULT_ADMIN_HOST} (loopback). */
    public Builder adminHost(String host) {
      this.adminHost = requireHost("adminHost", host);
      return this;
    }

    /** Admin port, 0 for any free one; default {@value EastWestGateway#DEFAULT_ADMIN_PORT}. */
    public Builder adminPort(int port) {
      this.adminPort = checkPort("adminPort", port);
      return this;
    }

    /** mTLS health listener address; default {@value EastWestGateway#DEFAULT_HOST}. */
    public Builder healthHost(String host) {
      this.healthHost = requireHost("healthHost", host);
      return this;
    }

    /**
     * mTLS health port, 0 for any free one; default {@value EastWestGateway#DEFAULT_HEALTH_PORT}.
     */
    public Builder healthPort(int port) {
      this.healthPort = checkPort("healthPort", port);
      return this;
    }

    /**
     * The gateway's own identity and the federated bundles, for the {@code /health} listener that
     * linked clusters' controllers probe. Without it no health listener is started. It is never
     * used on the data port: the gateway does not terminate workloads' TLS.
     */
    public Builder peerTls(MeshTls tls) {
      this.peerTls = Objects.requireNonNull(tls, "peerTls");
      return this;
    }

    /** Most bytes buffered for a ClientHello, 1024..1048576; default 16 KiB. */
    public Builder maxClientHelloBytes(int bytes) {
      if (bytes < 1024 || bytes > 1 << 20) {
        throw new IllegalArgumentException(
            "maxClientHelloBytes: " + bytes + " (expected: 1024..1048576)");
      }
      this.maxClientHelloBytes = bytes;
      return this;
    }

    /** Time for the whole ClientHello to arrive, 10ms..5min; default 5 s. */
    public Builder clientHelloTimeout(Duration timeout) {
      this.clientHelloTimeout =
          Durations.checkRange(
              "clientHelloTimeout", timeout, Duration.ofMillis(10), Duration.ofMinutes(5));
      return this;
    }

    /** Idle time after which a connection is closed, 100ms..24h; default 1 h. */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout =
          Durations.checkRange(
              "idleTimeout", timeout, Duration.ofMillis(100), Duration.ofHours(24));
      return this;
    }

    /** Connect timeout to a local endpoint, 10ms..60s; default 5 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout =
          Durations.checkRange(
              "connectTimeout", timeout, Duration.ofMillis(10), Duration.ofSeconds(60));
      return this;
    }

    /** Endpoints tried per connection, 1..5; default 2. */
    public Builder connectAttempts(int attempts) {
      if (attempts < 1 || attempts > 5) {
        throw new IllegalArgumentException("connectAttempts: " + attempts + " (expected: 1..5)");
      }
      this.connectAttempts = attempts;
      return this;
    }

    /** Concurrent downstream connections, 1..1000000; default 10,000. */
    public Builder maxConnections(int max) {
      if (max < 1 || max > 1_000_000) {
        throw new IllegalArgumentException("maxConnections: " + max + " (expected: 1..1000000)");
      }
      this.maxConnections = max;
      return this;
    }

    /** New connections per second per source address, 1..1000000; default 100. */
    public Builder maxConnectionsPerSecondPerSource(int rate) {
      if (rate < 1 || rate > 1_000_000) {
        throw new IllegalArgumentException(
            "maxConnectionsPerSecondPerSource: " + rate + " (expected: 1..1000000)");
      }
      this.maxConnectionsPerSecondPerSource = rate;
      return this;
    }

    /** How to choose a local endpoint; default {@link EndpointPicker#zoneAwareRoundRobin()}. */
    public Builder endpointPicker(EndpointPicker picker) {
      this.endpointPicker = Objects.requireNonNull(picker, "endpointPicker");
      return this;
    }

    /** Where meters go and what {@code /metrics} scrapes; default a new registry. */
    public Builder meterRegistry(PrometheusMeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "meterRegistry");
      return this;
    }

    /** Monotonic nanosecond ticker for rate limiting and the reported rate; default nanoTime. */
    public Builder ticker(LongSupplier ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    public EastWestGateway build() {
      return new EastWestGateway(this);
    }

    private static int checkPort(String name, int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException(name + ": " + port + " (expected: 0..65535)");
      }
      return port;
    }

    private static String requireHost(String name, String host) {
      if (host == null || host.isBlank()) {
        throw new IllegalArgumentException(name + ": '" + host + "' (expected: an address)");
      }
      return host;
    }
  }
}
