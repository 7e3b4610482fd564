package io.fedmesh.sidecar.outbound;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Protocol;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.ServicePort;
import io.fedmesh.proxy.model.SniName;
import io.fedmesh.proxy.model.TrafficPolicy;
import io.fedmesh.proxy.net.Splice;
import io.fedmesh.proxy.routing.CircuitBreakerGate;
import io.fedmesh.proxy.routing.EndpointLease;
import io.fedmesh.proxy.routing.LocalityLoadBalancer;
import io.fedmesh.proxy.routing.Outcome;
import io.fedmesh.proxy.routing.PickContext;
import io.fedmesh.proxy.routing.RetryBudget;
import io.fedmesh.proxy.routing.RetryDecision;
import io.fedmesh.proxy.routing.UpstreamFailure;
import io.fedmesh.sidecar.TcpMeters;
import io.fedmesh.sidecar.health.EndpointProber;
import io.fedmesh.sidecar.metrics.RequestMeters;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.tls.MeshTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * The sidecar's outbound side for raw TCP. For every port a service of the snapshot declares with
 * {@code protocol: tcp}, one plain TCP listener on the outbound host (default 127.0.0.1) and, by
 * default, the service's port number: the app connects to {@code 127.0.0.1:5432} to reach {@code
 * db}'s port 5432 wherever it runs. {@link Builder#listenPort} moves one service port elsewhere
 * (port 0: any free one), e.g. when two services share a port number; without that, the service
 * first in namespace/name order keeps the port and the other gets no listener (logged).
 *
 * <p>Each accepted connection takes a connection permit of the service's circuit breaker ({@code
 * maxConnections}; beyond it the connection is closed), picks an endpoint with the service's {@link
 * LocalityLoadBalancer} (locality first, outlier detection fed by connect failures), and opens mTLS
 * with the workload's SVID, checking the server presents one of the service's identities: to a
 * local endpoint's {@code tcpPort} (its sidecar's {@link io.fedmesh.sidecar.inbound.TcpInbound}) or
 * to a linked cluster's east-west gateway. Either way the SNI is {@code
 * <svc>.<ns>.<port>.<cluster>.fedmesh} ({@link SniName}), naming the TCP port, so the gateway
 * routes it and the inbound sidecar knows which app port to connect. A failed connect or handshake
 * is retried on another endpoint (another locality when it was a linked cluster's gateway) within
 * the retry policy and budget: nothing was relayed yet. Then bytes are spliced both ways with
 * back-pressure; a half-close is carried across ({@link Splice}); a connection idle for {@link
 * Builder#idleTimeout} is closed.
 *
 * <p>Listeners follow the snapshot: {@link #update} opens listeners for TCP ports that appeared and
 * closes those of ports that went away (their live connections end with them); routing changes
 * apply to the next connection.
 *
 * <p>Meters: {@value #METRIC_CONNECTIONS} (counter; tags {@code destination_service}, {@code
 * destination_cluster} ({@code -} when none was reached), {@code result}: connected,
 * no_healthy_upstream, circuit_open, connect_failed), {@value #METRIC_BYTES} (counter of bytes;
 * tags {@code destination_service}, {@code direction}: {@code sent} app to upstream, {@code
 * received} upstream to app) and {@code fedmesh.outbound.retries} (as for HTTP).
 */
public final class TcpOutbound {
  /** Counter of the app's TCP connections by destination and result. */
  public static final String METRIC_CONNECTIONS = "fedmesh.outbound.tcp.connections";

  /** Counter of bytes spliced by destination service and direction. */
  public static final String METRIC_BYTES = "fedmesh.outbound.tcp.bytes";

  private static final System.Logger LOG = System.getLogger(TcpOutbound.class.getName());

  /** One TCP service port. */
  record Key(ServiceName service, int port) {
    @Override
    public String toString() {
      return service + ":" + port;
    }
  }

  private final Vertx vertx;
  private final MeshTls tls;
  private final String listenHost;
  private final Map<Key, Integer> listenPorts;
  private final Duration idleTimeout;
  private final MeterRegistry registry;
  private final EndpointProber prober;
  private final Map<Key, Route> routes = new ConcurrentHashMap<>();
  private final Context context;
  private NetClient client;

  private TcpOutbound(Builder b) {
    this.vertx = b.vertx;
    this.tls = b.tls;
    this.listenHost = b.listenHost;
    this.listenPorts = Map.copyOf(b.listenPorts);
    this.idleTimeout = b.idleTimeout;
    this.registry = b.registry;
    this.prober = b.prober;
    this.context = vertx.getOrCreateContext();
  }

  public static Builder builder(Vertx vertx, MeshTls tls) {
    return new Builder(vertx, tls);
  }

  /**
   * Applies {@code snapshot}: opens a listener for each new TCP service port, closes those whose
   * port went away, updates routing. Call it with the first snapshot and on every swap; calls are
   * applied in order. Completes when listeners are bound and closed; fails naming the ports that
   * could not be bound (the others are applied).
   */
  public Future<Void> update(ProxySnapshot snapshot) {
    Objects.requireNonNull(snapshot, "snapshot");
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> apply(snapshot).onComplete(done));
    return done.future();
  }

  /** The port the app connects to for {@code service}'s TCP port {@code port}, if listening. */
  public OptionalInt boundPort(ServiceName service, int port) {
    Route r = routes.get(new Key(service, port));
    return r == null || r.server == null ? OptionalInt.empty() : OptionalInt.of(r.boundPort);
  }

  /** Closes every listener, live connections and the upstream client. */
  public Future<Void> close() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(
        v -> {
          List<Future<Void>> closing = new ArrayList<>();
          for (Route r : routes.values()) {
            closing.add(r.close());
          }
          routes.clear();
          if (client != null) {
            closing.add(client.close());
            client = null;
          }
          Future.join(closing).<Void>mapEmpty().onComplete(done);
        });
    return done.future();
  }

  private Future<Void> apply(ProxySnapshot snapshot) {
    if (client == null) {
      client =
          vertx.createNetClient(
              tls.configureClient(
                      new NetClientOptions()
                          .setIdleTimeout(Math.toIntExact(idleTimeout.toMillis()))
                          .setIdleTimeoutUnit(TimeUnit.MILLISECONDS),
                      id -> false)
                  .setSsl(false)); // TLS per connection, with the service's identities
    }
    Map<Key, Service> wanted = new LinkedHashMap<>();
    for (Service s : snapshot.services().values()) { // namespace/name order
      for (ServicePort p : s.ports()) {
        if (p.protocol() == Protocol.TCP) {
          wanted.put(new Key(s.name(), p.port()), s);
        }
      }
    }
    List<Future<Void>> pending = new ArrayList<>();
    for (Key k : List.copyOf(routes.keySet())) {
      if (!wanted.containsKey(k)) {
        pending.add(routes.remove(k).close());
      }
    }
    Set<Integer> taken = new HashSet<>();
    for (Route r : routes.values()) {
      taken.add(r.requestedPort);
    }
    List<String> failures = new ArrayList<>();
    for (Map.Entry<Key, Service> e : wanted.entrySet()) {
      Key k = e.getKey();
      Route r = routes.get(k);
      if (r != null) {
        r.routing = new Routing(snapshot, e.getValue(), k.port, r.routing);
        continue;
      }
      int port = listenPorts.getOrDefault(k, k.port);
      if (port != 0 && !taken.add(port)) {
        LOG.log(
            System.Logger.Level.WARNING,
            "TCP service port {0} gets no listener: {1}:{2} is taken by another service (give it"
                + " its own with listenPort)",
            k,
            listenHost,
            Integer.toString(port));
        failures.add(k + " (port " + port + " taken)");
        continue;
      }
      Route fresh = new Route(k, port, new Routing(snapshot, e.getValue(), k.port, null));
      routes.put(k, fresh);
      pending.add(
          fresh
              .listen()
              .recover(
                  t -> {
                    routes.remove(k, fresh);
                    failures.add(k + " (" + listenHost + ":" + port + ": " + t.getMessage() + ")");
                    return Future.succeededFuture();
                  }));
    }
    return Future.join(pending)
        .transform(
            ar ->
                failures.isEmpty()
                    ? Future.succeededFuture()
                    : Future.failedFuture(
                        new IllegalStateException(
                            "TCP listeners not opened: " + String.join(", ", failures))));
  }

  /** Routing state of one TCP service port; replaced as a whole when the snapshot changes. */
  private final class Routing {
    final Service service;
    final TrafficPolicy policy;
    final LocalityLoadBalancer balancer;
    final CircuitBreakerGate gate;
    final RetryBudget budget;
    final ClientSSLOptions ssl;

    Routing(ProxySnapshot snapshot, Service service, int port, Routing previous) {
      this.service = service;
      this.policy = snapshot.policy(service.name());
      boolean samePolicy = previous != null && previous.policy.equals(policy);
      List<Endpoint> tcp = new ArrayList<>();
      for (Endpoint e : service.endpoints()) {
        if (e.takesTcp()) {
          tcp.add(e);
        }
      }
      // Outlier, health and least-request state carry over swaps (the same rule as HTTP's);
      // limits and budget follow the policy.
      this.balancer =
          UpstreamBalancers.next(
              snapshot,
              service,
              tcp,
              policy,
              prober,
              RequestMeters.ejections(registry, service.name().toString()),
              previous == null ? null : previous.balancer,
              previous == null ? null : previous.policy.outlierDetection());
      this.gate = samePolicy ? previous.gate : new CircuitBreakerGate(policy.circuitBreaker());
      this.budget =
          samePolicy ? previous.budget : RetryBudget.of(policy.retries(), System::nanoTime);
      Set<SpiffeId> identities = new HashSet<>(service.identities());
      this.ssl =
          previous != null && previous.service.identities().equals(service.identities())
              ? previous.ssl
              : tls.clientOptions(identities::contains, List.of());
    }
  }

  /** One listener. */
  private final class Route {
    final Key key;
    final int requestedPort;
    volatile Routing routing;
    NetServer server;
    int boundPort;

    Route(Key key, int requestedPort, Routing routing) {
      this.key = key;
      this.requestedPort = requestedPort;
      this.routing = routing;
    }

    Future<Void> listen() {
      NetServer s =
          vertx.createNetServer(
              new NetServerOptions()
                  .setIdleTimeout(Math.toIntExact(idleTimeout.toMillis()))
                  .setIdleTimeoutUnit(TimeUnit.MILLISECONDS));
      s.connectHandler(down -> new Connection(this, routing, down).start());
      return s.listen(requestedPort, listenHost)
          .map(
              bound -> {
                server = bound;
                boundPort = bound.actualPort();
                return null;
              });
    }

    Future<Void> close() {
      return server == null ? Future.succeededFuture() : server.close();
    }
  }

  /** One connection from the app, across its connect tries. */
  private final class Connection {
    final Route route;
    final Routing r;
    final NetSocket down;
    final String service;
    CircuitBreakerGate.Permit permit;
    NetSocket up;
    EndpointLease lease;
    boolean closed;

    Connection(Route route, Routing r, NetSocket down) {
      this.route = route;
      this.r = r;
      this.down = down;
      this.service = r.service.name().toString();
    }

    void start() {
      down.pause();
      Splice.allowHalfClose(down);
      down.exceptionHandler(t -> down.close());
      down.closeHandler(v -> onDownClosed());
      permit = r.gate.tryAcquireConnection();
      if (!permit.isGranted()) {
        refuse("circuit_open", "-");
        return;
      }
      r.budget.onRequest();
      attempt(PickContext.FIRST_TRY, 0);
    }

    void attempt(PickContext ctx, int retries) {
      if (closed) {
        return;
      }
      var picked = r.balancer.pick(ctx);
      if (picked.isEmpty()) {
        refuse("no_healthy_upstream", "-");
        return;
      }
      EndpointLease l = picked.get();
      Endpoint e = l.endpoint();
      String cluster = e.locality().cluster();
      ConnectOptions co =
          new ConnectOptions()
              .setHost(e.host())
              .setPort(e.isRemote() ? e.port() : e.tcpPort())
              .setSsl(true)
              .setSslOptions(r.ssl)
              .setSniServerName(new SniName(r.service.name(), route.key.port, cluster).toString())
              .setTimeout((int) Math.min(r.policy.retries().perTryTimeout().toMillis(), 5_000));
      client
          .connect(co)
          .onComplete(
              ar -> {
                if (ar.failed()) {
                  l.complete(UpstreamFailure.CONNECT_FAILURE.outcome());
                  RetryDecision d =
                      RetryDecision.decide(
                          r.policy.retries(),
                          r.budget,
                          true,
                          UpstreamFailure.CONNECT_FAILURE,
                          e,
                          retries);
                  if (d.retry() && !closed) {
                    count("fedmesh.outbound.retries", null, null);
                    attempt(ctx.afterFailure(e, d), retries + 1);
                  } else {
                    refuse("connect_failed", cluster);
                  }
                  return;
                }
                NetSocket socket = ar.result();
                if (closed) {
                  l.release();
                  socket.close();
                  return;
                }
                up = socket;
                lease = l;
                up.pause();
                Splice.allowHalfClose(up);
                up.exceptionHandler(t -> up.close());
                up.closeHandler(v -> down.close());
                count(METRIC_CONNECTIONS, "connected", cluster);
                Splice.start(down, up, bytes("sent"), bytes("received"));
              });
    }

    private void onDownClosed() {
      closed = true;
      if (up != null) {
        up.close();
      }
      if (lease != null) {
        lease.complete(Outcome.SUCCESS);
      }
      if (permit != null) {
        permit.release();
      }
    }

    private void refuse(String result, String cluster) {
      count(METRIC_CONNECTIONS, result, cluster);
      down.close();
    }

    private LongConsumer bytes(String direction) {
      return TcpMeters.bytes(
          registry, METRIC_BYTES, "destination_service", service, "direction", direction);
    }

    private void count(String name, String result, String cluster) {
      if (result == null) {
        TcpMeters.count(registry, name, "destination_service", service);
      } else {
        TcpMeters.count(
            registry,
            name,
            "destination_service",
            service,
            "destination_cluster",
            cluster,
            "result",
            result);
      }
    }
  }

  /** Builds a {@link TcpOutbound}; defaults: listeners on 127.0.0.1 at each service port. */
  public static final class Builder {
    private final Vertx vertx;
    private final MeshTls tls;
    private String listenHost = "127.0.0.1";
    private final Map<Key, Integer> listenPorts = new HashMap<>();
    private Duration idleTimeout = Splice.DEFAULT_IDLE_TIMEOUT;
    private MeterRegistry registry;
    private EndpointProber prober;

    Builder(Vertx vertx, MeshTls tls) {
      this.vertx = Objects.requireNonNull(vertx, "vertx");
      this.tls = Objects.requireNonNull(tls, "tls");
    }

    /** Address of every TCP listener; default 127.0.0.1 (the app's side only). */
    public Builder listenHost(String host) {
      if (host == null || host.isBlank()) {
        throw new IllegalArgumentException("listenHost: '" + host + "' (expected: an address)");
      }
      this.listenHost = host;
      return this;
    }

    /**
     * Listens for {@code service}'s TCP port {@code servicePort} on {@code localPort} instead of
     * the service port's number; 0 for any free port ({@link TcpOutbound#boundPort} tells which).
     */
    public Builder listenPort(ServiceName service, int servicePort, int localPort) {
      Objects.requireNonNull(service, "service");
      if (servicePort < 1 || servicePort > 65535) {
        throw new IllegalArgumentException("servicePort: " + servicePort + " (expected: 1..65535)");
      }
      if (localPort < 0 || localPort > 65535) {
        throw new IllegalArgumentException("localPort: " + localPort + " (expected: 0..65535)");
      }
      listenPorts.put(new Key(service, servicePort), localPort);
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

    /**
     * Active health checks to honour (the HTTP outbound's, {@link OutboundProxy#prober()}); none by
     * default: outlier detection on connect failures only.
     */
    public Builder prober(EndpointProber prober) {
      this.prober = prober;
      return this;
    }

    public TcpOutbound build() {
      return new TcpOutbound(this);
    }
  }
}
