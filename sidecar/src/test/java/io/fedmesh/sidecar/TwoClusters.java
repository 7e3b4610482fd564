package io.fedmesh.sidecar;

import io.fedmesh.gateway.EastWestGateway;
import io.fedmesh.proxy.model.AuthorizationPolicy;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.model.Protocol;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.ServicePort;
import io.fedmesh.sidecar.inbound.InboundProxy;
import io.fedmesh.sidecar.outbound.OutboundProxy;
import io.fedmesh.sidecar.tracing.SidecarTracing;
import io.fedmesh.sidecar.tracing.TracingOptions;
import io.fedmesh.testing.TestCalls;
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
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Two clusters on loopback, each with its own CA and trust domain and federated bundles: an app in
 * us-east calls through its outbound sidecar; {@code reviews} runs in both clusters behind inbound
 * sidecars, us-west's behind its east-west gateway (SNI passthrough). The apps answer {@code
 * "<cluster> caller=<peer identity>"} and keep the headers of every request they got.
 */
public final class TwoClusters implements AutoCloseable {
  public static final TrustDomain EAST = TrustDomain.of("us-east.fedmesh.local");
  public static final TrustDomain WEST = TrustDomain.of("us-west.fedmesh.local");
  public static final Locality EAST_A = new Locality("us-east", "us-east-1a", "us-east");
  public static final Locality WEST_A = new Locality("us-west", "us-west-1a", "us-west");
  public static final ServiceName REVIEWS = new ServiceName("reviews", "default");
  public static final SpiffeId FRONTEND =
      SpiffeId.parse("spiffe://us-east.fedmesh.local/ns/default/sa/frontend");

  /** The host that reaches us-west's reviews only, through its gateway. */
  public static final String WEST_REVIEWS_HOST = "reviews-us-west.default.svc.clusterset.local";

  private final CertificateAuthority eastCa = CertificateAuthority.builder(EAST).build();
  private final CertificateAuthority westCa = CertificateAuthority.builder(WEST).build();
  private final TrustBundle eastBundle = TrustBundle.of(EAST, List.of(eastCa.root()), 1, null);
  private final TrustBundle westBundle = TrustBundle.of(WEST, List.of(westCa.root()), 1, null);
  private final BundleSet eastSet = BundleSet.builder(eastBundle).add(westBundle).build();
  private final BundleSet westSet = BundleSet.builder(westBundle).add(eastBundle).build();
  private final Builder options;
  private final List<SidecarTracing> tracings = new ArrayList<>();

  /** The Vert.x instance everything runs on. */
  public final Vertx vertx = Vertx.vertx();

  /** Headers of each request the us-west and us-east reviews apps received, in order. */
  public final BlockingQueue<MultiMap> westAppRequests = new LinkedBlockingQueue<>();

  public final BlockingQueue<MultiMap> eastAppRequests = new LinkedBlockingQueue<>();

  private InboundProxy eastReviews;
  private OutboundProxy frontend;
  private ProxySnapshot frontendView;
  private EastWestGateway gateway;
  private int outboundPort;
  private int westInboundPort;
  private HttpClient app;

