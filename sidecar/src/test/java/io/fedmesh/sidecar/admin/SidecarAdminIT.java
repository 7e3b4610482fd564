package io.fedmesh.sidecar.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedmesh.proxy.model.AuthorizationPolicy;
import io.fedmesh.proxy.model.CircuitBreaker;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.HealthCheck;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.model.LocalityFailover;
import io.fedmesh.proxy.model.OutlierDetection;
import io.fedmesh.proxy.model.Protocol;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.RetryPolicy;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.ServicePort;
import io.fedmesh.proxy.model.TrafficPolicy;
import io.fedmesh.sidecar.inbound.InboundProxy;
import io.fedmesh.sidecar.outbound.OutboundProxy;
import io.fedmesh.testing.TestCalls;
import io.fedmesh.trust.KeyAlgorithm;
import io.fedmesh.trust.bundle.BundleSet;
import io.fedmesh.trust.bundle.TrustBundle;
import io.fedmesh.trust.ca.Attestor;
import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.ca.Entitlement;
import io.fedmesh.trust.ca.OperatorCredential;
import io.fedmesh.trust.ca.SvidIssuer;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;
import io.fedmesh.trust.svid.CertificateRequest;
import io.fedmesh.trust.svid.Svid;
import io.fedmesh.trust.tls.MeshTls;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin listener in front of a real outbound → inbound → app path on loopback. */
class SidecarAdminIT {
  private static final TrustDomain EAST = TrustDomain.of("us-east.fedmesh.local");
  private static final Locality ZONE_A = new Locality("us-east", "us-east-1a", "us-east");
  private static final Locality ZONE_B = new Locality("us-east", "us-east-1b", "us-east");
  private static final SpiffeId REVIEWS =
      SpiffeId.parse("spiffe://us-east.fedmesh.local/ns/default/sa/reviews");
  private static final ObjectMapper JSON = new ObjectMapper();
  private final CertificateAuthority ca = CertificateAuthority.builder(EAST).build();
  private final BundleSet bundles = BundleSet.of(TrustBundle.of(EAST, List.of(ca.root()), 1, null));
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicBoolean ready = new AtomicBoolean(true);
  private Vertx vertx;
  private int outboundPort;
  private int adminPort;
  private HttpClient client;

