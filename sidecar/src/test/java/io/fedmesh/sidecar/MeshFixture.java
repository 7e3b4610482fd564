package io.fedmesh.sidecar;

import io.fedmesh.gateway.EastWestGateway;
import io.fedmesh.proxy.model.AuthorizationPolicy;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.HealthCheck;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.model.OutlierDetection;
import io.fedmesh.proxy.model.Protocol;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.ServicePort;
import io.fedmesh.proxy.model.TrafficPolicy;
import io.fedmesh.sidecar.inbound.InboundProxy;
import io.fedmesh.testing.TestCalls;
import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.ca.SvidIssuer;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.tls.MeshTls;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Two federated clusters on loopback for the sidecar's health and failover ITs: us-east (the
 * caller's) and us-west, each with its own CA and trust domain, each trusting the other's bundle;
 * {@code reviews} replicas (an app behind an inbound sidecar) whose app can be killed and revived
 * on the same port; us-west's east-west gateway; and calls through an outbound sidecar.
 */
public final class MeshFixture {
  public static final Locality EAST_A = new Locality("us-east", "us-east-1a", "us-east");
  public static final Locality EAST_B = new Locality("us-east", "us-east-1b", "us-east");
  public static final Locality WEST_A = new Locality("us-west", "us-west-1a", "us-west");
  public static final ServiceName REVIEWS = new ServiceName("reviews", "default");

  public final CertificateAuthority east =
      CertificateAuthority.builder(TrustDomain.of("us-east.fedmesh.local")).build();
  public final CertificateAuthority west =
      CertificateAuthority.builder(TrustDomain.of("us-west.fedmesh.local")).build();
  public final BundleSet eastBundles;
  public final BundleSet westBundles;
  private final Vertx vertx;

  public MeshFixture(Vertx vertx) {
    this.vertx = vertx;
    TrustBundle e = TrustBundle.of(east.trustDomain(), List.of(east.root()), 1, null);
    TrustBundle w = TrustBundle.of(west.trustDomain(), List.of(west.root()), 1, null);
    this.eastBundles = BundleSet.builder(e).add(w).build();
    this.westBundles = BundleSet.builder(w).add(e).build();
  }

  public static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  /** {@code spiffe://<ca's domain><path>}. */
  public static SpiffeId id(CertificateAuthority ca, String path) {
    return SpiffeId.parse(ca.trustDomain().idString() + path);
  }

  /** mTLS for a workload of {@code ca}'s cluster running as {@code path}. */
  public MeshTls tls(CertificateAuthority ca, String path) {
    return MeshTls.builder(
            SvidIssuer.issueLocally(ca, id(ca, path), KeyAlgorithm.EC_P256, SvidIssuer.DEFAULT_TTL),
            ca == east ? eastBundles : westBundles)
        .build();
  }

  /** The caller's (frontend's) mTLS in us-east. */
  public MeshTls frontendTls() {
    return tls(east, "/ns/default/sa/frontend");
  }

  /** {@code reviews} on HTTP port 9080, run by both clusters' reviews identity, exported. */
  public Service reviews(List<Endpoint> endpoints) {
    return new Service(
        REVIEWS,
        List.of(new ServicePort("http", 9080, Protocol.HTTP)),
        List.of(id(east, "/ns/default/sa/reviews"), id(west, "/ns/default/sa/reviews")),
        true,
        endpoints);
  }

  /** A snapshot of {@code service} (and its policy, if any) for a proxy in {@code locality}. */
  public static ProxySnapshot snapshot(
      long version, Locality locality, Service service, TrafficPolicy policy) {
    return new ProxySnapshot(
        version,
        locality.cluster(),
        locality,
        Map.of(service.name(), service),
        policy == null ? Map.of() : Map.of(service.name(), policy),
        AuthorizationPolicy.ALLOW_MESH);
  }

  /** The default policy with {@code healthCheck} and, if not null, {@code outlierDetection}. */
  public static TrafficPolicy policy(HealthCheck healthCheck, OutlierDetection outlierDetection) {
    TrafficPolicy d = TrafficPolicy.DEFAULT;
    return new TrafficPolicy(
        d.timeout(),
        d.retries(),
        outlierDetection == null ? d.outlierDetection() : outlierDetection,
        d.circuitBreaker(),
        healthCheck,
        d.locality());
  }

  /** A reviews replica of {@code ca}'s cluster whose app answers {@code name}. */
  public Replica replica(CertificateAuthority ca, String name) throws Exception {
    Replica r = new Replica(name);
    r.appPort = await(r.listen(0));
    r.inboundRegistry = new SimpleMeterRegistry();
    r.inbound =
        InboundProxy.builder(vertx, tls(ca, "/ns/default/sa/reviews"), r.appPort)
            .listen("127.0.0.1", 0)
            .meterRegistry(r.inboundRegistry)
            .build();
    r.inboundPort = await(r.inbound.start());
    return r;
  }

