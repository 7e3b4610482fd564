package io.fedmesh.sidecar.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.gateway.EastWestGateway;
import io.fedmesh.proxy.model.AuthorizationPolicy;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.model.Protocol;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.ServicePort;
import io.fedmesh.sidecar.TestCalls;
import io.fedmesh.sidecar.inbound.InboundProxy;
import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.ca.SvidIssuer;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.Svid;
import io.fedmesh.trust.tls.MeshTls;
import io.vertx.core.Future;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two clusters on loopback, each with its own CA and trust domain and federated bundles: app →
 * outbound sidecar (us-east) → mTLS through us-west's east-west gateway (SNI passthrough) → inbound
 * sidecar (us-west) → app.
 */
class CrossClusterIT {
  private static final TrustDomain EAST = TrustDomain.of("us-east.fedmesh.local");
  private static final TrustDomain WEST = TrustDomain.of("us-west.fedmesh.local");
  private static final Locality EAST_A = new Locality("us-east", "us-east-1a", "us-east");
  private static final Locality WEST_A = new Locality("us-west", "us-west-1a", "us-west");
  private static final ServiceName REVIEWS = new ServiceName("reviews", "default");
  private final CertificateAuthority eastCa = CertificateAuthority.builder(EAST).build();
  private final CertificateAuthority westCa = CertificateAuthority.builder(WEST).build();
  private final TrustBundle eastBundle = TrustBundle.of(EAST, List.of(eastCa.root()), 1, null);
  private final TrustBundle westBundle = TrustBundle.of(WEST, List.of(westCa.root()), 1, null);
  private final BundleSet eastSet = BundleSet.builder(eastBundle).add(westBundle).build();
  private final BundleSet westSet = BundleSet.builder(westBundle).add(eastBundle).build();
  private Vertx vertx;
  private InboundProxy eastReviews;
  private int outboundPort;
  private HttpClient app;

  private static Svid svid(CertificateAuthority ca, String path) {
    return SvidIssuer.issueLocally(
        ca,
        SpiffeId.parse(ca.trustDomain().idString() + path),
        KeyAlgorithm.EC_P256,
        SvidIssuer.DEFAULT_TTL);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  private int app(String cluster) throws Exception {
    return await(
            vertx
                .createHttpServer(new HttpServerOptions())
                .requestHandler(
                    req ->
                        req.response()
                            .end(
                                cluster
                                    + " caller="
                                    + req.getHeader(InboundProxy.PEER_IDENTITY_HEADER)))
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

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    // us-west: reviews behind its inbound sidecar, exported through the gateway.
    MeshTls westReviewsTls =
        MeshTls.builder(svid(westCa, "/ns/default/sa/reviews"), westSet).build();
    int westInbound =
        await(
            InboundProxy.builder(vertx, westReviewsTls, app("us-west"))
                .listen("127.0.0.1", 0)
                .build()
                .start());
    Service westReviews =
        reviews(List.of(Endpoint.local("reviews-w1", "127.0.0.1", westInbound, WEST_A)));
    EastWestGateway gateway =
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
    MeshTls eastReviewsTls =
        MeshTls.builder(svid(eastCa, "/ns/default/sa/reviews"), eastSet).build();
    eastReviews =
        InboundProxy.builder(vertx, eastReviewsTls, app("us-east")).listen("127.0.0.1", 0).build();
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
    ProxySnapshot frontendView =
        new ProxySnapshot(
            1,
            "us-east",
            EAST_A,
            Map.of(REVIEWS, eastView),
            Map.of(),
            AuthorizationPolicy.ALLOW_MESH);
    MeshTls frontendTls = MeshTls.builder(svid(eastCa, "/ns/default/sa/frontend"), eastSet).build();
    outboundPort =
        await(
            OutboundProxy.builder(vertx, frontendTls, () -> frontendView)
                .listen("127.0.0.1", 0)
                .build()
                .start());
    app = vertx.createHttpClient(new HttpClientOptions());
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  private String get(String host) throws Exception {
    RequestOptions ro =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setServer(SocketAddress.inetSocketAddress(outboundPort, "127.0.0.1"))
            .setHost(host)
            .setPort(9080)
            .setURI("/");
    return TestCalls.statusAndBody(app, ro);
  }

  @Test
  void clusterSetServiceIsServedLocallyWhileLocalIsHealthy() throws Exception {
    for (int i = 0; i < 10; i++) {
      assertThat(get("reviews.default.svc.clusterset.local"))
          .isEqualTo("200 us-east caller=spiffe://us-east.fedmesh.local/ns/default/sa/frontend");
    }
  }

  @Test
  void oneClusterHostCrossesTheGatewayWithIdentityEndToEnd() throws Exception {
    // The west app sees the east caller's SPIFFE ID: the gateway passed TLS through untouched.
    assertThat(get("reviews-us-west.default.svc.clusterset.local"))
        .isEqualTo("200 us-west caller=spiffe://us-east.fedmesh.local/ns/default/sa/frontend");
  }

  @Test
  void localOutageFailsOverToTheOtherClusterWithZeroFailedRequestsAndClusterLocalStaysLocal()
      throws Exception {
    await(eastReviews.close());
    List<String> results = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      results.add(get("reviews.default.svc.clusterset.local"));
    }
    assertThat(results)
        .allMatch(
            r ->
                r.equals(
                    "200 us-west caller=spiffe://us-east.fedmesh.local/ns/default/sa/frontend"));
    assertThat(get("reviews.default.svc.cluster.local")).startsWith("503");
  }
}
