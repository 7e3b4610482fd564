package io.fedmesh.controller;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.fedmesh.controller.admin.AdminApi;
import io.fedmesh.controller.ca.CaService;
import io.fedmesh.controller.catalog.Catalog;
import io.fedmesh.controller.catalog.CatalogMember;
import io.fedmesh.controller.catalog.EndpointEntry;
import io.fedmesh.controller.catalog.PortEntry;
import io.fedmesh.controller.catalog.ServiceEntry;
import io.fedmesh.controller.push.ProxyPush;
import io.fedmesh.proxy.push.SystemIdentities;
import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.ca.SvidIssuer;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.Svid;
import io.fedmesh.trust.tls.MeshTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.Service;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica of a cluster's federation controller: a Hazelcast member holding the shared {@link
 * Catalog}, the cluster CA as a service, the push of proxy configuration and the admin API, on two
 * listeners of one host:
 *
 * <ul>
 *   <li>the <b>mTLS listener</b> (client certificate required, verified against the catalog's
 *       bundles): gRPC ({@code content-type: application/grpc*}) for {@code ProxyDiscovery.Stream},
 *       {@code CertificateAuthority.Sign} (renewal with the current SVID) and what extensions add
 *       (peering); everything else goes to the admin API under {@code /v1/}, for the operator
 *       identity only;
 *   <li>the <b>bootstrap listener</b> (server-authenticated TLS, no client certificate): {@code
 *       CertificateAuthority.Sign} with a join token, and what extensions add (peering-token
 *       redemption).
 * </ul>
 *
 * <p>The replica's own SVID ({@code spiffe://<td>/ns/fedmesh-system/sa/controller}) is signed by
 * the cluster CA at start and renewed at half-life. The replica registers itself in the catalog as
 * an endpoint of the exported services {@value #PEERING_SERVICE} (port {@value #PEERING_PORT_NAME},
 * on the mTLS listener) and {@value #BOOTSTRAP_SERVICE} (port {@value #BOOTSTRAP_PORT_NAME}, on the
 * bootstrap listener) in namespace {@value SystemIdentities#NAMESPACE}, so linked clusters reach it
 * through the east-west gateway by SNI. (Two services rather than one with two ports: a catalog
 * endpoint has one port, and the gateway routes an SNI to its endpoint's port.)
 *
 * <p>Cluster-wide singleton work runs on the leader only: the oldest Hazelcast member ({@link
 * ControllerContext#isLeader()}); when it leaves, the next oldest takes over.
 *
 * <pre>{@code
 * FederationController c = FederationController.builder("us-east", ca)
 *     .host("127.0.0.1").catalogPort(5701).catalogMembers(List.of("127.0.0.1:5701", "127.0.0.1:5702"))
 *     .extension(peering)
 *     .build();
 * c.start().await();
 * }</pre>
 */
public final class FederationController {
  /** The exported service linked clusters reach this cluster's controllers' mTLS listeners by. */
  public static final String PEERING_SERVICE = "fedmesh-controller";

  /** The exported service linked clusters reach this cluster's bootstrap listeners by. */
  public static final String BOOTSTRAP_SERVICE = "fedmesh-controller-bootstrap";

  public static final String PEERING_PORT_NAME = "peering";
  public static final String BOOTSTRAP_PORT_NAME = "bootstrap";

  /** The service port number of {@value #PEERING_SERVICE} (SNIs name it; endpoints differ). */
  public static final int PEERING_SERVICE_PORT = 15012;

  /** The service port number of {@value #BOOTSTRAP_SERVICE}. */
  public static final int BOOTSTRAP_SERVICE_PORT = 15013;

  /** Default listener host. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  /** Default lifetime of the replica's own SVID (renewed at half-life). */
  public static final Duration DEFAULT_SVID_TTL = SvidIssuer.DEFAULT_TTL;

  /** Default lifetime of the SVIDs the CA service signs. */
  public static final Duration DEFAULT_WORKLOAD_SVID_TTL = SvidIssuer.DEFAULT_TTL;

  /** Default quiet time the push waits for a burst of catalog changes to settle. */
  public static final Duration DEFAULT_PUSH_DEBOUNCE = Duration.ofMillis(20);

  /** The state map holding one entry per running replica (key: Hazelcast member UUID). */
  static final String REPLICAS_STATE = "replicas";

  private static final Logger LOG = LoggerFactory.getLogger(FederationController.class);

  private final Builder settings;
  private final TrustDomain trustDomain;
  private final Vertx vertx;
  private final boolean ownsVertx;
  private final MeterRegistry registry;
  private final BundleSet bundles;
  private final List<ControllerExtension> extensions;
  private final ExecutorService blocking;
  private final List<Consumer<Boolean>> leadershipListeners = new CopyOnWriteArrayList<>();
  private final Router adminRouter;
  private final GrpcServer mtlsGrpc;
  private final GrpcServer bootstrapGrpc;
  private volatile HazelcastInstance member;
  private volatile Catalog catalog;
  private volatile MeshTls tls;
  private volatile HttpServer mtlsServer;
  private volatile HttpServer bootstrapServer;
  private volatile boolean leader;
  private volatile long svidTimer = -1;
  private volatile String replicaId;
  private List<UUID> bundleListener;
  private Context context;

  private FederationController(Builder b) {
    this.settings = b;
    this.trustDomain = b.ca.trustDomain();
    this.ownsVertx = b.vertx == null;
    this.vertx = b.vertx == null ? Vertx.vertx() : b.vertx;
    this.registry = b.registry == null ? new SimpleMeterRegistry() : b.registry;
    this.bundles = BundleSet.of(localBundle(b.ca));
    this.blocking =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "fedmesh-controller-" + b.cluster + "-blocking");
              t.setDaemon(true);
              return t;
            });
    this.adminRouter = Router.router(vertx);
    SpiffeId operator = SystemIdentities.operator(trustDomain);
    adminRouter
        .route()
        .handler(
            rc -> {
              Optional<SpiffeId> peer = MeshTls.peerId(rc.request().sslSession());
              if (peer.isPresent() && peer.get().equals(operator)) {
                rc.next();
              } else {
                rc.response()
                    .setStatusCode(403)
                    .putHeader("content-type", "application/json")
                    .end(
                        "{\"error\":\"the admin API is for "
                            + operator
                            + " only; this connection is "
                            + peer.map(SpiffeId::toString).orElse("anonymous")
                            + "\"}");
              }
            });
    this.mtlsGrpc = GrpcServer.server(vertx);
    this.bootstrapGrpc = GrpcServer.server(vertx);
    List<ControllerExtension> all = new ArrayList<>();
    all.add(new ProxyPush(b.pushDebounce));
    all.add(new CaService(b.workloadSvidTtl));
    all.add(new AdminApi());
    all.addAll(b.extensions);
    this.extensions = List.copyOf(all);
  }

  /** A builder for a replica of {@code cluster} whose CA is {@code ca}. */
  public static Builder builder(String cluster, CertificateAuthority ca) {
    return new Builder(cluster, ca);
  }

  static TrustBundle localBundle(CertificateAuthority ca) {
    return TrustBundle.of(ca.trustDomain(), List.of(ca.root()), 1, null);
  }

  /**
   * Starts the replica: joins (or forms) the Hazelcast cluster, publishes the CA's bundle, signs
   * its own SVID, installs the extensions, opens both listeners and registers itself in the
   * catalog. Completes with this controller.
   */
  public Future<FederationController> start() {
    return vertx
        .<Void>executeBlocking(
            () -> {
              startMember();
              return null;
            },
            false)
        .compose(v -> listen())
        .compose(v -> vertx.executeBlocking(() -> register(), false))
        .map(
            v -> {
              for (Consumer<FederationController> c : settings.onStarted) {
                c.accept(this);
              }
              LOG.info(
                  "controller replica {} of cluster {} up: mTLS {}:{}, bootstrap {}:{}, leader={}",
                  replicaId,
                  settings.cluster,
                  settings.host,
                  mtlsPort(),
                  settings.host,
                  bootstrapPort(),
                  leader);
              return this;
            });
  }

  private void startMember() {
    CatalogMember cm =
        new CatalogMember(
            settings.cluster, settings.host, settings.catalogPort, settings.catalogMembers);
    member = cm.start();
    catalog = Catalog.of(member);
    replicaId =
        settings.replicaId != null
            ? settings.replicaId
            : settings.host + ":" + settings.catalogPort;
    catalog.putBundle(localBundle(settings.ca));
    syncBundles();
    bundleListener =
        catalog.onChange(
            c -> {
              if (c.map().equals(Catalog.BUNDLES)) {
                blocking.execute(this::syncBundles);
              }
            });
    Svid svid = issueOwnSvid();
    tls =
        MeshTls.builder(svid, bundles)
            .clock(settings.clock)
            .meterRegistry(registry)
            .engine(settings.tlsEngine)
            .build();
    member
        .getCluster()
        .addMembershipListener(
            new MembershipListener() {
              @Override
              public void memberAdded(MembershipEvent e) {
                updateLeadership();
              }

              @Override
              public void memberRemoved(MembershipEvent e) {
                updateLeadership();
                blocking.execute(() -> forgetReplica(e.getMember()));
              }
            });
    leader = computeLeader();
    context = new Context();
    for (ControllerExtension e : extensions) {
      e.install(context);
    }
  }

  private void syncBundles() {
    try {
      List<TrustBundle> held = catalog.bundles();
      if (held.stream().anyMatch(b -> b.trustDomain().equals(trustDomain))) {
        bundles.replaceAll(held);
      }
    } catch (RuntimeException e) {
      LOG.warn("trust bundles in the catalog not applied: {}", e.getMessage());
    }
  }

  private Svid issueOwnSvid() {
    Svid svid =
        SvidIssuer.issueLocally(
            settings.ca,
            SystemIdentities.controller(trustDomain),
            KeyAlgorithm.EC_P256,
            settings.svidTtl);
    Duration half = Duration.between(settings.clock.instant(), svid.renewalTime(0.5)).plusMillis(1);
    long delay = Math.max(1000, half.toMillis());
    svidTimer =
        vertx.setTimer(
            delay,
            id ->
                blocking.execute(
                    () -> {
                      if (tls != null && member != null) {
                        tls.updateSvid(issueOwnSvid());
                      }
                    }));
    return svid;
  }

  private Future<Void> listen() {
    HttpServerOptions mtlsOptions =
        tls.configureServer(new HttpServerOptions())
            .setUseAlpn(true)
            .setHost(settings.host)
            .setPort(settings.mtlsPort);
    HttpServerOptions bootstrapOptions =
        tls.configureBootstrapServer(new HttpServerOptions())
            .setUseAlpn(true)
            .setHost(settings.host)
            .setPort(settings.bootstrapPort);
    mtlsServer =
        vertx
            .createHttpServer(mtlsOptions)
            .requestHandler(this::routeMtls)
            .exceptionHandler(tls.handshakeFailureHandler("controller-mtls"));
    bootstrapServer =
        vertx
            .createHttpServer(bootstrapOptions)
            .requestHandler(
                req -> {
                  if (isGrpc(req)) {
                    bootstrapGrpc.handle(req);
                  } else {
                    req.response().setStatusCode(404).end();
                  }
                })
            .exceptionHandler(tls.handshakeFailureHandler("controller-bootstrap"));
    return mtlsServer.listen().compose(s -> bootstrapServer.listen()).mapEmpty();
  }

  private void routeMtls(HttpServerRequest req) {
    if (isGrpc(req)) {
      mtlsGrpc.handle(req);
    } else {
      adminRouter.handle(req);
    }
  }

  private static boolean isGrpc(HttpServerRequest req) {
    String type = req.getHeader("content-type");
    return type != null && type.startsWith("application/grpc");
  }

  private Void register() {
    Map<String, Object> entry =
        Map.of(
            "replicaId",
            replicaId,
            "memberAddress",
            settings.host + ":" + settings.catalogPort,
            "host",
            settings.host,
            "mtlsPort",
            mtlsPort(),
            "bootstrapPort",
            bootstrapPort());
    catalog
        .state(REPLICAS_STATE)
        .set(member.getCluster().getLocalMember().getUuid().toString(), Catalog.encode(entry));
    registerService(PEERING_SERVICE, PEERING_PORT_NAME, PEERING_SERVICE_PORT, mtlsPort());
    registerService(
        BOOTSTRAP_SERVICE, BOOTSTRAP_PORT_NAME, BOOTSTRAP_SERVICE_PORT, bootstrapPort());
    return null;
  }

  private void registerService(String name, String portName, int servicePort, int listenerPort) {
    String ns = SystemIdentities.NAMESPACE;
    catalog.putService(
        new ServiceEntry(
            ns,
            name,
            List.of(new PortEntry(portName, servicePort, "tcp")),
            List.of(SystemIdentities.controller(trustDomain).toString()),
            true));
    catalog.putEndpoint(
        new EndpointEntry(
            ns,
            name,
            endpointId(replicaId),
            settings.host,
            listenerPort,
            settings.region,
            settings.zone,
            1,
            true,
            // A "tcp" port: the gateway splices its connections to tcpPort, here the listener.
            listenerPort));
  }

  /** An endpoint id from a replica id ({@code host:port} has a colon, which ids avoid). */
  static String endpointId(String replicaId) {
    return replicaId.replace(':', '-').replace('/', '-');
  }

  private void forgetReplica(Member gone) {
    if (!leader || member == null) {
      return;
    }
    try {
      IMap<String, String> replicas = catalog.state(REPLICAS_STATE);
      String json = replicas.remove(gone.getUuid().toString());
      if (json != null) {
        String id = endpointId(String.valueOf(Catalog.decode(json, Map.class).get("replicaId")));
        catalog.removeEndpoint(SystemIdentities.NAMESPACE, PEERING_SERVICE, id);
        catalog.removeEndpoint(SystemIdentities.NAMESPACE, BOOTSTRAP_SERVICE, id);
      }
    } catch (RuntimeException e) {
      LOG.warn("could not forget replica {}: {}", gone, e.getMessage());
    }
  }

  private boolean computeLeader() {
    HazelcastInstance m = member;
    if (m == null || !m.getLifecycleService().isRunning()) {
      return false;
    }
    Set<Member> members = m.getCluster().getMembers();
    return !members.isEmpty() && members.iterator().next().localMember();
  }

  private void updateLeadership() {
    boolean now = computeLeader();
    if (now != leader) {
      leader = now;
      LOG.info("controller replica {}: leader={}", replicaId, now);
      for (Consumer<Boolean> l : leadershipListeners) {
        l.accept(now);
      }
    }
  }

  /**
   * Stops the replica: closes the listeners (proxies reconnect to another replica), removes its
   * endpoints from the catalog, closes the extensions and leaves the Hazelcast cluster.
   */
  public Future<Void> stop() {
    if (svidTimer >= 0) {
      vertx.cancelTimer(svidTimer);
    }
    Future<Void> servers = Future.join(close(mtlsServer), close(bootstrapServer)).mapEmpty();
    return servers
        .compose(
            v -> {
              List<Future<Void>> closing = new ArrayList<>();
              for (ControllerExtension e : extensions) {
                closing.add(e.close());
              }
              return Future.join(closing).<Void>mapEmpty().recover(t -> Future.succeededFuture());
            })
        .compose(
            v ->
                vertx.executeBlocking(
                    () -> {
                      leaveCluster(true);
                      return null;
                    },
                    false))
        .compose(v -> ownsVertx ? vertx.close() : Future.succeededFuture());
  }

  /**
   * Kills the replica as a crash would: listeners and the Hazelcast member go at once, nothing is
   * deregistered (the leader cleans up after it). For failure tests.
   */
  public Future<Void> kill() {
    if (svidTimer >= 0) {
      vertx.cancelTimer(svidTimer);
    }
    return Future.join(close(mtlsServer), close(bootstrapServer))
        .compose(
            v ->
                vertx.executeBlocking(
                    () -> {
                      leaveCluster(false);
                      return null;
                    },
                    false))
        .<Void>mapEmpty()
        .compose(v -> ownsVertx ? vertx.close() : Future.succeededFuture());
  }

  private void leaveCluster(boolean graceful) {
    HazelcastInstance m = member;
    if (m == null) {
      return;
    }
    if (graceful && m.getLifecycleService().isRunning()) {
      try {
        String id = endpointId(replicaId);
        catalog.removeEndpoint(SystemIdentities.NAMESPACE, PEERING_SERVICE, id);
        catalog.removeEndpoint(SystemIdentities.NAMESPACE, BOOTSTRAP_SERVICE, id);
        catalog.state(REPLICAS_STATE).delete(m.getCluster().getLocalMember().getUuid().toString());
        if (bundleListener != null) {
          catalog.removeListener(bundleListener);
        }
      } catch (RuntimeException e) {
        LOG.warn("replica {}: deregistration incomplete: {}", replicaId, e.getMessage());
      }
      m.shutdown();
    } else {
      m.getLifecycleService().terminate();
    }
    member = null;
    blocking.shutdown();
    try {
      blocking.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Future<Void> close(HttpServer server) {
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** This cluster's catalog (valid after {@link #start}). */
  public Catalog catalog() {
    return catalog;
  }

  /** What extensions get; valid after {@link #start}. */
  public ControllerContext context() {
    return context;
  }

  /** The mTLS listener's bound port. */
  public int mtlsPort() {
    return mtlsServer == null ? -1 : mtlsServer.actualPort();
  }

  /** The bootstrap listener's bound port. */
  public int bootstrapPort() {
    return bootstrapServer == null ? -1 : bootstrapServer.actualPort();
  }

  public String replicaId() {
    return replicaId;
  }

  public boolean isLeader() {
    return leader;
  }

  public String cluster() {
    return settings.cluster;
  }

  public TrustDomain trustDomain() {
    return trustDomain;
  }

  private final class Context implements ControllerContext {
    @Override
    public Vertx vertx() {
      return vertx;
    }

    @Override
    public Catalog catalog() {
      return catalog;
    }

    @Override
    public String cluster() {
      return settings.cluster;
    }

    @Override
    public TrustDomain trustDomain() {
      return trustDomain;
    }

    @Override
    public CertificateAuthority ca() {
      return settings.ca;
    }

    @Override
    public BundleSet bundles() {
      return bundles;
    }

    @Override
    public MeshTls tls() {
      return tls;
    }

    @Override
    public Clock clock() {
      return settings.clock;
    }

    @Override
    public MeterRegistry meterRegistry() {
      return registry;
    }

    @Override
    public java.util.concurrent.Executor blockingExecutor() {
      return blocking;
    }

    @Override
    public String replicaId() {
      return replicaId;
    }

    @Override
    public boolean isLeader() {
      return leader;
    }

    @Override
    public void onLeadership(Consumer<Boolean> listener) {
      leadershipListeners.add(Objects.requireNonNull(listener, "listener"));
      listener.accept(leader);
    }

    @Override
    public List<Replica> replicas() {
      HazelcastInstance m = member;
      if (m == null) {
        return List.of();
      }
      IMap<String, String> state = catalog.state(REPLICAS_STATE);
      List<Replica> out = new ArrayList<>();
      boolean first = true;
      for (Member mem : m.getCluster().getMembers()) {
        String json = state.get(mem.getUuid().toString());
        String address = mem.getAddress().getHost() + ":" + mem.getAddress().getPort();
        if (json == null) {
          out.add(new Replica("(starting)", address, "", -1, -1, first));
        } else {
          Map<?, ?> r = Catalog.decode(json, Map.class);
          out.add(
              new Replica(
                  String.valueOf(r.get("replicaId")),
                  address,
                  String.valueOf(r.get("host")),
                  ((Number) r.get("mtlsPort")).intValue(),
                  ((Number) r.get("bootstrapPort")).intValue(),
                  first));
        }
        first = false;
      }
      return List.copyOf(out);
    }

    @Override
    public String host() {
      return settings.host;
    }

    @Override
    public int mtlsPort() {
      return FederationController.this.mtlsPort();
    }

    @Override
    public int bootstrapPort() {
      return FederationController.this.bootstrapPort();
    }

    @Override
    public void addMtlsService(Service service) {
      mtlsGrpc.addService(service);
    }

    @Override
    public void addBootstrapService(Service service) {
      bootstrapGrpc.addService(service);
    }

    @Override
    public Router adminRouter() {
      return adminRouter;
    }
  }

  /**
   * Builds a {@link FederationController}. Required: the cluster name and CA; the Hazelcast member
   * port and member list default to a single replica on an ephemeral-free fixed port only when
   * given.
   */
  public static final class Builder {
    private final String cluster;
    private final CertificateAuthority ca;
    private String host = DEFAULT_HOST;
    private int mtlsPort;
    private int bootstrapPort;
    private int catalogPort = -1;
    private List<String> catalogMembers = List.of();
    private String replicaId;
    private String region;
    private String zone;
    private Vertx vertx;
    private MeterRegistry registry;
    private Clock clock = Clock.systemUTC();
    private Duration svidTtl = DEFAULT_SVID_TTL;
    private Duration workloadSvidTtl = DEFAULT_WORKLOAD_SVID_TTL;
    private Duration pushDebounce = DEFAULT_PUSH_DEBOUNCE;
    private io.fedmesh.trust.tls.TlsEngine tlsEngine = io.fedmesh.trust.tls.TlsEngine.AUTO;
    private final List<ControllerExtension> extensions = new ArrayList<>();
    private final List<Consumer<FederationController>> onStarted = new ArrayList<>();

    Builder(String cluster, CertificateAuthority ca) {
      this.cluster = checkLabel("cluster", cluster);
      this.ca = Objects.requireNonNull(ca, "ca");
    }

    /**
     * The address both listeners and the Hazelcast member bind to; default {@value DEFAULT_HOST}.
     */
    public Builder host(String host) {
      if (host == null || host.isBlank()) {
        throw new IllegalArgumentException("host: '" + host + "' (expected: an address)");
      }
      this.host = host;
      return this;
    }

    /** The mTLS listener's port; 0 (default) picks a free one. */
    public Builder mtlsPort(int port) {
      this.mtlsPort = checkPort("mtlsPort", port, 0);
      return this;
    }

    /** The bootstrap listener's port; 0 (default) picks a free one. */
    public Builder bootstrapPort(int port) {
      this.bootstrapPort = checkPort("bootstrapPort", port, 0);
      return this;
    }

    /** This replica's Hazelcast member port (required, 1..65535). */
    public Builder catalogPort(int port) {
      this.catalogPort = checkPort("catalogPort", port, 1);
      return this;
    }

    /** Every replica's Hazelcast member {@code host:port}, this one included (required). */
    public Builder catalogMembers(List<String> members) {
      this.catalogMembers = List.copyOf(members);
      return this;
    }

    /** This replica's id; default {@code host:catalogPort}. */
    public Builder replicaId(String id) {
      if (id == null || id.isBlank() || id.length() > 128) {
        throw new IllegalArgumentException("replicaId: '" + id + "' (expected: 1..128 chars)");
      }
      this.replicaId = id;
      return this;
    }

    /**
     * The replica's region and zone, as its catalog endpoints report them; default: the cluster's
     * name for both.
     */
    public Builder locality(String region, String zone) {
      this.region = checkLabel("region", region);
      this.zone = checkLabel("zone", zone);
      return this;
    }

    /** Runs on this Vert.x instance (not closed on stop); default: an own instance. */
    public Builder vertx(Vertx vertx) {
      this.vertx = Objects.requireNonNull(vertx, "vertx");
      return this;
    }

    public Builder meterRegistry(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public Builder tlsEngine(io.fedmesh.trust.tls.TlsEngine engine) {
      this.tlsEngine = Objects.requireNonNull(engine, "tlsEngine");
      return this;
    }

    /** Lifetime of the replica's own SVID, 1 min..30 days; default 24h. */
    public Builder svidTtl(Duration ttl) {
      this.svidTtl = checkTtl("svidTtl", ttl);
      return this;
    }

    /** Lifetime of SVIDs the CA service signs, 1 min..30 days; default 24h. */
    public Builder workloadSvidTtl(Duration ttl) {
      this.workloadSvidTtl = checkTtl("workloadSvidTtl", ttl);
      return this;
    }

    /** Quiet time the push waits to coalesce a burst of changes, 0..1s; default 20 ms. */
    public Builder pushDebounce(Duration debounce) {
      if (debounce.isNegative() || debounce.compareTo(Duration.ofSeconds(1)) > 0) {
        throw new IllegalArgumentException("pushDebounce: " + debounce + " (expected: 0..1s)");
      }
      this.pushDebounce = debounce;
      return this;
    }

    /** Adds a gRPC service on the mTLS listener (client certificate required). */
    public Builder mtlsService(Service service) {
      Objects.requireNonNull(service, "service");
      return extension(ctx -> ctx.addMtlsService(service));
    }

    /** Adds a gRPC service on the bootstrap listener (no client certificate). */
    public Builder bootstrapService(Service service) {
      Objects.requireNonNull(service, "service");
      return extension(ctx -> ctx.addBootstrapService(service));
    }

    /** Adds admin API routes (operator identity only) on the mTLS listener. */
    public Builder adminRoutes(Consumer<Router> routes) {
      Objects.requireNonNull(routes, "routes");
      return extension(ctx -> routes.accept(ctx.adminRouter()));
    }

    /** Plugs in an extension (installed in the order added, after push, CA and admin). */
    public Builder extension(ControllerExtension extension) {
      extensions.add(Objects.requireNonNull(extension, "extension"));
      return this;
    }

    /** Runs {@code callback} once the replica is up and registered. */
    public Builder onStarted(Consumer<FederationController> callback) {
      onStarted.add(Objects.requireNonNull(callback, "callback"));
      return this;
    }

    public FederationController build() {
      if (catalogPort < 0) {
        throw new IllegalStateException("catalogPort: not set (expected: 1..65535)");
      }
      if (catalogMembers.isEmpty()) {
        catalogMembers = List.of(host + ":" + catalogPort);
      }
      if (region == null) {
        region = cluster;
        zone = cluster;
      }
      return new FederationController(this);
    }

    private static int checkPort(String name, int port, int min) {
      if (port < min || port > 65535) {
        throw new IllegalArgumentException(name + ": " + port + " (expected: " + min + "..65535)");
      }
      return port;
    }

    private static String checkLabel(String name, String value) {
      if (value == null || !value.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
        throw new IllegalArgumentException(
            name + ": '" + value + "' (expected: a DNS label, lower case, 1..63 chars)");
      }
      return value;
    }

    private static Duration checkTtl(String name, Duration ttl) {
      if (ttl.compareTo(Duration.ofMinutes(1)) < 0 || ttl.compareTo(Duration.ofDays(30)) > 0) {
        throw new IllegalArgumentException(name + ": " + ttl + " (expected: 1m..30d)");
      }
      return ttl;
    }
  }

  @Override
  public String toString() {
    return "FederationController[" + settings.cluster + " " + replicaId + "]";
  }
}