  private TwoClusters(Builder options) {
    this.options = options;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options for the fixture's sidecars; all optional. */
  public static final class Builder {
    private TracingOptions eastTracing;
    private TracingOptions westTracing;
    private MeterRegistry eastRegistry;
    private MeterRegistry westRegistry;

    private Builder() {}

    /** Tracing of us-east's frontend sidecar (outbound) and reviews sidecar (inbound). */
    public Builder eastTracing(TracingOptions o) {
      this.eastTracing = o;
      return this;
    }

    /** Tracing of us-west's reviews sidecar (inbound). */
    public Builder westTracing(TracingOptions o) {
      this.westTracing = o;
      return this;
    }

    /** Meters of us-east's frontend sidecar. */
    public Builder eastRegistry(MeterRegistry r) {
      this.eastRegistry = r;
      return this;
    }

    /** Meters of us-west's reviews sidecar. */
    public Builder westRegistry(MeterRegistry r) {
      this.westRegistry = r;
      return this;
    }

    public TwoClusters start() throws Exception {
      TwoClusters c = new TwoClusters(this);
      try {
        c.start();
      } catch (Exception e) {
        c.close();
        throw e;
      }
      return c;
    }
  }

  private static Svid svid(CertificateAuthority ca, String path) {
    return SvidIssuer.issueLocally(
        ca,
        SpiffeId.parse(ca.trustDomain().idString() + path),
        KeyAlgorithm.EC_P256,
        SvidIssuer.DEFAULT_TTL);
  }

  public static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  private int app(String cluster, BlockingQueue<MultiMap> requests) throws Exception {
    return await(
            vertx
                .createHttpServer(new HttpServerOptions())
                .requestHandler(
                    req -> {
                      requests.add(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
                      req.response()
                          .end(
                              cluster
                                  + " caller="
                                  + req.getHeader(InboundProxy.PEER_IDENTITY_HEADER));
                    })
                .listen(0, "127.0.0.1"))
        .actualPort();
  }

  private static Service reviews(List<Endpoint> endpoints) {
    return new Service(
        REVIEWS,
        List.of(new ServicePort("http", 9080, Protocol.HTTP)),
        List.of(
            SpiffeId.parse("spiffe://us-east.fedmesh.local/ns/default/sa/reviews"),
            SpiffeId.parse("spiffe://us-west.fedmesh.local/ns/default/sa/reviews")),
        true,
        endpoints);
  }

  private SidecarTracing tracing(TracingOptions o, Svid svid, Locality locality) {
    SidecarTracing t =
        o == null
            ? SidecarTracing.propagationOnly()
            : SidecarTracing.create(o, svid.id(), () -> locality);
    tracings.add(t);
    return t;
  }

  private void start() throws Exception {
    // us-west: reviews behind its inbound sidecar, exported through the gateway.
    Svid westReviewsSvid = svid(westCa, "/ns/default/sa/reviews");
    MeshTls westReviewsTls =
        MeshTls.builder(westReviewsSvid, westSet).meterRegistry(options.westRegistry).build();
    westInboundPort =
        await(
            InboundProxy.builder(vertx, westReviewsTls, app("us-west", westAppRequests))
                .listen("127.0.0.1", 0)
                .locality(() -> WEST_A)
                .meterRegistry(options.westRegistry)
                .tracing(tracing(options.westTracing, westReviewsSvid, WEST_A))
                .build()
                .start());
    Service westReviews =
        reviews(List.of(Endpoint.local("reviews-w1", "127.0.0.1", westInboundPort, WEST_A)));
    gateway =
        await(
            EastWestGateway.builder(
                    new ProxySnapshot(
                        1,
                        "us-west",
                        WEST_A,
                        Map.of(REVIEWS, westReviews),
                        Map.of(),
                        AuthorizationPolicy.ALLOW_MESH))
                .host("127.0.0.1")
                .port(0)
                .adminPort(0)
                .build()
                .start(vertx));
    // us-east: a local reviews replica, and us-west's as a summary behind its gateway.
    Svid eastReviewsSvid = svid(eastCa, "/ns/default/sa/reviews");
    MeshTls eastReviewsTls = MeshTls.builder(eastReviewsSvid, eastSet).build();
    eastReviews =
        InboundProxy.builder(vertx, eastReviewsTls, app("us-east", eastAppRequests))
            .listen("127.0.0.1", 0)
            .locality(() -> EAST_A)
            .tracing(tracing(options.eastTracing, eastReviewsSvid, EAST_A))
            .build();
    int eastInbound = await(eastReviews.start());
    Service eastView =
        reviews(
            List.of(
                Endpoint.local("reviews-e1", "127.0.0.1", eastInbound, EAST_A),
                new Endpoint(
                    "us-west/us-west-1a",
                    "127.0.0.1",
                    gateway.port(),
                    WEST_A,
                    1,
                    true,
                    Optional.of("reviews.default.9080.us-west.fedmesh"))));
    frontendView =
        new ProxySnapshot(
            1,
            "us-east",
            EAST_A,
            Map.of(REVIEWS, eastView),
            Map.of(),
            AuthorizationPolicy.ALLOW_MESH);
    Svid frontendSvid = svid(eastCa, "/ns/default/sa/frontend");
    MeshTls frontendTls =
        MeshTls.builder(frontendSvid, eastSet).meterRegistry(options.eastRegistry).build();
    frontend =
        OutboundProxy.builder(vertx, frontendTls, () -> frontendView)
            .listen("127.0.0.1", 0)
            .meterRegistry(options.eastRegistry)
            .tracing(tracing(options.eastTracing, frontendSvid, EAST_A))
            .build();
    outboundPort = await(frontend.start());
    app = vertx.createHttpClient(new HttpClientOptions());
  }

  /** us-east's local reviews sidecar. */
  public InboundProxy eastReviews() {
    return eastReviews;
  }

  /** us-east's frontend sidecar (outbound), and the config it runs on. */
  public OutboundProxy frontend() {
    return frontend;
  }

  public ProxySnapshot frontendView() {
    return frontendView;
  }

  /** us-west's east-west gateway. */
  public EastWestGateway gateway() {
    return gateway;
  }

  /** us-west's reviews inbound (mTLS) port. */
  public int westInboundPort() {
    return westInboundPort;
  }

  /** An answer the app got: status, headers, body. */
  public record Answer(int status, MultiMap headers, String body) {
    @Override
    public String toString() {
      return status + " " + body;
    }
  }

  /** A GET from the us-east app to {@code host} through its outbound sidecar: "status body". */
  public String get(String host) throws Exception {
    return call(host, Map.of()).toString();
  }

  /**
   * A GET from the us-east app to {@code host} with {@code headers}. The apps' request queues are
   * emptied first, so afterwards they hold this call's requests only (the same request twice when
   * {@link TestCalls} had to send it again).
   */
  public Answer call(String host, Map<String, String> headers) throws Exception {
    westAppRequests.clear();
    eastAppRequests.clear();
    RequestOptions ro =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setServer(SocketAddress.inetSocketAddress(outboundPort, "127.0.0.1"))
            .setHost(host)
            .setPort(9080)
            .setURI("/");
    headers.forEach(ro::putHeader);
    return TestCalls.call(
        vertx,
        ro,
        () ->
            app.request(ro)
                .compose(r -> r.send())
                .compose(
                    r ->
                        r.body()
                            .map(
                                b ->
                                    new Answer(
                                        r.statusCode(),
                                        MultiMap.caseInsensitiveMultiMap().addAll(r.headers()),
                                        b.toString()))));
  }

  /** Flushes and stops the sidecars' tracing, then closes everything. */
  @Override
  public void close() throws Exception {
    for (SidecarTracing t : tracings) {
      await(t.close());
    }
    await(vertx.close());
  }
}
