package io.fedmesh.controller.peering;

import io.fedmesh.api.v1.ExportSet;
import io.fedmesh.api.v1.ExportedService;
import io.fedmesh.api.v1.PeerHello;
import io.fedmesh.api.v1.PeerMessage;
import io.fedmesh.api.v1.PeeringGrpcClient;
import io.fedmesh.api.v1.PeeringGrpcService;
import io.fedmesh.api.v1.PeeringProto;
import io.fedmesh.api.v1.RedeemRequest;
import io.fedmesh.api.v1.RedeemResponse;
import io.fedmesh.api.v1.TrustBundleDocument;
import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.controller.catalog.GatewayEntry;
import io.fedmesh.controller.catalog.LinkEntry;
import io.fedmesh.proxy.model.Durations;
import io.fedmesh.proxy.push.SystemIdentities;
import io.fedmesh.trust.bundle.BundleCodec;
import io.fedmesh.trust.bundle.BundleFormatException;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.spiffe.InvalidSpiffeIdException;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.SvidVerificationException;
import io.fedmesh.trust.tls.MeshTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientRequest;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.Service;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Peering of this cluster's controller with linked clusters' controllers. See the {@linkplain
 * io.fedmesh.controller.peering package documentation} for the protocol, who dials, and what is
 * stored where.
 *
 * <pre>{@code
 * Peering peering = Peering.builder(vertx, catalog, self, controllerTls).leader(ctx::isLeader).build();
 * builder.mtlsService(peering.mtlsService()).bootstrapService(peering.bootstrapService())
 *        .adminRoutes(new PeeringAdmin(peering)::install);
 * peering.start();
 * }</pre>
 *
 * <h2>Metrics</h2>
 *
 * <ul>
 *   <li>{@value #METRIC_SESSIONS} (gauge): open peering streams on this replica;
 *   <li>{@value #METRIC_REDEEMS} (counter): redeem attempts answered by this replica, tag {@code
 *       result} ({@code ok} or the refusal kind, lower case);
 *   <li>{@value #METRIC_BUNDLES_REFUSED} (counter): bundle updates from a linked cluster not stored
 *       because their sequence was not newer, or their trust domain was not the peer's; tag {@code
 *       cluster}.
 * </ul>
 */
public final class Peering {
  private static final Logger LOG = LoggerFactory.getLogger(Peering.class);

  /** Gauge of open peering streams on this replica. */
  public static final String METRIC_SESSIONS = "fedmesh.peering.sessions";

  /** Counter of redeem attempts by {@code result}. */
  public static final String METRIC_REDEEMS = "fedmesh.peering.redeems";

  /** Counter of refused bundle updates by {@code cluster}. */
  public static final String METRIC_BUNDLES_REFUSED = "fedmesh.peering.bundles.refused";

  /** Heartbeat interval on a peering stream. */
  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(1);

  /** Quiet time after which local export changes are sent. */
  public static final Duration DEFAULT_EXPORT_DEBOUNCE = Duration.ofMillis(100);

  /** First redial delay after a stream broke; doubles up to {@link #DEFAULT_MAX_BACKOFF}. */
  public static final Duration DEFAULT_MIN_BACKOFF = Duration.ofMillis(100);

  /** Longest redial delay. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);

  /** How often the leader checks which links it should be dialing. */
  public static final Duration DEFAULT_DIAL_CHECK_INTERVAL = Duration.ofMillis(200);

  private static final ServiceName SERVICE_NAME = ServiceName.create("fedmesh.v1", "Peering");

  private final Vertx vertx;
  private final Catalog catalog;
  private final LocalCluster self;
  private final MeshTls tls;
  private final Clock clock;
  private final LongSupplier ticker;
  private final BooleanSupplier leader;
  private final Duration heartbeatInterval;
  private final Duration deadAfter;
  private final Duration exportDebounce;
  private final Duration minBackoff;
  private final Duration maxBackoff;
  private final Duration dialCheckInterval;
  private final MeterRegistry registry;
  private final PeeringTokens tokens;
  private final Map<String, PeerSession> sessions = new ConcurrentHashMap<>();
  private final Set<String> dialing = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> nextDialNanos = new ConcurrentHashMap<>();
  private final Map<String, Integer> failedDials = new ConcurrentHashMap<>();
  // Vert.x closes the connections of garbage-collected clients: keep each one referenced.
  private final Map<String, HttpClient> dialClients = new ConcurrentHashMap<>();

  private Context context;
  private List<UUID> listener;
  private long dialTimer = -1;
  private long debounceTimer = -1;

  private Peering(Builder b) {
    this.vertx = b.vertx;
    this.catalog = b.catalog;
    this.self = b.self;
    this.tls = b.tls;
    this.clock = b.clock;
    this.ticker = b.ticker;
    this.leader = b.leader;
    this.heartbeatInterval = b.heartbeatInterval;
    this.deadAfter = b.heartbeatInterval.multipliedBy(3);
    this.exportDebounce = b.exportDebounce;
    this.minBackoff = b.minBackoff;
    this.maxBackoff = b.maxBackoff;
    this.dialCheckInterval = b.dialCheckInterval;
    this.registry = b.registry;
    this.tokens = new PeeringTokens(catalog, clock);
    registry.gauge(METRIC_SESSIONS, sessions, Map::size);
  }

  /** A builder for this cluster ({@code self}), with the controller's own mTLS identity. */
  public static Builder builder(Vertx vertx, Catalog catalog, LocalCluster self, MeshTls tls) {
    return new Builder(vertx, catalog, self, tls);
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /** Watches the catalog for local export and bundle changes and starts the leader's dialing. */
  public synchronized void start() {
    if (context != null) {
      throw new IllegalStateException("peering already started");
    }
    context = vertx.getOrCreateContext();
    listener = catalog.onChange(this::catalogChanged);
    context.runOnContext(
        v -> dialTimer = vertx.setPeriodic(dialCheckInterval.toMillis(), id -> dialLinks()));
  }

  /** Stops dialing and closes every stream (without a goodbye: the links stay). */
  public synchronized Future<Void> close() {
    if (listener != null) {
      catalog.removeListener(listener);
      listener = null;
    }
    if (dialTimer >= 0) {
      vertx.cancelTimer(dialTimer);
      dialTimer = -1;
    }
    for (PeerSession s : List.copyOf(sessions.values())) {
      s.close("controller stopping");
    }
    List<Future<Void>> closing = new java.util.ArrayList<>();
    for (HttpClient c : dialClients.values()) {
      closing.add(c.close());
    }
    dialClients.clear();
    return Future.join(closing).mapEmpty();
  }

  // ---- operator actions ------------------------------------------------------------------------

  /** Issues a peering token for this cluster, valid for {@code ttl}. */
  public Future<PeeringToken> issueToken(Duration ttl) {
    return blocking(
        () -> {
          TrustBundle own =
              catalog
                  .bundle(self.trustDomain())
                  .orElseThrow(
                      () ->
                          PeeringException.precondition(
                              "no trust bundle of "
                                  + self.trustDomain()
                                  + " in the catalog yet: the CA has not published it"));
          return tokens.issue(self, own, ttl);
        });
  }

  /**
   * Links to the cluster that issued {@code tokenText}: redeems the token through that cluster's
   * gateway, stores its bundle and the link; the leader then dials the peering stream.
   */
  public Future<LinkEntry> link(String tokenText) {
    PeeringToken token;
    try {
      token = PeeringToken.decode(tokenText);
      if (token.cluster().equals(self.cluster())) {
        throw PeeringException.precondition(
            "a cluster cannot link to itself: the token was issued by '"
                + token.cluster()
                + "', which is this cluster");
      }
      if (token.trustDomain().equals(self.trustDomain().name())) {
        throw PeeringException.precondition(
            "the token's trust domain "
                + token.trustDomain()
                + " is this cluster's own: a cluster cannot link to itself");
      }
    } catch (PeeringException e) {
      return Future.failedFuture(e);
    }
    RedeemRequest request =
        RedeemRequest.newBuilder()
            .setTokenId(token.tokenId())
            .setSecret(token.secret())
            .setDialerCluster(self.cluster())
            .setAccepterCluster(token.cluster())
            .build();
    return blocking(
            () -> {
              if (catalog.link(token.cluster()).isPresent()) {
                throw PeeringException.precondition(
                    "already linked to '" + token.cluster() + "': unlink it first");
              }
              return catalog.bundle(self.trustDomain()).map(Peering::document).orElseThrow();
            })
        .compose(own -> redeemAt(token, request.toBuilder().setDialerBundle(own).build()))
        .compose(response -> blocking(() -> linked(token, response)));
  }

  /**
   * Removes the link to {@code cluster} with its imports, export set, gateway entry and bundle, and
   * tells the other side (goodbye) when a stream to it is open on any replica.
   */
  public Future<Void> unlink(String cluster) {
    return blocking(
        () -> {
          LinkEntry link =
              catalog
                  .link(cluster)
                  .orElseThrow(
                      () ->
                          new PeeringException(
                              PeeringException.Kind.NOT_FOUND,
                              "no link to cluster '" + cluster + "'"));
          PeerSession s = sessions.get(cluster);
          Future<Void> said =
              s == null
                  ? Future.succeededFuture()
                  : s.goodbye("cluster " + self.cluster() + " unlinked " + cluster);
          removeLocally(link, said);
          return null;
        });
  }

  // ---- gRPC services ---------------------------------------------------------------------------

  /** {@code Peering.Exchange}, for the controller's mTLS listener. */
  public Service mtlsService() {
    return service(server -> server.callHandler(PeeringGrpcService.Exchange, this::accept));
  }

  /** {@code Peering.Redeem}, for the controller's bootstrap (server-authenticated) listener. */
  public Service bootstrapService() {
    return service(server -> server.callHandler(PeeringGrpcService.Redeem, this::serveRedeem));
  }

  private static Service service(java.util.function.Consumer<GrpcServer> binder) {
    return new Service() {
      @Override
      public ServiceName name() {
        return SERVICE_NAME;
      }

      @Override
      public com.google.protobuf.Descriptors.ServiceDescriptor descriptor() {
        return PeeringProto.getDescriptor().findServiceByName("Peering");
      }

      @Override
      public void bind(GrpcServer server) {
        binder.accept(server);
      }
    };
  }

  private void serveRedeem(GrpcServerRequest<RedeemRequest, RedeemResponse> req) {
    req.last()
        .compose(msg -> blocking(() -> redeemLocally(msg)))
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                registry.counter(METRIC_REDEEMS, "result", "ok").increment();
                req.response().send(ar.result());
              } else {
                PeeringException e = asPeering(ar.cause());
                registry
                    .counter(
                        METRIC_REDEEMS,
                        "result",
                        e.kind().name().toLowerCase(java.util.Locale.ROOT))
                    .increment();
                LOG.info("refused a peering token: {}", e.getMessage());
                req.response().status(grpcStatus(e.kind())).statusMessage(e.getMessage()).end();
              }
            });
  }

  /** The accepter's side of Redeem: every check, then the link. */
  RedeemResponse redeemLocally(RedeemRequest r) {
    if (!r.getAccepterCluster().equals(self.cluster())) {
      throw PeeringException.precondition(
          "wrong cluster: the token names cluster '"
              + r.getAccepterCluster()
              + "' but this is '"
              + self.cluster()
              + "'");
    }
    String held = tokens.check(r.getTokenId(), r.getSecret());
    String dialer = Names.checkCluster("dialer_cluster", r.getDialerCluster());
    if (dialer.equals(self.cluster())) {
      throw PeeringException.precondition(
          "a cluster cannot link to itself: the dialer is '" + dialer + "', which is this cluster");
    }
    TrustBundle bundle = parseBundle(r.getDialerBundle(), "dialer_bundle");
    if (bundle.trustDomain().equals(self.trustDomain())) {
      throw PeeringException.precondition(
          "dialer_bundle: trust domain "
              + bundle.trustDomain()
              + " is this cluster's own: a cluster cannot link to itself");
    }
    if (catalog.link(dialer).isPresent()) {
      throw PeeringException.precondition("already linked to '" + dialer + "': unlink it first");
    }
    tokens.consume(r.getTokenId(), held, dialer);
    catalog.putBundle(bundle);
    catalog.putLink(
        new LinkEntry(
            dialer,
            bundle.trustDomain().name(),
            "",
            0,
            false,
            "pending",
            clock.millis(),
            "waiting for " + dialer + " to open the peering stream"));
    LOG.info("cluster {} redeemed a peering token: linked", dialer);
    TrustBundle own = catalog.bundle(self.trustDomain()).orElseThrow();
    return RedeemResponse.newBuilder()
        .setAccepterCluster(self.cluster())
        .setAccepterBundle(document(own))
        .build();
  }

  /** The dialer's side of Redeem: through the accepter's gateway, pinning the token's bundle. */
  Future<RedeemResponse> redeemAt(PeeringToken token, RedeemRequest request) {
    TrustBundle pinned = token.bundle();
    SpiffeId expected = SystemIdentities.controller(pinned.trustDomain());
    MeshTls pinnedTls =
        MeshTls.builder(
                tls.currentSvid(),
                d -> d.equals(pinned.trustDomain()) ? Optional.of(pinned) : Optional.empty())
            .build();
    HttpClientOptions options = pinnedTls.configureClient(httpOptions(), expected::equals);
    // Bootstrap is server-authenticated only: this side presents no certificate.
    options.setKeyCertOptions(null);
    HttpClient http = vertx.createHttpClient(options);
    GrpcClient grpc = GrpcClient.client(vertx, http);
    String sni = LocalCluster.bootstrapSni(token.cluster(), token.bootstrapPort());
    return blocking(() -> sniAddress(token.gatewayHost(), token.gatewayPort(), sni))
        .compose(address -> grpc.request(address, PeeringGrpcClient.Redeem))
        .compose(req -> req.send(request))
        .compose(
            resp ->
                resp.last()
                    .transform(
                        ar -> {
                          if (resp.status() != null && resp.status() != GrpcStatus.OK) {
                            return Future.failedFuture(
                                new PeeringException(kindOf(resp.status()), resp.statusMessage()));
                          }
                          return ar.succeeded()
                              ? Future.succeededFuture(ar.result())
                              : Future.<RedeemResponse>failedFuture(ar.cause());
                        }))
        .recover(
            t ->
                Future.failedFuture(
                    t instanceof PeeringException
                        ? t
                        : new PeeringException(
                            PeeringException.Kind.UNAVAILABLE,
                            "cannot redeem the token at cluster '"
                                + token.cluster()
                                + "' through its gateway "
                                + token.gatewayHost()
                                + ":"
                                + token.gatewayPort()
                                + ": "
                                + t.getMessage(),
                            t)))
        .eventually(http::close);
  }

  private LinkEntry linked(PeeringToken token, RedeemResponse response) {
    if (!response.getAccepterCluster().equals(token.cluster())) {
      throw PeeringException.precondition(
          "the accepter says it is '"
              + response.getAccepterCluster()
              + "', the token names '"
              + token.cluster()
              + "'");
    }
    TrustBundle bundle = parseBundle(response.getAccepterBundle(), "accepter_bundle");
    if (!bundle.trustDomain().name().equals(token.trustDomain())) {
      throw PeeringException.precondition(
          "accepter_bundle: trust domain "
              + bundle.trustDomain()
              + " (expected: the token's "
              + token.trustDomain()
              + ")");
    }
    catalog.putBundle(bundle);
    PeerAddress.put(
        catalog,
        new PeerAddress(
            token.cluster(),
            token.trustDomain(),
            token.gatewayHost(),
            token.gatewayPort(),
            0,
            token.peeringPort()));
    if (catalog.gateway(token.cluster()).isEmpty()) {
      catalog.putGateway(
          new GatewayEntry(
              token.cluster(),
              token.gatewayHost(),
              token.gatewayPort(),
              true,
              0,
              clock.millis(),
              "not probed yet"));
    }
    LinkEntry link =
        new LinkEntry(
            token.cluster(),
            token.trustDomain(),
            token.gatewayHost(),
            token.gatewayPort(),
            true,
            "pending",
            clock.millis(),
            "dialing");
    catalog.putLink(link);
    LOG.info("linked to cluster {} (this side dials)", token.cluster());
    return link;
  }

  // ---- streams ---------------------------------------------------------------------------------

  private void accept(GrpcServerRequest<PeerMessage, PeerMessage> req) {
    req.pause();
    SpiffeId id;
    try {
      if (req.connection() == null || req.connection().sslSession() == null) {
        throw new SvidVerificationException(
            SvidVerificationException.Reason.EMPTY_CHAIN, "not a TLS connection");
      }
      // Verified again here: the listener may only request a certificate (bootstrap shares it).
      id = tls.verifyPeer(req.connection().sslSession()).id();
    } catch (SvidVerificationException e) {
      req.response()
          .status(GrpcStatus.UNAUTHENTICATED)
          .statusMessage(
              "peering needs a linked controller's client certificate: " + e.getMessage())
          .end();
      return;
    }
    Context ctx = vertx.getOrCreateContext();
    blocking(
            () -> {
              LinkEntry link =
                  catalog.links().stream()
                      .filter(l -> l.trustDomain().equals(id.trustDomain().name()))
                      .findFirst()
                      .orElseThrow(
                          () ->
                              PeeringException.denied(
                                  "no link with trust domain " + id.trustDomain()));
              if (!id.equals(SystemIdentities.controller(id.trustDomain()))) {
                throw PeeringException.denied(id + " is not the controller of " + link.cluster());
              }
              if (link.dialer()) {
                throw PeeringException.precondition(
                    "this cluster dials " + link.cluster() + ", it does not accept its stream");
              }
              return new Opening(link.cluster(), ExportSets.local(catalog), ownBundle());
            })
        .onComplete(
            ar -> {
              if (ar.failed()) {
                PeeringException e = asPeering(ar.cause());
                req.response().status(grpcStatus(e.kind())).statusMessage(e.getMessage()).end();
                return;
              }
              Opening o = ar.result();
              PeerSession s =
                  new PeerSession(
                      this, o.cluster(), false, ctx, req.response(), () -> endQuietly(req));
              register(s);
              req.handler(s::receive);
              req.endHandler(v -> s.closed("the peer ended the stream"));
              req.exceptionHandler(t -> s.closed("stream failed: " + t.getMessage()));
              s.open(o.exports(), o.bundle());
              req.resume();
            });
  }

  private static Future<Void> endQuietly(GrpcServerRequest<PeerMessage, PeerMessage> req) {
    try {
      return req.response().end();
    } catch (IllegalStateException e) {
      return Future.succeededFuture(); // already ended
    }
  }

  private record Opening(
      String cluster, List<ExportedService> exports, TrustBundleDocument bundle) {}

  private void dialLinks() {
    if (!leader.getAsBoolean()) {
      for (PeerSession s : List.copyOf(sessions.values())) {
        if (s.dialed()) {
          s.close("this replica is no longer the leader");
        }
      }
      return;
    }
    blocking(
            () ->
                catalog.links().stream()
                    .filter(LinkEntry::dialer)
                    .map(l -> PeerAddress.of(catalog, l.cluster()))
                    .flatMap(Optional::stream)
                    .toList())
        .onSuccess(
            addresses -> {
              long now = ticker.getAsLong();
              for (PeerAddress a : addresses) {
                String c = a.cluster();
                if (sessions.containsKey(c)
                    || dialing.contains(c)
                    || now < nextDialNanos.getOrDefault(c, 0L)) {
                  continue;
                }
                dial(a);
              }
            });
  }

  private void dial(PeerAddress a) {
    String cluster = a.cluster();
    dialing.add(cluster);
    HttpClient http =
        dialClients.computeIfAbsent(
            cluster,
            c ->
                vertx.createHttpClient(
                    tls.configureClient(
                        httpOptions(),
                        SystemIdentities.controller(TrustDomain.of(a.trustDomain()))::equals)));
    GrpcClient grpc = GrpcClient.client(vertx, http);
    String sni = LocalCluster.peeringSni(cluster, a.peeringPort());
    blocking(
            () ->
                new Dial(
                    sniAddress(a.gatewayHost(), a.gatewayPort(), sni),
                    ExportSets.local(catalog),
                    ownBundle()))
        .compose(
            d ->
                grpc.request(d.address(), PeeringGrpcClient.Exchange)
                    .map(req -> new Opened(req, d)))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                dialing.remove(cluster);
                dialFailed(cluster, "cannot open the peering stream: " + ar.cause().getMessage());
                return;
              }
              GrpcClientRequest<PeerMessage, PeerMessage> req = ar.result().request();
              PeerSession s =
                  new PeerSession(this, cluster, true, context, req, () -> endQuietly(req));
              register(s);
              dialing.remove(cluster);
              req.response()
                  .onSuccess(
                      resp -> {
                        resp.handler(s::receive);
                        resp.endHandler(
                            v ->
                                s.closed(
                                    resp.status() == GrpcStatus.OK || resp.status() == null
                                        ? "the peer ended the stream"
                                        : "refused: "
                                            + resp.status()
                                            + " "
                                            + resp.statusMessage()));
                        resp.exceptionHandler(t -> s.closed("stream failed: " + t.getMessage()));
                      })
                  .onFailure(t -> s.closed("stream failed: " + t.getMessage()));
              req.exceptionHandler(t -> s.closed("stream failed: " + t.getMessage()));
              s.open(ar.result().dial().exports(), ar.result().dial().bundle());
            });
  }

  private static Future<Void> endQuietly(GrpcClientRequest<PeerMessage, PeerMessage> req) {
    try {
      return req.end();
    } catch (IllegalStateException e) {
      return Future.succeededFuture(); // already ended
    }
  }

  private record Dial(
      SocketAddress address, List<ExportedService> exports, TrustBundleDocument bundle) {}

  private record Opened(GrpcClientRequest<PeerMessage, PeerMessage> request, Dial dial) {}

  private void register(PeerSession s) {
    PeerSession old = sessions.put(s.cluster(), s);
    if (old != null && old != s) {
      old.close("replaced by a new stream");
    }
  }

  private void dialFailed(String cluster, String reason) {
    int n = failedDials.merge(cluster, 1, Integer::sum);
    long base = Math.min(maxBackoff.toNanos(), minBackoff.toNanos() << Math.min(n - 1, 20));
    long jittered = (long) (base * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
    nextDialNanos.put(cluster, ticker.getAsLong() + jittered);
    LOG.debug("peering with {}: {} (next attempt in {} ms)", cluster, reason, jittered / 1_000_000);
    blocking(
        () -> {
          catalog
              .link(cluster)
              .filter(l -> !"lost".equals(l.state()) || !l.detail().equals(reason))
              .ifPresent(
                  l ->
                      catalog.updateLink(
                          withState(
                              l,
                              "lost",
                              "lost".equals(l.state()) ? l.sinceMillis() : clock.millis(),
                              reason)));
          return null;
        });
  }

  // ---- called by sessions
  // ------------------------------------------------------------------------

  void connected(PeerSession s, PeerHello hello) {
    failedDials.remove(s.cluster());
    blocking(
        () -> {
          Optional<LinkEntry> link = catalog.link(s.cluster());
          if (link.isEmpty()) {
            s.close("no link to " + s.cluster() + " any more");
            return null;
          }
          HostPort gw = HostPort.parse(hello.getGatewayAddress()).orElse(null);
          HostPort health = HostPort.parse(hello.getGatewayHealthAddress()).orElse(null);
          LinkEntry l = link.get();
          String gwHost = gw != null ? gw.host() : l.gatewayHost();
          int gwPort = gw != null ? gw.port() : l.gatewayPort();
          PeerAddress old = PeerAddress.of(catalog, s.cluster()).orElse(null);
          PeerAddress.put(
              catalog,
              new PeerAddress(
                  s.cluster(),
                  l.trustDomain(),
                  gwHost,
                  gwPort,
                  health != null ? health.port() : old == null ? 0 : old.gatewayHealthPort(),
                  old == null ? 0 : old.peeringPort()));
          Optional<GatewayEntry> g = catalog.gateway(s.cluster());
          if (g.isEmpty() || !g.get().host().equals(gwHost) || g.get().port() != gwPort) {
            catalog.putGateway(
                new GatewayEntry(
                    s.cluster(),
                    gwHost,
                    gwPort,
                    g.map(GatewayEntry::healthy).orElse(true),
                    g.map(GatewayEntry::load).orElse(0.0),
                    clock.millis(),
                    g.map(GatewayEntry::detail).orElse("not probed yet")));
          }
          catalog.updateLink(
              new LinkEntry(
                  l.cluster(),
                  l.trustDomain(),
                  gwHost,
                  gwPort,
                  l.dialer(),
                  "connected",
                  clock.millis(),
                  ""));
          LOG.info("peering stream with {} connected", s.cluster());
          return null;
        });
  }

  void exportsReceived(String cluster, ExportSet set) {
    RemoteExports received = ExportSets.received(cluster, set);
    blocking(
        () -> {
          if (catalog.link(cluster).isPresent()) {
            RemoteExports.put(catalog, received);
          }
          return null;
        });
  }

  void bundleReceived(String cluster, TrustBundleDocument doc) {
    blocking(
        () -> {
          LinkEntry link = catalog.link(cluster).orElse(null);
          if (link == null) {
            return null;
          }
          if (!doc.getTrustDomain().equals(link.trustDomain())) {
            refusedBundle(
                cluster,
                "sent a bundle for trust domain '"
                    + doc.getTrustDomain()
                    + "', it owns "
                    + link.trustDomain());
            return null;
          }
          TrustBundle bundle;
          try {
            bundle = parseBundle(doc, "bundle");
          } catch (PeeringException e) {
            refusedBundle(cluster, e.getMessage());
            return null;
          }
          if (!catalog.putBundle(bundle)) {
            refusedBundle(
                cluster,
                "sent bundle sequence " + bundle.sequence() + ", not newer than the one held");
          }
          return null;
        });
  }

  private void refusedBundle(String cluster, String why) {
    registry.counter(METRIC_BUNDLES_REFUSED, "cluster", cluster).increment();
    LOG.warn("bundle update from {} refused: {}", cluster, why);
  }

  void goodbyeReceived(PeerSession s, String reason) {
    sessions.remove(s.cluster(), s);
    blocking(
        () -> {
          catalog.link(s.cluster()).ifPresent(l -> removeLocally(l, Future.succeededFuture()));
          return null;
        });
  }

  void sessionLost(PeerSession s, String reason) {
    if (!sessions.remove(s.cluster(), s)) {
      return;
    }
    LOG.info("peering stream with {} lost: {}", s.cluster(), reason);
    if (s.dialed()) {
      dialFailed(s.cluster(), reason);
    } else {
      blocking(
          () -> {
            catalog
                .link(s.cluster())
                .ifPresent(l -> catalog.updateLink(withState(l, "lost", clock.millis(), reason)));
            return null;
          });
    }
  }

  /**
   * Removes what the link brought; the dial client closes once {@code said} (goodbye) is written.
   */
  private void removeLocally(LinkEntry link, Future<Void> said) {
    String cluster = link.cluster();
    catalog.removeLink(cluster);
    RemoteExports.remove(catalog, cluster);
    PeerAddress.remove(catalog, cluster);
    catalog.removeGateway(cluster);
    for (var i : catalog.imports(cluster)) {
      catalog.removeImport(i);
    }
    try {
      catalog.removeBundle(TrustDomain.of(link.trustDomain()));
    } catch (InvalidSpiffeIdException e) {
      LOG.warn("link {} held a bad trust domain '{}'", cluster, link.trustDomain());
    }
    nextDialNanos.remove(cluster);
    failedDials.remove(cluster);
    HttpClient c = dialClients.remove(cluster);
    if (c != null) {
      said.onComplete(ar -> c.close());
    }
    LOG.info("unlinked {}", cluster);
  }

  private void catalogChanged(Catalog.Change change) {
    switch (change.map()) {
      case Catalog.SERVICES, Catalog.ENDPOINTS -> scheduleExports();
      case Catalog.BUNDLES -> {
        if (change.key().equals(self.trustDomain().name())) {
          blocking(this::ownBundle)
              .onSuccess(
                  doc -> {
                    for (PeerSession s : sessions.values()) {
                      s.sendBundle(doc);
                    }
                  });
        }
      }
      case Catalog.LINKS -> {
        PeerSession s = sessions.get(change.key());
        if (s != null) {
          blocking(() -> catalog.link(change.key()).isPresent())
              .onSuccess(
                  present -> {
                    if (!present) {
                      s.goodbye("cluster " + self.cluster() + " unlinked " + change.key())
                          .onComplete(
                              ar -> {
                                HttpClient c = dialClients.remove(change.key());
                                if (c != null) {
                                  c.close();
                                }
                              });
                    }
                  });
        }
      }
      default -> {
        // not peering's concern
      }
    }
  }

  private void scheduleExports() {
    Context ctx = context;
    if (ctx == null) {
      return;
    }
    ctx.runOnContext(
        v -> {
          if (debounceTimer >= 0) {
            return;
          }
          debounceTimer =
              vertx.setTimer(
                  exportDebounce.toMillis(),
                  id -> {
                    debounceTimer = -1;
                    blocking(() -> ExportSets.local(catalog))
                        .onSuccess(
                            exports -> {
                              for (PeerSession s : sessions.values()) {
                                s.sendExports(exports);
                              }
                            });
                  });
        });
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private TrustBundleDocument ownBundle() {
    return catalog.bundle(self.trustDomain()).map(Peering::document).orElse(null);
  }

  static TrustBundleDocument document(TrustBundle b) {
    return TrustBundleDocument.newBuilder()
        .setTrustDomain(b.trustDomain().name())
        .setBundleJson(BundleCodec.toJson(b))
        .setSequence(b.sequence())
        .build();
  }

  private static TrustBundle parseBundle(TrustBundleDocument doc, String field) {
    TrustDomain domain;
    try {
      domain = TrustDomain.of(doc.getTrustDomain());
    } catch (InvalidSpiffeIdException e) {
      throw PeeringException.invalid(
          field + ".trust_domain: '" + doc.getTrustDomain() + "' (" + e.getMessage() + ")");
    }
    try {
      return BundleCodec.parse(domain, doc.getBundleJson(), field);
    } catch (BundleFormatException e) {
      throw PeeringException.invalid(field + ": " + e.getMessage());
    }
  }

  private static LinkEntry withState(LinkEntry l, String state, long since, String detail) {
    return new LinkEntry(
        l.cluster(),
        l.trustDomain(),
        l.gatewayHost(),
        l.gatewayPort(),
        l.dialer(),
        state,
        since,
        detail);
  }

  private static HttpClientOptions httpOptions() {
    return new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2)
        .setUseAlpn(true)
        .setHttp2ClearTextUpgrade(false)
        .setForceSni(true)
        .setConnectTimeout(5_000);
  }

  /**
   * An address that connects to {@code host:port} but names {@code sni} as the host, so the TLS
   * ClientHello carries that SNI (the gateway routes by it) without any DNS lookup of it.
   */
  static SocketAddress sniAddress(String host, int port, String sni) throws UnknownHostException {
    InetAddress ip = InetAddress.getByName(host);
    return SocketAddress.inetSocketAddress(
        new InetSocketAddress(InetAddress.getByAddress(sni, ip.getAddress()), port));
  }

  /**
   * Runs catalog work off the event loop, in order per calling context: a stream's writes
   * (connected, export sets, lost) land in the order they happened.
   */
  private <T> Future<T> blocking(Callable<T> work) {
    return vertx.executeBlocking(work, true);
  }

  static PeeringException asPeering(Throwable t) {
    if (t instanceof PeeringException p) {
      return p;
    }
    return new PeeringException(
        PeeringException.Kind.UNAVAILABLE, String.valueOf(t.getMessage()), t);
  }

  static GrpcStatus grpcStatus(PeeringException.Kind kind) {
    return switch (kind) {
      case INVALID_ARGUMENT -> GrpcStatus.INVALID_ARGUMENT;
      case PERMISSION_DENIED -> GrpcStatus.PERMISSION_DENIED;
      case FAILED_PRECONDITION -> GrpcStatus.FAILED_PRECONDITION;
      case NOT_FOUND -> GrpcStatus.NOT_FOUND;
      case UNAVAILABLE -> GrpcStatus.UNAVAILABLE;
    };
  }

  static PeeringException.Kind kindOf(GrpcStatus status) {
    return switch (status) {
      case INVALID_ARGUMENT -> PeeringException.Kind.INVALID_ARGUMENT;
      case PERMISSION_DENIED, UNAUTHENTICATED -> PeeringException.Kind.PERMISSION_DENIED;
      case FAILED_PRECONDITION, ALREADY_EXISTS -> PeeringException.Kind.FAILED_PRECONDITION;
      case NOT_FOUND -> PeeringException.Kind.NOT_FOUND;
      default -> PeeringException.Kind.UNAVAILABLE;
    };
  }

  // ---- accessors for sessions and tests
  // -------------------------------------------------------------

  LocalCluster self() {
    return self;
  }

  Clock clock() {
    return clock;
  }

  long nanoTime() {
    return ticker.getAsLong();
  }

  Duration heartbeatInterval() {
    return heartbeatInterval;
  }

  Duration deadAfter() {
    return deadAfter;
  }

  MeterRegistry registry() {
    return registry;
  }

  /** Clusters with an open peering stream on this replica. */
  public Set<String> connectedClusters() {
    return Set.copyOf(sessions.keySet());
  }

  /** Builds {@link Peering}; setters validate at once. */
  public static final class Builder {
    private final Vertx vertx;
    private final Catalog catalog;
    private final LocalCluster self;
    private final MeshTls tls;
    private Clock clock = Clock.systemUTC();
    private LongSupplier ticker = System::nanoTime;
    private BooleanSupplier leader = () -> true;
    private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
    private Duration exportDebounce = DEFAULT_EXPORT_DEBOUNCE;
    private Duration minBackoff = DEFAULT_MIN_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private Duration dialCheckInterval = DEFAULT_DIAL_CHECK_INTERVAL;
    private MeterRegistry registry = new SimpleMeterRegistry();

    Builder(Vertx vertx, Catalog catalog, LocalCluster self, MeshTls tls) {
      this.vertx = Objects.requireNonNull(vertx, "vertx");
      this.catalog = Objects.requireNonNull(catalog, "catalog");
      this.self = Objects.requireNonNull(self, "self");
      this.tls = Objects.requireNonNull(tls, "tls");
    }

    /** Wall clock for token expiry and entry timestamps. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Monotonic nanosecond ticker for backoff and stream liveness. */
    public Builder ticker(LongSupplier ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** Whether this replica is the leader (only the leader dials); default always. */
    public Builder leader(BooleanSupplier leader) {
      this.leader = Objects.requireNonNull(leader, "leader");
      return this;
    }

    /** Heartbeat interval, 50ms..60s; a stream silent for three intervals is closed. */
    public Builder heartbeatInterval(Duration d) {
      this.heartbeatInterval =
          Durations.checkRange(
              "heartbeatInterval", d, Duration.ofMillis(50), Duration.ofSeconds(60));
      return this;
    }

    /** Quiet time before local export changes are sent, 0..10s. */
    public Builder exportDebounce(Duration d) {
      this.exportDebounce =
          Durations.checkRange("exportDebounce", d, Duration.ofMillis(1), Duration.ofSeconds(10));
      return this;
    }

    /** Redial backoff bounds, 10ms..5min, min not above max. */
    public Builder backoff(Duration min, Duration max) {
      Durations.checkRange("backoff.min", min, Duration.ofMillis(10), Duration.ofMinutes(5));
      Durations.checkRange("backoff.max", max, Duration.ofMillis(10), Duration.ofMinutes(5));
      if (min.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            "backoff: min " + min + " above max " + max + " (expected: min <= max)");
      }
      this.minBackoff = min;
      this.maxBackoff = max;
      return this;
    }

    /** How often the leader checks its links, 10ms..10s. */
    public Builder dialCheckInterval(Duration d) {
      this.dialCheckInterval =
          Durations.checkRange(
              "dialCheckInterval", d, Duration.ofMillis(10), Duration.ofSeconds(10));
      return this;
    }

    /** Where meters go. */
    public Builder meterRegistry(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "meterRegistry");
      return this;
    }

    public Peering build() {
      return new Peering(this);
    }
  }
}
