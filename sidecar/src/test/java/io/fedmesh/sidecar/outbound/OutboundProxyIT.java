package io.fedmesh.sidecar.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.proxy.model.AuthorizationPolicy;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.model.Protocol;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.ServicePort;
import io.fedmesh.sidecar.inbound.InboundProxy;
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
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * app → outbound sidecar → mTLS → inbound sidecar → app, in one cluster with two zones, on loopback
 * with real TLS.
 */
class OutboundProxyIT {
  private static final TrustDomain EAST = TrustDomain.of("us-east.fedmesh.local");
  private static final Locality ZONE_A = new Locality("us-east", "us-east-1a", "us-east");
  private static final Locality ZONE_B = new Locality("us-east", "us-east-1b", "us-east");
  private static final SpiffeId REVIEWS =
      SpiffeId.parse("spiffe://us-east.fedmesh.local/ns/default/sa/reviews");
  private final CertificateAuthority ca = CertificateAuthority.builder(EAST).build();
  private final BundleSet bundles = BundleSet.of(TrustBundle.of(EAST, List.of(ca.root()), 1, null));
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final AtomicReference<ProxySnapshot> snapshot = new AtomicReference<>();
  private Vertx vertx;
  private InboundProxy inboundA;
  private int outboundPort;
  private HttpClient app;

  private Svid svid(SpiffeId id) {
    return SvidIssuer.issueLocally(ca, id, KeyAlgorithm.EC_P256, SvidIssuer.DEFAULT_TTL);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  /** A GET of {@code uri} on reviews (cluster-local name) through the outbound listener. */
  private RequestOptions reviewsRequest(String uri) {
    return new RequestOptions()
        .setServer(SocketAddress.inetSocketAddress(outboundPort, "127.0.0.1"))
        .setHost("reviews.default.svc.cluster.local")
        .setPort(9080)
        .setURI(uri);
  }

  /**
   * Puts {@code appPort}'s app behind an inbound sidecar, endpoint {@code endpoint} of reviews in
   * zone a, and starts the outbound ({@link #outboundPort}) with HTTP/1.x upgraded or not.
   */
  private void meshTo(int appPort, String endpoint, boolean upgradeHttp1) throws Exception {
    MeshTls tls = MeshTls.builder(svid(REVIEWS), bundles).build();
    int inboundPort =
        await(InboundProxy.builder(vertx, tls, appPort).listen("127.0.0.1", 0).build().start());
    snapshot.set(
        snapshot(
            List.of(Endpoint.local(endpoint, "127.0.0.1", inboundPort, ZONE_A)), List.of(REVIEWS)));
    outboundPort = startOutbound(upgradeHttp1);
  }

  /** The port of a plain HTTP app on loopback serving with {@code handler}. */
  private int plainApp(io.vertx.core.Handler<io.vertx.core.http.HttpServerRequest> handler)
      throws Exception {
    return await(
            vertx
                .createHttpServer(new HttpServerOptions())
                .requestHandler(handler)
                .listen(0, "127.0.0.1"))
        .actualPort();
  }

  /** A reviews replica: an app answering with its zone, behind an inbound sidecar. */
  private InboundProxy replica(String zone, int[] port) throws Exception {
    int appPort =
        await(
                vertx
                    .createHttpServer(new HttpServerOptions())
                    .requestHandler(
                        req ->
                            req.body()
                                .onSuccess(
                                    b ->
                                        req.response()
                                            .putHeader("x-zone", zone)
                                            .end(zone + ":" + req.method() + ":" + b)))
                    .listen(0, "127.0.0.1"))
            .actualPort();
    MeshTls tls = MeshTls.builder(svid(REVIEWS), bundles).build();
    InboundProxy inbound = InboundProxy.builder(vertx, tls, appPort).listen("127.0.0.1", 0).build();
    port[0] = await(inbound.start());
    return inbound;
  }

  private ProxySnapshot snapshot(List<Endpoint> endpoints, List<SpiffeId> identities) {
    Service reviews =
        new Service(
            new ServiceName("reviews", "default"),
            List.of(new ServicePort("http", 9080, Protocol.HTTP)),
            identities,
            false,
            endpoints);
    return new ProxySnapshot(
        1,
        "us-east",
        ZONE_A,
        Map.of(reviews.name(), reviews),
        Map.of(),
        AuthorizationPolicy.ALLOW_MESH);
  }

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    int[] a = new int[1];
    int[] b = new int[1];
    inboundA = replica("us-east-1a", a);
    replica("us-east-1b", b);
    snapshot.set(
        snapshot(
            List.of(
                Endpoint.local("reviews-a", "127.0.0.1", a[0], ZONE_A),
                Endpoint.local("reviews-b", "127.0.0.1", b[0], ZONE_B)),
            List.of(REVIEWS)));
    outboundPort = startOutbound(false);
    app = vertx.createHttpClient(new HttpClientOptions());
  }