  private Svid svid(SpiffeId id) {
    CertificateRequest csr = CertificateRequest.create(id, KeyAlgorithm.EC_P256);
    SvidIssuer issuer =
        SvidIssuer.builder(ca).attestor(Attestor.operator(op -> Entitlement.anyIn(EAST))).build();
    return Svid.of(
        csr.keyPair().getPrivate(), issuer.issue(csr.der(), new OperatorCredential("t")));
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    int appPort =
        await(
                vertx
                    .createHttpServer(new HttpServerOptions())
                    .requestHandler(req -> req.body().onSuccess(b -> req.response().end("ok")))
                    .listen(0, "127.0.0.1"))
            .actualPort();
    InboundProxy inbound =
        InboundProxy.builder(vertx, MeshTls.builder(svid(REVIEWS), bundles).build(), appPort)
            .listen("127.0.0.1", 0)
            .build();
    int inboundPort = await(inbound.start());
    Service reviews =
        new Service(
            new ServiceName("reviews", "default"),
            List.of(new ServicePort("http", 9080, Protocol.HTTP)),
            List.of(REVIEWS),
            false,
            List.of(
                Endpoint.local("reviews-a", "127.0.0.1", inboundPort, ZONE_A),
                Endpoint.local("reviews-b", "127.0.0.1", inboundPort, ZONE_B)));
    ProxySnapshot snapshot =
        new ProxySnapshot(
            7,
            "us-east",
            ZONE_A,
            Map.of(reviews.name(), reviews),
            Map.of(
                reviews.name(),
                new TrafficPolicy(
                    TrafficPolicy.DEFAULT_TIMEOUT,
                    RetryPolicy.DEFAULT,
                    OutlierDetection.DEFAULT,
                    CircuitBreaker.DEFAULT,
                    HealthCheck.DEFAULT,
                    new LocalityFailover(Map.of("us-east", List.of("us-west")), 1.4))),
            AuthorizationPolicy.ALLOW_MESH);
    MeshTls frontendTls =
        MeshTls.builder(
                svid(SpiffeId.parse("spiffe://us-east.fedmesh.local/ns/default/sa/frontend")),
                bundles)
            .build();
    OutboundProxy outbound =
        OutboundProxy.builder(vertx, frontendTls, () -> snapshot)
            .listen("127.0.0.1", 0)
            .meterRegistry(registry)
            .build();
    outboundPort = await(outbound.start());
    adminPort =
        await(
            SidecarAdmin.builder(vertx, () -> snapshot, outbound, registry, ready::get)
                .listen("127.0.0.1", 0)
                .build()
                .start());
    client = vertx.createHttpClient(new HttpClientOptions());
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  private String get(int port, String host, String uri) throws Exception {
    RequestOptions ro =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setServer(SocketAddress.inetSocketAddress(port, "127.0.0.1"))
            .setHost(host)
            .setPort(port)
            .setURI(uri);
    return TestCalls.statusAndBody(vertx, client, ro);
  }

  private String admin(String path) throws Exception {
    return get(adminPort, "127.0.0.1", path);
  }

  private JsonNode adminJson(String path) throws Exception {
    String r = admin(path);
    assertThat(r).startsWith("200 ");
    return JSON.readTree(r.substring(4));
  }

  private void callThroughOutbound() throws Exception {
    assertThat(get(outboundPort, "reviews.default.svc.cluster.local", "/reviews/1"))
        .isEqualTo("200 ok");
  }

  @Test
  void readyFollowsTheListeners() throws Exception {
    assertThat(admin("/ready")).startsWith("200");
    ready.set(false);
    assertThat(admin("/ready")).startsWith("503");
  }

  @Test
  void liveIs200() throws Exception {
    assertThat(admin("/live")).startsWith("200");
  }

  @Test
  void unknownPathIs404() throws Exception {
    assertThat(admin("/nope")).startsWith("404");
  }

  @Test
  void metricsHaveTheOutboundMeterAfterOneRequest() throws Exception {
    callThroughOutbound();
    String metrics = admin("/metrics");
    assertThat(metrics).startsWith("200 ").contains("fedmesh_requests_seconds_count{");
  }

  @Test
  void configShowsTheSnapshot() throws Exception {
    JsonNode c = adminJson("/config");
    assertThat(c.get("version").asLong()).isEqualTo(7);
    assertThat(c.get("cluster").asText()).isEqualTo("us-east");
    assertThat(c.at("/locality/zone").asText()).isEqualTo("us-east-1a");
    JsonNode svc = c.get("services").get(0);
    assertThat(svc.get("name").asText()).isEqualTo("default/reviews");
    assertThat(svc.at("/ports/0/port").asInt()).isEqualTo(9080);
    assertThat(svc.at("/ports/0/protocol").asText()).isEqualTo("http");
    assertThat(svc.at("/identities/0").asText()).isEqualTo(REVIEWS.toString());
    assertThat(svc.get("endpoints")).hasSize(2);
    assertThat(svc.at("/endpoints/0/id").asText()).isEqualTo("reviews-a");
    assertThat(c.at("/authorization/defaultAction").asText()).isEqualTo("allow");
    JsonNode policy = c.at("/policies/default~1reviews");
    assertThat(policy.at("/locality/failover/0/from").asText()).isEqualTo("us-east");
    assertThat(policy.at("/locality/failover/0/to/0").asText()).isEqualTo("us-west");
    assertThat(policy.at("/locality/failoverPriority").toString())
        .isEqualTo("[\"region\",\"cluster\",\"zone\"]");
    assertThat(policy.at("/retries/perTryTimeout").asText()).isNotEmpty();
  }

  @Test
  void clustersShowTheOutboundRoutingState() throws Exception {
    assertThat(adminJson("/clusters").get("services")).isEmpty();
    callThroughOutbound();
    JsonNode svc = adminJson("/clusters").get("services").get(0);
    assertThat(svc.get("name").asText()).isEqualTo("default/reviews");
    JsonNode a = svc.at("/endpoints/0");
    assertThat(a.get("id").asText()).isEqualTo("reviews-a");
    assertThat(a.get("address").asText()).startsWith("127.0.0.1:");
    assertThat(a.at("/locality/zone").asText()).isEqualTo("us-east-1a");
    assertThat(a.get("weight").asInt()).isEqualTo(1);
    assertThat(a.get("healthy").asBoolean()).isTrue();
    assertThat(a.get("ejected").asBoolean()).isFalse();
    assertThat(a.get("lastEjectionTime").asText()).isEqualTo("PT0S");
    assertThat(a.get("activeHealthy").asBoolean()).isTrue();
    assertThat(a.get("activeRequests").asInt()).isZero();
    assertThat(svc.get("priorities")).hasSize(2);
    assertThat(svc.at("/priorities/0/proximity").asText()).isEqualTo("same_zone");
    assertThat(svc.at("/priorities/0/loadPercent").asDouble()).isEqualTo(100.0);
    assertThat(svc.at("/priorities/1/loadPercent").asDouble()).isEqualTo(0.0);
  }
}
