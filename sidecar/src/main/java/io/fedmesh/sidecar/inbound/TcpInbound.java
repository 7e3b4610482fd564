package io.fedmesh.sidecar.inbound;

import io.fedmesh.proxy.model.AuthorizationPolicy;
import io.fedmesh.proxy.model.ModelException;
import io.fedmesh.proxy.model.SniName;
import io.fedmesh.proxy.net.Splice;
import io.fedmesh.sidecar.TcpMeters;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.tls.MeshTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The sidecar's inbound listener for raw TCP: terminates mTLS (client certificate required and
 * verified against the federated bundles), learns the service port from the SNI the caller sent
 * ({@code <svc>.<ns>.<port>.<cluster>.fedmesh}, the same name the east-west gateway routed by),
 * authorizes the caller by its SPIFFE ID, then connects to the app's port for that service port on
 * the app host and splices bytes both ways (half-close carried, idle connections closed).
 *
 * <p>Only service ports given to {@link Builder#appPort} are served, so a caller cannot reach an
 * arbitrary local port. Authorization is the workload's {@link AuthorizationPolicy}: rules on
 * principals, trust domains and namespaces apply; a rule that lists methods or path prefixes never
 * matches a TCP connection (there are none), whether it allows or denies. Refused connections are
 * closed after the handshake, without a byte of the app's.
 *
 * <p>Meters: {@value #METRIC_CONNECTIONS} (counter; tags {@code source_trust_domain}, {@code
 * destination_port}, {@code decision}: allowed, denied, no_sni, bad_sni, unknown_port,
 * app_unavailable) and {@value #METRIC_BYTES} (counter of bytes; tags {@code destination_port},
 * {@code direction}: {@code in} caller to app, {@code out} app to caller).
 */
public final class TcpInbound {
  /** Counter of accepted mTLS connections by source trust domain, port and decision. */
  public static final String METRIC_CONNECTIONS = "fedmesh.inbound.tcp.connections";

  /** Counter of bytes spliced, by port and direction. */
  public static final String METRIC_BYTES = "fedmesh.inbound.tcp.bytes";

  private final Vertx vertx;
  private final MeshTls tls;
  private final Supplier<AuthorizationPolicy> policy;
  private final String appHost;
  private final Map<Integer, Integer> appPorts;
  private final String listenHost;
  private final int listenPort;
  private final Duration idleTimeout;
  private final MeterRegistry registry;
  private NetServer server;
  private NetClient app;

  private TcpInbound(Builder b) {
    this.vertx = b.vertx;
    this.tls = b.tls;
    this.policy = b.policy;
    this.appHost = b.appHost;
    this.appPorts = Map.copyOf(b.appPorts);
    this.listenHost = b.listenHost;
    this.listenPort = b.listenPort;
    this.idleTimeout = b.idleTimeout;
    this.registry = b.registry;
  }

  public static Builder builder(Vertx vertx, MeshTls tls) {
    return new Builder(vertx, tls);
  }