  /** us-west's east-west gateway routing to {@code westReviews}, started. */
  public EastWestGateway westGateway(Service westReviews) throws Exception {
    return await(
        EastWestGateway.builder(snapshot(1, WEST_A, westReviews, null))
            .host("127.0.0.1")
            .port(0)
            .adminPort(0)
            .build()
            .start(vertx));
  }

  /** us-west's reviews as us-east sees it: a summary of one healthy copy behind its gateway. */
  public static Endpoint westSummary(EastWestGateway gateway) {
    return new Endpoint(
        "us-west/us-west-1a",
        "127.0.0.1",
        gateway.port(),
        WEST_A,
        1,
        true,
        Optional.of("reviews.default.9080.us-west.fedmesh"));
  }

  /** Status and body of a GET through the outbound sidecar at {@code outboundPort}. */
  public static String get(
      Vertx vertx, HttpClient client, int outboundPort, String host, String uri) throws Exception {
    RequestOptions ro =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setServer(SocketAddress.inetSocketAddress(outboundPort, "127.0.0.1"))
            .setHost(host)
            .setPort(9080)
            .setURI(uri);
    return TestCalls.statusAndBody(vertx, client, ro);
  }

  /**
   * A reviews replica: an app answering its name (and {@code /healthz} as {@link #healthz} says)
   * behind its own inbound sidecar.
   */
  public final class Replica {
    public final String name;

    /** Requests the app served, {@code /healthz} not counted. */
    public final AtomicInteger served = new AtomicInteger();

    /** {@code /healthz} requests the app answered. */
    public final AtomicInteger healthzHits = new AtomicInteger();

    /** Runs before each {@code /healthz} answer, with the status about to be sent. */
    public volatile Consumer<Integer> onHealthz = status -> {};

    /** The status {@code /healthz} answers. */
    public volatile int healthz = 200;

    /** How long {@code /healthz} takes to answer. */
    public volatile Duration healthzDelay = Duration.ZERO;

    /**
     * Runs as each {@code /healthz} answer is about to be sent: before it can reach the prober, so
     * that a count kept with {@link #onHealthz} never sees the prober's next probe first.
     */
    public volatile Runnable beforeHealthzAnswer = () -> {};

    int appPort;
    int inboundPort;
    InboundProxy inbound;
    SimpleMeterRegistry inboundRegistry;
    private HttpServer app;

    Replica(String name) {
      this.name = name;
    }

    private Future<Integer> listen(int port) {
      app = vertx.createHttpServer(new HttpServerOptions()).requestHandler(this::serve);
      return app.listen(port, "127.0.0.1").map(HttpServer::actualPort);
    }

    private void serve(HttpServerRequest req) {
      if (req.path().equals("/healthz")) {
        int status = healthz;
        onHealthz.accept(status);
        healthzHits.incrementAndGet();
        Runnable answer =
            () -> {
              beforeHealthzAnswer.run();
              req.response().setStatusCode(status).end();
            };
        if (healthzDelay.isZero()) {
          answer.run();
        } else {
          vertx.setTimer(healthzDelay.toMillis(), t -> answer.run());
        }
        return;
      }
      served.incrementAndGet();
      req.response().end(name);
    }

    /** This replica as a local endpoint in {@code locality}. */
    public Endpoint endpoint(Locality locality) {
      return Endpoint.local(name, "127.0.0.1", inboundPort, locality);
    }

    /** Closes the app's server and its connections; the inbound sidecar stays up. */
    public void killApp() throws Exception {
      await(app.close());
    }

    /** Listens again on the app's port. */
    public void reviveApp() throws Exception {
      await(listen(appPort));
    }

    /** Requests the inbound sidecar forwarded or refused (health probes are not counted). */
    public long inboundRequests() {
      return inboundRegistry.find("fedmesh.inbound.requests").timers().stream()
          .mapToLong(Timer::count)
          .sum();
    }

    /** Stops the inbound sidecar. */
    public void closeInbound() throws Exception {
      await(inbound.close());
    }
  }

  /**
   * A health check every {@code interval} with the given thresholds and path, and a 2 s timeout: a
   * loaded CI machine can take longer than the default 500 ms for a first TLS handshake, and these
   * tests kill apps (an instant 503), they do not time out.
   */
  public static HealthCheck healthCheck(
      Duration interval, int unhealthy, int healthy, String path) {
    return new HealthCheck(interval, Duration.ofSeconds(2), unhealthy, healthy, path);
  }
}