  /** The frontend's outbound sidecar on a free port, recording into {@code registry}. */
  private int startOutbound(boolean upgradeHttp1) throws Exception {
    MeshTls frontendTls =
        MeshTls.builder(
                svid(SpiffeId.parse("spiffe://us-east.fedmesh.local/ns/default/sa/frontend")),
                bundles)
            .build();
    return await(
        OutboundProxy.builder(vertx, frontendTls, snapshot::get)
            .listen("127.0.0.1", 0)
            .meterRegistry(registry)
            .upgradeHttp1ToHttp2(upgradeHttp1)
            .build()
            .start());
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  /** Status and body of one call from the app through its outbound sidecar. */
  private String call(HttpClient client, HttpMethod method, String host, String body)
      throws Exception {
    RequestOptions ro =
        new RequestOptions()
            .setMethod(method)
            .setServer(SocketAddress.inetSocketAddress(outboundPort, "127.0.0.1"))
            .setHost(host)
            .setPort(9080)
            .setURI("/reviews/1");
    return TestCalls.call(
        vertx,
        ro,
        () ->
            client
                .request(ro)
                .compose(r -> r.send(Buffer.buffer(body)))
                .compose(r -> r.body().map(b -> r.statusCode() + " " + b)));
  }

  /** A snapshot like {@code base} at another version, with {@code identities} for reviews. */
  private static ProxySnapshot pushed(ProxySnapshot base, long version, List<SpiffeId> identities) {
    Service r = base.services().values().iterator().next();
    Service changed = new Service(r.name(), r.ports(), identities, r.exported(), r.endpoints());
    return new ProxySnapshot(
        version,
        base.cluster(),
        base.locality(),
        Map.of(changed.name(), changed),
        base.policies(),
        base.inbound());
  }

  /**
   * The default policy for reviews with {@code breaker} and a 10 s per-try deadline: for tests
   * whose app holds a request on purpose while the test goes on, so that a slow machine cannot turn
   * the hold into a per-try timeout (default 1 s) and a retry.
   */
  private static Map<ServiceName, io.fedmesh.proxy.model.TrafficPolicy> patientReviews(
      io.fedmesh.proxy.model.CircuitBreaker breaker) {
    io.fedmesh.proxy.model.TrafficPolicy d = io.fedmesh.proxy.model.TrafficPolicy.DEFAULT;
    io.fedmesh.proxy.model.RetryPolicy r = d.retries();
    return Map.of(
        new ServiceName("reviews", "default"),
        new io.fedmesh.proxy.model.TrafficPolicy(
            d.timeout(),
            new io.fedmesh.proxy.model.RetryPolicy(
                r.attempts(),
                Duration.ofSeconds(10),
                r.retryOn(),
                r.retriableStatusCodes(),
                r.budgetPercent(),
                r.minRetriesPerSecond()),
            d.outlierDetection(),
            breaker,
            d.healthCheck(),
            d.locality()));
  }

  /** {@code base} with {@code policies}, at {@code version}. */
  private static ProxySnapshot withPolicies(
      ProxySnapshot base,
      long version,
      Map<ServiceName, io.fedmesh.proxy.model.TrafficPolicy> policies) {
    return new ProxySnapshot(
        version, base.cluster(), base.locality(), base.services(), policies, base.inbound());
  }

  @Test
  void http1FromTheAppGoesUpstreamAsHttp11UnlessUpgradedAndHttp2AlwaysAsHttp2() throws Exception {
    // An upstream that answers with the protocol each request arrived in, with the same mTLS and
    // ALPN (h2, http/1.1) as an inbound sidecar.
    MeshTls serverTls = MeshTls.builder(svid(REVIEWS), bundles).build();
    HttpServerOptions options =
        serverTls
            .configureServer(new HttpServerOptions())
            .setUseAlpn(true)
            .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1));
    int upstream =
        await(
                vertx
                    .createHttpServer(options)
                    .requestHandler(req -> req.response().end(req.version().name()))
                    .listen(0, "127.0.0.1"))
            .actualPort();
    snapshot.set(
        snapshot(
            List.of(Endpoint.local("reviews-v", "127.0.0.1", upstream, ZONE_A)), List.of(REVIEWS)));
    HttpClient h2cApp =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
    String host = "reviews.default.svc.cluster.local";