  /** Starts listening; completes with the bound port. */
  public Future<Integer> start() {
    int idleMillis = Math.toIntExact(idleTimeout.toMillis());
    app =
        vertx.createNetClient(
            new NetClientOptions()
                .setConnectTimeout(5_000)
                .setIdleTimeout(idleMillis)
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS));
    server =
        vertx.createNetServer(
            tls.configureServer(new NetServerOptions())
                .setSni(true)
                .setIdleTimeout(idleMillis)
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS));
    server.exceptionHandler(tls.handshakeFailureHandler("inbound-tcp"));
    server.connectHandler(this::accept);
    return server.listen(listenPort, listenHost).map(NetServer::actualPort);
  }

  /** Stops listening and closes live connections. */
  public Future<Void> close() {
    Future<Void> s = server == null ? Future.succeededFuture() : server.close();
    return s.compose(v -> app == null ? Future.succeededFuture() : app.close());
  }

  private void accept(NetSocket caller) {
    caller.pause();
    Splice.allowHalfClose(caller);
    caller.exceptionHandler(t -> caller.close());
    Optional<SpiffeId> peer = MeshTls.peerId(caller.sslSession());
    String domain = peer.map(p -> p.trustDomain().name()).orElse("unknown");
    String serverName = caller.indicatedServerName();
    if (serverName == null || serverName.isEmpty()) {
      refuse(caller, domain, "-", "no_sni");
      return;
    }
    SniName sni;
    try {
      sni = SniName.parse(serverName.toLowerCase(Locale.ROOT));
    } catch (ModelException e) {
      refuse(caller, domain, "-", "bad_sni");
      return;
    }
    String port = Integer.toString(sni.port());
    Integer appPort = appPorts.get(sni.port());
    if (appPort == null) {
      refuse(caller, domain, port, "unknown_port");
      return;
    }
    if (peer.isEmpty() || !InboundAuthorizer.decideConnection(policy.get(), peer.get()).allowed()) {
      refuse(caller, domain, port, "denied");
      return;
    }
    app.connect(appPort, appHost)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                refuse(caller, domain, port, "app_unavailable");
                return;
              }
              NetSocket local = ar.result();
              local.pause();
              Splice.allowHalfClose(local);
              count(domain, port, "allowed");
              local.closeHandler(v -> caller.close());
              local.exceptionHandler(t -> local.close());
              caller.closeHandler(v -> local.close());
              Splice.start(
                  caller,
                  local,
                  TcpMeters.bytes(
                      registry, METRIC_BYTES, "destination_port", port, "direction", "in"),
                  TcpMeters.bytes(
                      registry, METRIC_BYTES, "destination_port", port, "direction", "out"));
            });
  }

  private void refuse(NetSocket caller, String domain, String port, String decision) {
    count(domain, port, decision);
    caller.close();
  }

  private void count(String domain, String port, String decision) {
    TcpMeters.count(
        registry,
        METRIC_CONNECTIONS,
        "source_trust_domain",
        domain,
        "destination_port",
        port,
        "decision",
        decision);
  }

  /**
   * Builds a {@link TcpInbound}; defaults: listen {@code 0.0.0.0:}{@value #DEFAULT_PORT}, app on
   * 127.0.0.1, no service port served until {@link #appPort} is called.
   */
  public static final class Builder {
    /** The inbound TCP port, as an endpoint's {@code tcpPort} in a pod. */
    public static final int DEFAULT_PORT = 15008;

    private final Vertx vertx;
    private final MeshTls tls;
    private Supplier<AuthorizationPolicy> policy = () -> AuthorizationPolicy.ALLOW_MESH;
    private String appHost = "127.0.0.1";
    private final Map<Integer, Integer> appPorts = new TreeMap<>();
    private String listenHost = "0.0.0.0";
    private int listenPort = DEFAULT_PORT;
    private Duration idleTimeout = Splice.DEFAULT_IDLE_TIMEOUT;
    private MeterRegistry registry;

    Builder(Vertx vertx, MeshTls tls) {
      this.vertx = Objects.requireNonNull(vertx, "vertx");
      this.tls = Objects.requireNonNull(tls, "tls");
    }

    /** Where the policy comes from; read per connection, so a new snapshot applies at once. */
    public Builder policy(Supplier<AuthorizationPolicy> policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    public Builder appHost(String host) {
      this.appHost = Objects.requireNonNull(host, "appHost");
      return this;
    }

    /** Serves TCP service port {@code servicePort} by connecting to the app's {@code appPort}. */
    public Builder appPort(int servicePort, int appPort) {
      checkPort("servicePort", servicePort, 1);
      checkPort("appPort", appPort, 1);
      appPorts.put(servicePort, appPort);
      return this;
    }

    public Builder listen(String host, int port) {
      checkPort("port", port, 0);
      this.listenHost = Objects.requireNonNull(host, "host");
      this.listenPort = port;
      return this;
    }

    /** Idle time after which a connection is closed, 100ms..24h; default 1 h. */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = Splice.checkIdleTimeout(timeout);
      return this;
    }

    public Builder meterRegistry(MeterRegistry registry) {
      this.registry = registry;
      return this;
    }

    public TcpInbound build() {
      return new TcpInbound(this);
    }

    private static void checkPort(String name, int port, int min) {
      if (port < min || port > 65535) {
        throw new IllegalArgumentException(name + ": " + port + " (expected: " + min + "..65535)");
      }
    }
  }
}