    assertThat(call(app, HttpMethod.GET, host, "")).isEqualTo("200 HTTP_1_1");
    assertThat(call(app, HttpMethod.POST, host, "x")).isEqualTo("200 HTTP_1_1");
    assertThat(call(h2cApp, HttpMethod.GET, host, "")).isEqualTo("200 HTTP_2");

    outboundPort = startOutbound(true);
    assertThat(call(app, HttpMethod.GET, host, "")).isEqualTo("200 HTTP_2");
    assertThat(call(app, HttpMethod.POST, host, "x")).isEqualTo("200 HTTP_2");
    assertThat(call(h2cApp, HttpMethod.GET, host, "")).isEqualTo("200 HTTP_2");
  }

  /**
   * HTTP/1.1 apps on both ends of an upgraded (HTTP/2) hop see HTTP/1.1 framing as if the hop were
   * HTTP/1.1: a bodiless GET arrives with no chunked encoding, and a response's Content-Length
   * survives — for a body written in several pieces and for HEAD.
   */
  @ParameterizedTest(name = "upgradeHttp1={0}")
  @ValueSource(booleans = {true, false})
  void http1AppsKeepTheirFramingAcrossTheHop(boolean upgradeHttp1) throws Exception {
    int size = 200 * 1024;
    Buffer piece = Buffer.buffer(new byte[size / 4]);
    AtomicReference<String> framing = new AtomicReference<>();
    int appPort =
        plainApp(
            req -> {
              framing.set(
                  "te="
                      + req.getHeader("transfer-encoding")
                      + " cl="
                      + req.getHeader("content-length"));
              var resp = req.response().putHeader("content-length", "" + size);
              if (req.method() == HttpMethod.HEAD) {
                resp.end();
                return;
              }
              // Four writes, apart in time: the body crosses the hop in pieces.
              resp.write(piece);
              vertx.setTimer(5, t1 -> resp.write(piece));
              vertx.setTimer(10, t2 -> resp.write(piece));
              vertx.setTimer(15, t3 -> resp.end(piece));
            });
    meshTo(appPort, "reviews-f", upgradeHttp1);

    for (HttpMethod method : List.of(HttpMethod.GET, HttpMethod.HEAD)) {
      RequestOptions ro = reviewsRequest("/big").setMethod(method);
      String seen =
          TestCalls.call(
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
                                          r.statusCode()
                                              + " cl="
                                              + r.getHeader("content-length")
                                              + " te="
                                              + r.getHeader("transfer-encoding")
                                              + " bytes="
                                              + b.length())));
      int bytes = method == HttpMethod.HEAD ? 0 : size;
      assertThat(seen).as(method.name()).isEqualTo("200 cl=" + size + " te=null bytes=" + bytes);
      assertThat(framing.get()).as("at the app, " + method).startsWith("te=null ");
    }
  }

  /**
   * A large body crosses both sidecars byte for byte, on either protocol between them, written by
   * the app in pieces of uneven sizes (many in one task, thousands of them one byte long, so the
   * relays gather chunks into writes, and some apart in time) and read back whole.
   */
  @ParameterizedTest(name = "upgradeHttp1={0}")
  @ValueSource(booleans = {true, false})
  void largeBodiesArriveIntactWhateverTheirPieces(boolean upgradeHttp1) throws Exception {
    byte[] body = Payloads.random(3 * 1024 * 1024 + 17);
    int appPort =
        plainApp(
            req -> {
              var resp = req.response().setChunked(true);
              int at = 0;
              int step = 1;
              // Thousands of 1-byte pieces and a burst of pieces from 1 byte to 64 KiB in one
              // task (they reach the relays many to a read), then the rest later.
              for (; at < 5000; at++) {
                resp.write(Buffer.buffer(new byte[] {body[at]}));
              }
              while (at < body.length / 2) {
                int n = Math.min(step, body.length - at);
                resp.write(Buffer.buffer(java.util.Arrays.copyOfRange(body, at, at + n)));
                at += n;
                step = step >= 64 * 1024 ? 1 : step * 3 + 1;
              }
              int half = at;
              vertx.setTimer(
                  5,
                  t ->
                      resp.end(
                          Buffer.buffer(java.util.Arrays.copyOfRange(body, half, body.length))));
            });
    meshTo(appPort, "reviews-l", upgradeHttp1);
    RequestOptions ro = reviewsRequest("/large");
    Buffer got =
        TestCalls.call(
            vertx, ro, () -> app.request(ro).compose(r -> r.send()).compose(r -> r.body()));
    Payloads.assertSameBytes(got.getBytes(), body);
  }

  /**
   * A response whose app sends its headers and holds the body (server-sent events, long polls,
   * streams that wait for their first message) reaches the caller's app with its headers at once,
   * through both sidecars, on either protocol between them.
   */
  @ParameterizedTest(name = "upgradeHttp1={0}")
  @ValueSource(booleans = {true, false})
  void responseHeadersGoOnBeforeTheBody(boolean upgradeHttp1) throws Exception {
    io.vertx.core.Promise<Void> release = io.vertx.core.Promise.promise();
    int appPort =
        plainApp(
            req -> {
              var resp =
                  req.response().setChunked(true).putHeader("content-type", "text/event-stream");
              resp.writeHead();
              release.future().onComplete(v -> resp.end("data: first\n\n"));
            });
    meshTo(appPort, "reviews-s", upgradeHttp1);
    RequestOptions ro = reviewsRequest("/events");
    // The body is asked for on the response's own context, before anything can arrive.
    AtomicReference<Future<Buffer>> body = new AtomicReference<>();
    io.vertx.core.http.HttpClientResponse resp =
        TestCalls.call(
            vertx,
            ro,
            () ->
                app.request(ro)
                    .compose(r -> r.send())
                    .map(
                        r -> {
                          body.set(r.body());
                          return r;
                        }));
    // The headers came while the app still holds the body.
    assertThat(release.future().isComplete()).isFalse();
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.getHeader("content-type")).isEqualTo("text/event-stream");
    vertx.runOnContext(v -> release.complete());
    assertThat(await(body.get()).toString()).isEqualTo("data: first\n\n");
  }

  @Test
  void pushesDoNotCutARequestInFlightAndKeepTheConnectionWhileTheServiceIsUnchanged()
      throws Exception {
    // An app that holds /slow until released, behind its own inbound sidecar in zone a.
    io.vertx.core.Promise<Void> release = io.vertx.core.Promise.promise();
    java.util.concurrent.atomic.AtomicInteger connections =
        new java.util.concurrent.atomic.AtomicInteger();
    int appPort =
        await(
                vertx
                    .createHttpServer(new HttpServerOptions())
                    .connectionHandler(c -> connections.incrementAndGet())
                    .requestHandler(
                        req -> {
                          if (req.path().equals("/slow")) {
                            release.future().onComplete(v -> req.response().end("slow done"));
                          } else {
                            req.response().end("fast");
                          }
                        })
                    .listen(0, "127.0.0.1"))
            .actualPort();
    int[] port = new int[1];
    InboundProxy slow =
        InboundProxy.builder(vertx, MeshTls.builder(svid(REVIEWS), bundles).build(), appPort)
            .listen("127.0.0.1", 0)
            .build();
    port[0] = await(slow.start());
    snapshot.set(
        withPolicies(
            snapshot(
                List.of(Endpoint.local("reviews-slow", "127.0.0.1", port[0], ZONE_A)),
                List.of(REVIEWS)),
            1,
            patientReviews(io.fedmesh.proxy.model.CircuitBreaker.DEFAULT)));
    RequestOptions fast = reviewsRequest("/fast");
    assertThat(TestCalls.statusAndBody(vertx, app, fast)).isEqualTo("200 fast");
    RequestOptions slowCall = new RequestOptions(fast).setURI("/slow");
    java.util.concurrent.CompletableFuture<String> inFlight =
        TestCalls.start(
            vertx,
            () ->
                app.request(slowCall)
                    .compose(
                        r -> r.send().compose(x -> x.body().map(b -> x.statusCode() + " " + b))));
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> connections.get() >= 1);
    int before = connections.get();

    // A push that changes nothing of reviews, then one that replaces its connection pool (new
    // identities), both while /slow is in flight.
    snapshot.set(pushed(snapshot.get(), 2, List.of(REVIEWS)));
    assertThat(TestCalls.statusAndBody(vertx, app, fast)).isEqualTo("200 fast");
    SpiffeId other = SpiffeId.parse("spiffe://us-east.fedmesh.local/ns/default/sa/reviews-v2");
    snapshot.set(pushed(snapshot.get(), 3, List.of(REVIEWS, other)));
    assertThat(TestCalls.statusAndBody(vertx, app, fast)).isEqualTo("200 fast");
    vertx.runOnContext(v -> release.complete());

    assertThat(inFlight.get(15, TimeUnit.SECONDS)).isEqualTo("200 slow done");
    // Version 2 reused the pooled upstream connection; version 3 opened a new pool.
    assertThat(connections.get()).isGreaterThan(before);
  }

  @Test
  void sameZoneServesWhileHealthy() throws Exception {
    for (int i = 0; i < 20; i++) {
      assertThat(call(app, HttpMethod.GET, "reviews.default.svc.cluster.local", ""))
          .isEqualTo("200 us-east-1a:GET:");
    }
  }

  @Test
  void postBodyIsRelayedOverHttp2FromTheApp() throws Exception {
    HttpClient h2c =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
    assertThat(call(h2c, HttpMethod.POST, "reviews.default.svc.cluster.local", "stars=5"))
        .isEqualTo("200 us-east-1a:POST:stars=5");
  }

  @Test
  void killingTheLocalZoneFailsOverWithZeroFailedIdempotentRequests() throws Exception {
    assertThat(call(app, HttpMethod.GET, "reviews.default.svc.cluster.local", ""))
        .startsWith("200 us-east-1a");
    await(inboundA.close());
    List<String> results = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      results.add(call(app, HttpMethod.GET, "reviews.default.svc.cluster.local", ""));
    }
    assertThat(results).allMatch(r -> r.equals("200 us-east-1b:GET:"));
    assertThat(registry.find("fedmesh.outbound.retries").counter()).isNotNull();
  }

  @Test
  void unknownHostGets503NamingIt() throws Exception {
    assertThat(call(app, HttpMethod.GET, "ratings.default.svc.cluster.local", ""))
        .startsWith("503 no route to host 'ratings.default.svc.cluster.local'");
  }

  @Test
  void aServerPresentingAnotherIdentityIsRefused() throws Exception {
    ProxySnapshot good = snapshot.get();
    snapshot.set(
        new ProxySnapshot(
            2,
            good.cluster(),
            good.locality(),
            Map.of(
                new ServiceName("reviews", "default"),
                new Service(
                    new ServiceName("reviews", "default"),
                    good.services().values().iterator().next().ports(),
                    List.of(
                        SpiffeId.parse("spiffe://us-east.fedmesh.local/ns/default/sa/not-reviews")),
                    false,
                    good.services().values().iterator().next().endpoints())),
            Map.of(),
            AuthorizationPolicy.ALLOW_MESH));
    assertThat(call(app, HttpMethod.GET, "reviews.default.svc.cluster.local", ""))
        .startsWith("503");
  }

  /**
   * Replaces zone A's replica by one whose app always answers 500 (counting its requests in {@code
   * badHits}), under {@code policies}; zone B stays healthy.
   */
  private void brokenReplicaInZoneA(
      java.util.concurrent.atomic.AtomicInteger badHits,
      Map<ServiceName, io.fedmesh.proxy.model.TrafficPolicy> policies)
      throws Exception {
    int badApp =
        plainApp(
            req -> {
              badHits.incrementAndGet();
              req.response().setStatusCode(500).end("broken");
            });
    MeshTls tls = MeshTls.builder(svid(REVIEWS), bundles).build();
    int badInbound =
        await(InboundProxy.builder(vertx, tls, badApp).listen("127.0.0.1", 0).build().start());
    await(inboundA.close()); // only the broken replica is left in zone A
    ProxySnapshot current = snapshot.get();
    List<Endpoint> endpoints =
        new ArrayList<>(current.services().values().iterator().next().endpoints());
    endpoints.removeIf(e -> e.id().equals("reviews-a"));
    endpoints.add(Endpoint.local("reviews-bad", "127.0.0.1", badInbound, ZONE_A));
    snapshot.set(withPolicies(snapshot(endpoints, List.of(REVIEWS)), 2, policies));
  }

  @Test
  void aFailingEndpointIsRetriedElsewhereThenEjected() throws Exception {
    java.util.concurrent.atomic.AtomicInteger badHits =
        new java.util.concurrent.atomic.AtomicInteger();
    brokenReplicaInZoneA(badHits, Map.of());
    List<String> results = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      results.add(call(app, HttpMethod.GET, "reviews.default.svc.cluster.local", ""));
    }
    // Every request succeeded: the 500s were retried in zone B...
    assertThat(results).allMatch(r -> r.equals("200 us-east-1b:GET:"));
    // ...and after 5 consecutive 5xx (the default) the broken replica was ejected.
    assertThat(badHits.get()).isEqualTo(5);
  }

  @Test
  void anEjectedEndpointReturnsAfterTheBaseEjectionTimeAndIsEjectedLongerNextTime()
      throws Exception {
    java.util.concurrent.atomic.AtomicInteger badHits =
        new java.util.concurrent.atomic.AtomicInteger();
    // Long enough that one slow call (TestCalls re-sends after 7 s) between the return and the
    // next ejection cannot let the detector forgive the first ejection.
    Duration base = Duration.ofSeconds(8);
    io.fedmesh.proxy.model.TrafficPolicy d = io.fedmesh.proxy.model.TrafficPolicy.DEFAULT;
    brokenReplicaInZoneA(
        badHits,
        Map.of(
            new ServiceName("reviews", "default"),
            new io.fedmesh.proxy.model.TrafficPolicy(
                d.timeout(),
                d.retries(),
                new io.fedmesh.proxy.model.OutlierDetection(3, 3, Duration.ofSeconds(1), base, 100),
                d.circuitBreaker(),
                d.healthCheck(),
                d.locality())));
    // An outbound of this test's own (and meters of its own), to read its routing state.
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    OutboundProxy outbound =
        OutboundProxy.builder(
                vertx,
                MeshTls.builder(
                        svid(
                            SpiffeId.parse(
                                "spiffe://us-east.fedmesh.local/ns/default/sa/frontend")),
                        bundles)
                    .build(),
                snapshot::get)
            .listen("127.0.0.1", 0)
            .meterRegistry(meters)
            .build();
    outboundPort = await(outbound.start());
    Endpoint bad =
        snapshot.get().services().values().iterator().next().endpoints().stream()
            .filter(e -> e.id().equals("reviews-bad"))
            .findFirst()
            .orElseThrow();
    String host = "reviews.default.svc.cluster.local";
    List<String> results = new ArrayList<>();
    results.add(call(app, HttpMethod.GET, host, ""));
    var outliers = outbound.balancer(new ServiceName("reviews", "default")).outlierDetector();

    // Zone A is preferred: the broken replica takes each first try until 3 in a row eject it.
    for (int i = 0; i < 10 && !outliers.isEjected(bad); i++) {
      results.add(call(app, HttpMethod.GET, host, ""));
    }
    assertThat(outliers.isEjected(bad)).isTrue();
    assertThat(badHits.get()).isGreaterThanOrEqualTo(3);
    assertThat(outliers.lastEjectionTime(bad)).isEqualTo(base);
    assertThat(meters.get("fedmesh.outbound.ejections").counter().count()).isEqualTo(1);
    int hitsWhenEjected = badHits.get();

    // After the base ejection time it takes traffic again...
    org.awaitility.Awaitility.await()
        .atMost(base.multipliedBy(3))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              results.add(call(app, HttpMethod.GET, host, ""));
              return badHits.get() > hitsWhenEjected;
            });
    // ...fails at once, and its second ejection is twice as long.
    for (int i = 0; i < 10 && !outliers.isEjected(bad); i++) {
      results.add(call(app, HttpMethod.GET, host, ""));
    }
    assertThat(outliers.isEjected(bad)).isTrue();
    assertThat(outliers.lastEjectionTime(bad)).isEqualTo(base.multipliedBy(2));
    assertThat(meters.get("fedmesh.outbound.ejections").counter().count()).isEqualTo(2);
    assertThat(results).allMatch(r -> r.equals("200 us-east-1b:GET:"));
  }

  @Test
  void circuitBreakerFailsFastPastMaxRequests() throws Exception {
    // A slow replica alone in the service, and a limit of one request in flight.
    java.util.concurrent.atomic.AtomicBoolean arrived =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicInteger slowHits =
        new java.util.concurrent.atomic.AtomicInteger();
    // The app holds its answer until the second call has been refused.
    io.vertx.core.Promise<Void> release = io.vertx.core.Promise.promise();
    int slowApp =
        plainApp(
            req -> {
              slowHits.incrementAndGet();
              arrived.set(true);
              release.future().onComplete(v -> req.response().end("slow"));
            });
    int slowInbound =
        await(
            InboundProxy.builder(vertx, MeshTls.builder(svid(REVIEWS), bundles).build(), slowApp)
                .listen("127.0.0.1", 0)
                .build()
                .start());
    ProxySnapshot base =
        snapshot(
            List.of(Endpoint.local("reviews-slow", "127.0.0.1", slowInbound, ZONE_A)),
            List.of(REVIEWS));
    snapshot.set(
        withPolicies(
            base, 3, patientReviews(new io.fedmesh.proxy.model.CircuitBreaker(1024, 1024, 1))));
    HttpClient second = vertx.createHttpClient(new HttpClientOptions());
    var first =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return call(app, HttpMethod.GET, "reviews.default.svc.cluster.local", "");
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).untilTrue(arrived);
    assertThat(call(second, HttpMethod.GET, "reviews.default.svc.cluster.local", ""))
        .startsWith("503 circuit breaker open for default/reviews");
    vertx.runOnContext(v -> release.complete());
    assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("200 slow");
    assertThat(slowHits).as("requests that reached the app").hasValue(1);
    assertThat(
            registry
                .get("fedmesh.outbound.rejected")
                .tag("reason", "circuit_open")
                .tag("destination_service", "default/reviews")
                .counter()
                .count())
        .isEqualTo(1.0);
    // Recorded once the answer has gone out, so it may trail the client's view by a moment.
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(
                        registry
                            .find("fedmesh.requests")
                            .tag("direction", "outbound")
                            .tag("response_class", "2xx")
                            .timers())
                    .isNotEmpty());
  }
}
