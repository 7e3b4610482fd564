package io.fedmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fedmesh.gateway.sni.Hellos;
import io.fedmesh.proxy.model.AuthorizationPolicy;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.proxy.model.Protocol;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.ServicePort;
import io.fedmesh.testing.TestCalls;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.tls.MeshTls;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway on loopback with real mTLS end to end: a us-east client completes its handshake with
 * a us-west backend through the gateway, which only reads the ClientHello.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class EastWestGatewayIT {
  private static final String CLUSTER = "us-west";
  private static final Locality ZONE_A = new Locality("us-west-1", "us-west-1a", CLUSTER);
  private static final Locality ZONE_B = new Locality("us-west-1", "us-west-1b", CLUSTER);
  private static final Locality REMOTE = new Locality("us-east-1", "us-east-1a", "us-east");
  private static final String REVIEWS_SNI = "reviews.default.9080.us-west.fedmesh";
  private static final String RATINGS_SNI = "ratings.default.9090.us-west.fedmesh";
  private static final byte[] ALERT_UNRECOGNIZED_NAME = {21, 3, 3, 0, 2, 2, 112};

  private final TestMesh mesh = new TestMesh();
  private final SpiffeId reviewsId = TestMesh.id(mesh.west, "/ns/default/sa/reviews");
  private final SpiffeId ratingsId = TestMesh.id(mesh.west, "/ns/default/sa/ratings");
  private final SpiffeId gatewayId =
      TestMesh.id(mesh.west, "/ns/fedmesh-system/sa/east-west-gateway");
  private final MeshTls clientTls = mesh.tls(mesh.east, "/ns/default/sa/frontend");
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private Vertx vertx;
  private EastWestGateway gateway;

  /**
   * One client for the whole test: Vert.x closes a client, and its connections, once it is
   * garbage-collected, so a client per connection would lose connections at random.
   */
  private NetClient client;

  private final Map<SpiffeId, io.vertx.core.net.ClientSSLOptions> sslOptions =
      new java.util.HashMap<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    client =
        vertx.createNetClient(
            new NetClientOptions().setSslEngineOptions(clientTls.engineOptions()));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (gateway != null) {
      get(gateway.close());
    }
    get(vertx.close());
  }

  // ---- fixtures ----

  private static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** A workload's inbound: mTLS as {@code saPath} in us-west, echoing "name|peer|data". */
  private int backend(String name, String saPath) throws Exception {
    MeshTls tls = mesh.tls(mesh.west, saPath);
    NetServer server = vertx.createNetServer(tls.configureServer(new NetServerOptions()));
    server.connectHandler(
        so -> {
          String peer = MeshTls.peerId(so.sslSession()).map(SpiffeId::toString).orElse("none");
          so.handler(buf -> so.write(Buffer.buffer(name + "|" + peer + "|").appendBuffer(buf)));
        });
    return get(server.listen(0, "127.0.0.1")).actualPort();
  }

  /** A workload's inbound that echoes bytes as they come, with back-pressure. */
  private int rawEchoBackend() throws Exception {
    MeshTls tls = mesh.tls(mesh.west, "/ns/default/sa/reviews");
    NetServer server = vertx.createNetServer(tls.configureServer(new NetServerOptions()));
    server.connectHandler(so -> so.pipeTo(so));
    return get(server.listen(0, "127.0.0.1")).actualPort();
  }

  /**
   * Sends {@code total} bytes through the gateway in 64 KiB writes, honouring the write queue, and
   * completes with the time until all of them came back.
   */
  private CompletableFuture<Long> echoBulk(long total) {
    CompletableFuture<Long> done = new CompletableFuture<>();
    long start = System.nanoTime();
    connect(REVIEWS_SNI, reviewsId)
        .onFailure(done::completeExceptionally)
        .onSuccess(
            so -> {
              long[] received = {0};
              long[] sent = {0};
              Buffer chunk = Buffer.buffer(new byte[64 * 1024]);
              so.exceptionHandler(done::completeExceptionally);
              so.closeHandler(
                  v -> done.completeExceptionally(new IOException("closed at " + received[0])));
              so.handler(
                  b -> {
                    received[0] += b.length();
                    if (received[0] == total) {
                      done.complete(System.nanoTime() - start);
                      so.close();
                    }
                  });
              Runnable[] writer = new Runnable[1];
              writer[0] =
                  () -> {
                    while (sent[0] < total && !so.writeQueueFull()) {
                      so.write(chunk);
                      sent[0] += chunk.length();
                    }
                    if (sent[0] < total) {
                      so.drainHandler(v -> writer[0].run());
                    }
                  };
              writer[0].run();
            });
    return done;
  }

  private static Endpoint endpoint(String id, int port, Locality locality, boolean healthy) {
    return new Endpoint(id, "127.0.0.1", port, locality, 1, healthy, Optional.empty());
  }

  /**
   * A service with one HTTP port: the gateway never looks inside the TLS, and an HTTP port goes to
   * the endpoint's (inbound) port, where these tests' backends listen.
   */
  private static Service service(
      String name, int port, SpiffeId identity, boolean exported, Endpoint... endpoints) {
    return new Service(
        new ServiceName(name, "default"),
        List.of(new ServicePort("http-" + port, port, Protocol.HTTP)),
        List.of(identity),
        exported,
        List.of(endpoints));
  }

  private static ProxySnapshot snapshot(long version, Service... services) {
    java.util.Map<ServiceName, Service> byName = new java.util.HashMap<>();
    for (Service s : services) {
      byName.put(s.name(), s);
    }
    return new ProxySnapshot(
        version, CLUSTER, ZONE_A, byName, Map.of(), AuthorizationPolicy.ALLOW_MESH);
  }

  private Service reviews(int backendPort) {
    return service(
        "reviews", 9080, reviewsId, true, endpoint("reviews-1", backendPort, ZONE_A, true));
  }

  private EastWestGateway start(ProxySnapshot snapshot) throws Exception {
    return start(snapshot, b -> b);
  }

  private EastWestGateway start(
      ProxySnapshot snapshot, UnaryOperator<EastWestGateway.Builder> custom) throws Exception {
    EastWestGateway.Builder b =
        EastWestGateway.builder(snapshot)
            .host("127.0.0.1")
            .port(0)
            .adminPort(0)
            .healthHost("127.0.0.1")
            .healthPort(0)
            .peerTls(mesh.tls(mesh.west, "/ns/fedmesh-system/sa/east-west-gateway"))
            .meterRegistry(registry);
    gateway = get(custom.apply(b).build().start(vertx));
    return gateway;
  }

  private Future<NetSocket> connect(String sni, SpiffeId expected) {
    ConnectOptions options =
        new ConnectOptions()
            .setHost("127.0.0.1")
            .setPort(gateway.port())
            .setSsl(true)
            .setSslOptions(
                sslOptions.computeIfAbsent(
                    expected, id -> clientTls.clientOptions(id::equals, List.of())));
    if (sni != null) {
      options.setSniServerName(sni);
    }
    return client.connect(options);
  }

  private static String roundTrip(NetSocket so, String msg) throws Exception {
    CompletableFuture<String> reply = new CompletableFuture<>();
    so.handler(b -> reply.complete(b.toString(StandardCharsets.UTF_8)));
    so.exceptionHandler(reply::completeExceptionally);
    so.closeHandler(v -> reply.completeExceptionally(new IOException("closed by peer")));
    so.write(msg);
    return reply.get(5, TimeUnit.SECONDS);
  }

  /** Sends {@code bytes} on a plain socket and reads until the gateway closes. */
  private byte[] raw(byte[] bytes) throws Exception {
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(bytes);
      s.getOutputStream().flush();
      return readToEof(s.getInputStream());
    }
  }

  private static byte[] readToEof(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[1024];
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
      }
    } catch (SocketException reset) {
      // a reset after the close is a close too
    }
    return out.toByteArray();
  }

  private double failures(String reason) {
    Counter c = registry.find(EastWestGateway.METRIC_SNI_FAILURES).tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  private double connections(String service, String result) {
    Counter c =
        registry
            .find(EastWestGateway.METRIC_CONNECTIONS)
            .tag("service", service)
            .tag("result", result)
            .counter();
    return c == null ? 0 : c.count();
  }

  private double bytes(String direction, String service) {
    Counter c =
        registry
            .find(EastWestGateway.METRIC_BYTES)
            .tag("direction", direction)
            .tag("service", service)
            .counter();
    return c == null ? 0 : c.count();
  }

  private HttpResponse<String> admin(String path) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A port nothing listens on. */
  private static int deadPort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  // ---- routing ----

  @Test
  void mtlsPassesThroughToTheBackendWhoseIdentityTheClientSees() throws Exception {
    start(snapshot(1, reviews(backend("reviews", "/ns/default/sa/reviews"))));
    NetSocket so = get(connect(REVIEWS_SNI, reviewsId));
    // The handshake was with the backend: the gateway holds no us-west workload key.
    assertThat(MeshTls.peerId(so.sslSession())).contains(reviewsId);
    assertThat(roundTrip(so, "hello"))
        .isEqualTo("reviews|spiffe://us-east.fedmesh.local/ns/default/sa/frontend|hello");
    assertThat(roundTrip(so, "again")).endsWith("|again");
    assertThat(connections("default/reviews", "routed")).isEqualTo(1);
    assertThat(bytes("in", "default/reviews")).isGreaterThan(100);
    await().atMost(Duration.ofSeconds(5)).until(() -> bytes("out", "default/reviews") > 100);
    assertThat(gateway.activeConnections()).isEqualTo(1);
    get(so.close());
    await().atMost(Duration.ofSeconds(5)).until(() -> gateway.activeConnections() == 0);
  }

  @Test
  void bulkTransferIsSplicedCompletelyWithBackPressure() throws Exception {
    start(
        snapshot(
            1,
            service(
                "reviews",
                9080,
                reviewsId,
                true,
                endpoint("reviews-1", rawEchoBackend(), ZONE_A, true))));
    long total = 32L << 20;
    echoBulk(total).get(10, TimeUnit.SECONDS);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              assertThat(bytes("out", "default/reviews")).isGreaterThan(total);
              assertThat(gateway.activeConnections()).isZero();
            });
    assertThat(bytes("in", "default/reviews")).isGreaterThan(total);
  }

  @Test
  void secondServiceOnAnotherPortGoesToItsOwnBackend() throws Exception {
    int reviews = backend("reviews", "/ns/default/sa/reviews");
    int ratings = backend("ratings", "/ns/default/sa/ratings");
    start(
        snapshot(
            1,
            reviews(reviews),
            service(
                "ratings", 9090, ratingsId, true, endpoint("ratings-1", ratings, ZONE_A, true))));
    NetSocket r = get(connect(RATINGS_SNI, ratingsId));
    assertThat(MeshTls.peerId(r.sslSession())).contains(ratingsId);
    assertThat(roundTrip(r, "x")).startsWith("ratings|");
    NetSocket v = get(connect(REVIEWS_SNI, reviewsId));
    assertThat(roundTrip(v, "y")).startsWith("reviews|");
  }

  @Test
  void sniIsMatchedCaseInsensitively() throws Exception {
    start(snapshot(1, reviews(backend("reviews", "/ns/default/sa/reviews"))));
    NetSocket so = get(connect("Reviews.Default.9080.US-West.fedmesh", reviewsId));
    assertThat(roundTrip(so, "hi")).startsWith("reviews|");
  }

  @Test
  void endpointInTheGatewaysZoneIsPreferred() throws Exception {
    int a = backend("zone-a", "/ns/default/sa/reviews");
    int b = backend("zone-b", "/ns/default/sa/reviews");
    start(
        snapshot(
            1,
            service(
                "reviews",
                9080,
                reviewsId,
                true,
                endpoint("reviews-b", b, ZONE_B, true),
                endpoint("reviews-a", a, ZONE_A, true))));
    for (int i = 0; i < 4; i++) {
      assertThat(roundTrip(get(connect(REVIEWS_SNI, reviewsId)), "z")).startsWith("zone-a|");
    }
  }

  @Test
  void unhealthyEndpointIsSkipped() throws Exception {
    int sick = backend("sick", "/ns/default/sa/reviews");
    int well = backend("well", "/ns/default/sa/reviews");
    start(
        snapshot(
            1,
            service(
                "reviews",
                9080,
                reviewsId,
                true,
                endpoint("reviews-sick", sick, ZONE_A, false),
                endpoint("reviews-well", well, ZONE_A, true))));
    for (int i = 0; i < 4; i++) {
      assertThat(roundTrip(get(connect(REVIEWS_SNI, reviewsId)), "h")).startsWith("well|");
    }
  }

  @Test
  void remoteSummaryEndpointsAreNeverUsed() throws Exception {
    Endpoint remote =
        new Endpoint(
            "us-east/us-east-1a",
            "127.0.0.1",
            backend("remote", "/ns/default/sa/reviews"),
            REMOTE,
            3,
            true,
            Optional.of("reviews.default.9080.us-east.fedmesh"));
    start(snapshot(1, service("reviews", 9080, reviewsId, true, remote)));
    assertThat(raw(Hellos.withSni(REVIEWS_SNI))).containsExactly(21, 3, 3, 0, 2, 2, 80);
    assertThat(failures("no_endpoint")).isEqualTo(1);
  }

  @Test
  void allEndpointsUnhealthyIsNoEndpoint() throws Exception {
    int port = backend("sick", "/ns/default/sa/reviews");
    start(
        snapshot(
            1,
            service(
                "reviews", 9080, reviewsId, true, endpoint("reviews-sick", port, ZONE_A, false))));
    assertThat(raw(Hellos.withSni(REVIEWS_SNI))).containsExactly(21, 3, 3, 0, 2, 2, 80);
    assertThat(failures("no_endpoint")).isEqualTo(1);
    assertThat(connections("default/reviews", "rejected")).isEqualTo(1);
  }

  @Test
  void endpointRefusingTheConnectionIsFollowedByTheNextOne() throws Exception {
    int well = backend("well", "/ns/default/sa/reviews");
    start(
        snapshot(
            1,
            service(
                "reviews",
                9080,
                reviewsId,
                true,
                endpoint("reviews-dead", deadPort(), ZONE_A, true),
                endpoint("reviews-well", well, ZONE_A, true))));
    for (int i = 0; i < 2; i++) {
      assertThat(roundTrip(get(connect(REVIEWS_SNI, reviewsId)), "h")).startsWith("well|");
    }
    assertThat(failures("connect_failed")).isZero();
  }

  @Test
  void tcpServicePortGoesToTheEndpointsTcpPortAndSkipsEndpointsWithout() throws Exception {
    int http = backend("http", "/ns/default/sa/reviews");
    int tcp = backend("tcp", "/ns/default/sa/reviews");
    Service reviews =
        new Service(
            new ServiceName("reviews", "default"),
            List.of(
                new ServicePort("http", 9080, Protocol.HTTP),
                new ServicePort("db", 5432, Protocol.TCP)),
            List.of(reviewsId),
            true,
            List.of(
                endpoint("reviews-http-only", deadPort(), ZONE_A, true),
                endpoint("reviews-1", http, ZONE_A, true).withTcpPort(tcp)));
    start(snapshot(1, reviews));
    for (int i = 0; i < 4; i++) {
      assertThat(roundTrip(get(connect("reviews.default.5432.us-west.fedmesh", reviewsId)), "h"))
          .startsWith("tcp|");
    }
    assertThat(failures("connect_failed")).isZero();
  }

  @Test
  void onlyEndpointRefusingIsConnectFailed() throws Exception {
    start(
        snapshot(
            1,
            service(
                "reviews",
                9080,
                reviewsId,
                true,
                endpoint("reviews-dead", deadPort(), ZONE_A, true))));
    assertThat(raw(Hellos.withSni(REVIEWS_SNI))).containsExactly(21, 3, 3, 0, 2, 2, 80);
    assertThat(failures("connect_failed")).isEqualTo(1);
  }

  @Test
  void snapshotUpdateAddsARouteWithoutRestart() throws Exception {
    int reviews = backend("reviews", "/ns/default/sa/reviews");
    int ratings = backend("ratings", "/ns/default/sa/ratings");
    start(snapshot(1, reviews(reviews)));
    int port = gateway.port();
    assertThat(raw(Hellos.withSni(RATINGS_SNI))).containsExactly(ALERT_UNRECOGNIZED_NAME);
    assertThat(failures("unknown_service")).isEqualTo(1);
    assertThat(gateway.routes()).isEqualTo(1);

    gateway.update(
        snapshot(
            2,
            reviews(reviews),
            service(
                "ratings", 9090, ratingsId, true, endpoint("ratings-1", ratings, ZONE_A, true))));
    assertThat(gateway.port()).isEqualTo(port);
    assertThat(gateway.routes()).isEqualTo(2);
    assertThat(roundTrip(get(connect(RATINGS_SNI, ratingsId)), "new")).startsWith("ratings|");
  }

  @Test
  void snapshotOfAnotherClusterIsRefused() throws Exception {
    start(snapshot(1));
    ProxySnapshot other =
        new ProxySnapshot(2, "us-east", REMOTE, Map.of(), Map.of(), AuthorizationPolicy.ALLOW_MESH);
    assertThatThrownBy(() -> gateway.update(other))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("snapshot.cluster: 'us-east' (expected: 'us-west')");
  }

  // ---- refusals ----

  @Test
  void unexportedServiceIsClosedLikeAnUnknownOne() throws Exception {
    int port = backend("secret", "/ns/default/sa/reviews");
    start(
        snapshot(
            1,
            service("reviews", 9080, reviewsId, false, endpoint("reviews-1", port, ZONE_A, true))));
    assertThat(raw(Hellos.withSni(REVIEWS_SNI))).containsExactly(ALERT_UNRECOGNIZED_NAME);
    assertThat(failures("not_exported")).isEqualTo(1);
    assertThat(connections("default/reviews", "rejected")).isEqualTo(1);
    assertThat(connections("default/reviews", "routed")).isZero();
    // And a real mTLS client cannot get through either.
    assertThatThrownBy(() -> get(connect(REVIEWS_SNI, reviewsId))).isNotNull();
    assertThat(failures("not_exported")).isEqualTo(2);
  }

  @Test
  void unknownServiceIsClosedWithUnrecognizedName() throws Exception {
    start(snapshot(1, reviews(backend("reviews", "/ns/default/sa/reviews"))));
    assertThatThrownBy(() -> get(connect("details.default.9080.us-west.fedmesh", reviewsId)))
        .isNotNull();
    assertThat(failures("unknown_service")).isEqualTo(1);
    assertThat(connections("unknown", "rejected")).isEqualTo(1);
  }

  @Test
  void portTheServiceLacksIsAnUnknownService() throws Exception {
    start(snapshot(1, reviews(backend("reviews", "/ns/default/sa/reviews"))));
    assertThat(raw(Hellos.withSni("reviews.default.9081.us-west.fedmesh")))
        .containsExactly(ALERT_UNRECOGNIZED_NAME);
    assertThat(failures("unknown_service")).isEqualTo(1);
  }

  @Test
  void sniOfAnotherClusterIsWrongCluster() throws Exception {
    start(snapshot(1, reviews(backend("reviews", "/ns/default/sa/reviews"))));
    assertThat(raw(Hellos.withSni("reviews.default.9080.us-east.fedmesh")))
        .containsExactly(ALERT_UNRECOGNIZED_NAME);
    assertThat(failures("wrong_cluster")).isEqualTo(1);
  }

  @Test
  void sniNotInFedmeshFormatIsMalformed() throws Exception {
    start(snapshot(1, reviews(backend("reviews", "/ns/default/sa/reviews"))));
    assertThat(raw(Hellos.withSni("reviews.default.http.us-west.fedmesh")))
        .containsExactly(ALERT_UNRECOGNIZED_NAME);
    assertThat(raw(Hellos.withSni("www.example.com"))).containsExactly(ALERT_UNRECOGNIZED_NAME);
    assertThat(failures("malformed_sni")).isEqualTo(2);
  }

  @Test
  void brokenServerNameExtensionIsMalformedSni() throws Exception {
    start(snapshot(1));
    byte[] hello =
        Hellos.records(
            Hellos.handshake(
                Hellos.body(
                    Hellos.extensions(
                        Hellos.serverName(Hellos.hostName(REVIEWS_SNI), Hellos.hostName("x"))))),
            1 << 14);
    assertThat(raw(hello)).containsExactly(ALERT_UNRECOGNIZED_NAME);
    assertThat(failures("malformed_sni")).isEqualTo(1);
  }

  @Test
  void malformedClientHelloIsDecodeError() throws Exception {
    start(snapshot(1));
    byte[] hello = Hellos.withSni(REVIEWS_SNI);
    hello[5] = 2; // server_hello where a client_hello belongs
    assertThat(raw(hello)).containsExactly(21, 3, 3, 0, 2, 2, 50);
    assertThat(failures("malformed_hello")).isEqualTo(1);
  }

  @Test
  void helloWithoutSniIsClosed() throws Exception {
    start(snapshot(1, reviews(backend("reviews", "/ns/default/sa/reviews"))));
    // A real TLS client connecting to an IP address sends no server_name.
    assertThatThrownBy(() -> get(connect(null, reviewsId))).isNotNull();
    assertThat(failures("no_sni")).isEqualTo(1);
    byte[] noSni = Hellos.records(Hellos.handshake(Hellos.body(null)), 1 << 14);
    assertThat(raw(noSni)).containsExactly(ALERT_UNRECOGNIZED_NAME);
    assertThat(failures("no_sni")).isEqualTo(2);
  }

  @Test
  void plaintextIsClosedAndTheListenerKeepsServing() throws Exception {
    start(snapshot(1, reviews(backend("reviews", "/ns/default/sa/reviews"))));
    byte[] got = raw("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    assertThat(got).isEmpty();
    assertThat(raw(new byte[] {(byte) 0x80, 0x2e, 0x01, 0x03, 0x01})).isEmpty(); // SSLv2 hello
    assertThat(failures("not_tls")).isEqualTo(2);
    assertThat(roundTrip(get(connect(REVIEWS_SNI, reviewsId)), "ok")).endsWith("|ok");
  }

  @Test
  void helloTrickledByteByByteIsClosedAtTheBound() throws Exception {
    start(
        snapshot(1, reviews(backend("reviews", "/ns/default/sa/reviews"))),
        b -> b.clientHelloTimeout(Duration.ofSeconds(1)));
    byte[] hello = Hellos.withSni(REVIEWS_SNI);
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(5000);
      long start = System.nanoTime();
      CompletableFuture<Long> closedAt =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  assertThat(readToEof(s.getInputStream())).isEmpty();
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
                return System.nanoTime();
              });
      int sent = 0;
      try {
        while (sent < hello.length && !closedAt.isDone()) {
          s.getOutputStream().write(hello[sent++]);
          s.getOutputStream().flush();
          Thread.sleep(200); // the trickle's pace, not a synchronisation
        }
      } catch (IOException closed) {
        // writing to a closed connection
      }
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(closedAt.get(5, TimeUnit.SECONDS) - start);
      // 1 s timer; the upper bound leaves room for a loaded machine
      assertThat(elapsedMs).isBetween(900L, 4000L);
      assertThat(sent).isLessThan(hello.length);
    }
    assertThat(failures("hello_timeout")).isEqualTo(1);
  }

  @Test
  void oversizedClientHelloIsRefusedBeforeItArrives() throws Exception {
    start(snapshot(1, reviews(backend("reviews", "/ns/default/sa/reviews"))));
    byte[] huge = Hellos.records(Hellos.handshake(new byte[40_000]), 1 << 14);
    // Only the first record's header and the handshake header: the announced size is enough.
    assertThat(raw(Arrays.copyOf(huge, 9))).containsExactly(21, 3, 3, 0, 2, 2, 50);
    assertThat(failures("hello_too_large")).isEqualTo(1);
  }

  @Test
  void helloLargerThanTheConfiguredLimitIsRefused() throws Exception {
    start(
        snapshot(1, reviews(backend("reviews", "/ns/default/sa/reviews"))),
        b -> b.maxClientHelloBytes(2048));
    byte[] hello =
        Hellos.records(
            Hellos.handshake(
                Hellos.body(
                    Hellos.extensions(
                        Hellos.serverName(Hellos.hostName(REVIEWS_SNI)),
                        Hellos.extension(21, new byte[3000])))),
            1000);
    byte[] got;
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(5000);
      try {
        s.getOutputStream().write(hello);
      } catch (IOException closedEarly) {
        // the gateway may close before all bytes are written
      }
      got = readToEof(s.getInputStream());
    }
    assertThat(got.length).isLessThanOrEqualTo(7);
    assertThat(failures("hello_too_large")).isEqualTo(1);
  }

  // ---- limits ----

  @Test
  void idleConnectionIsClosed() throws Exception {
    start(
        snapshot(1, reviews(backend("reviews", "/ns/default/sa/reviews"))),
        b -> b.idleTimeout(Duration.ofMillis(500)));
    NetSocket so = get(connect(REVIEWS_SNI, reviewsId));
    CompletableFuture<Long> closed = new CompletableFuture<>();
    assertThat(roundTrip(so, "a")).endsWith("|a");
    long lastActivity = System.nanoTime();
    so.closeHandler(v -> closed.complete(System.nanoTime()));
    long idleMs = TimeUnit.NANOSECONDS.toMillis(closed.get(5, TimeUnit.SECONDS) - lastActivity);
    assertThat(idleMs).isBetween(300L, 3000L);
  }

  @Test
  void connectionsPerSourceAreRateLimited() throws Exception {
    AtomicLong ticker = new AtomicLong();
    start(
        snapshot(1, reviews(backend("reviews", "/ns/default/sa/reviews"))),
        b -> b.maxConnectionsPerSecondPerSource(3).ticker(ticker::get));
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < 5; i++) {
        Socket s = new Socket("127.0.0.1", gateway.port());
        s.setSoTimeout(300);
        sockets.add(s);
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> failures("rate_limited") == 2);
      int closed = 0;
      for (Socket s : sockets) {
        try {
          if (s.getInputStream().read() < 0) {
            closed++;
          }
        } catch (SocketTimeoutException stillOpen) {
          // admitted
        } catch (SocketException reset) {
          closed++;
        }
      }
      assertThat(closed).isEqualTo(2);
      ticker.addAndGet(TimeUnit.SECONDS.toNanos(1)); // the bucket refills
      assertThat(roundTrip(get(connect(REVIEWS_SNI, reviewsId)), "r")).endsWith("|r");
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  @Test
  void connectionsBeyondTheMaximumAreClosed() throws Exception {
    start(
        snapshot(1, reviews(backend("reviews", "/ns/default/sa/reviews"))),
        b -> b.maxConnections(2));
    try (Socket one = new Socket("127.0.0.1", gateway.port());
        Socket two = new Socket("127.0.0.1", gateway.port())) {
      await().atMost(Duration.ofSeconds(5)).until(() -> gateway.activeConnections() == 2);
      assertThat(raw(Hellos.withSni(REVIEWS_SNI))).isEmpty();
      assertThat(failures("too_many_connections")).isEqualTo(1);
      one.close();
      await().atMost(Duration.ofSeconds(5)).until(() -> gateway.activeConnections() == 1);
      assertThat(roundTrip(get(connect(REVIEWS_SNI, reviewsId)), "m")).endsWith("|m");
    }
  }

  @Test
  void drainKeepsLiveConnectionsUntilTheBoundAndRefusesNewOnes() throws Exception {
    start(snapshot(1, reviews(backend("reviews", "/ns/default/sa/reviews"))));
    NetSocket live = get(connect(REVIEWS_SNI, reviewsId));
    assertThat(roundTrip(live, "before")).endsWith("|before");
    assertThat(admin("/ready").statusCode()).isEqualTo(200);

    long start = System.nanoTime();
    // A bound the checks below (admin calls, the refused connect, a round trip) fit in with room
    // on a loaded machine.
    Future<Void> drained = gateway.shutdown(Duration.ofSeconds(4));
    assertThat(admin("/ready").statusCode()).isEqualTo(503);
    assertThat(admin("/ready").body()).isEqualTo("draining\n");
    await()
        .atMost(Duration.ofSeconds(3))
        .untilAsserted(
            () ->
                assertThatThrownBy(() -> new Socket("127.0.0.1", gateway.port()).close())
                    .isInstanceOf(ConnectException.class));
    assertThat(roundTrip(live, "during")).endsWith("|during");

    CompletableFuture<Long> closed = new CompletableFuture<>();
    live.closeHandler(v -> closed.complete(System.nanoTime()));
    long closedMs = TimeUnit.NANOSECONDS.toMillis(closed.get(10, TimeUnit.SECONDS) - start);
    assertThat(closedMs).isBetween(3500L, 7000L);
    get(drained);
    gateway = null;
  }

  @Test
  void drainEndsEarlyWhenConnectionsFinish() throws Exception {
    start(snapshot(1, reviews(backend("reviews", "/ns/default/sa/reviews"))));
    NetSocket live = get(connect(REVIEWS_SNI, reviewsId));
    assertThat(roundTrip(live, "x")).endsWith("|x");
    long start = System.nanoTime();
    Future<Void> drained = gateway.shutdown(Duration.ofSeconds(30));
    get(live.close());
    get(drained);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5000);
    gateway = null;
  }

  // ---- admin and health ----

  @Test
  void adminServesReadyLiveAndMetrics() throws Exception {
    start(snapshot(1, reviews(backend("reviews", "/ns/default/sa/reviews"))));
    raw("plain".getBytes(StandardCharsets.US_ASCII));
    assertThat(roundTrip(get(connect(REVIEWS_SNI, reviewsId)), "m")).endsWith("|m");
    await().atMost(Duration.ofSeconds(5)).until(() -> gateway.activeConnections() == 1);

    assertThat(admin("/ready").statusCode()).isEqualTo(200);
    assertThat(admin("/live").statusCode()).isEqualTo(200);
    assertThat(admin("/nope").statusCode()).isEqualTo(404);
    HttpResponse<String> metrics = admin("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("content-type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
    assertThat(metrics.body())
        .contains("fedmesh_gateway_connections_active 1")
        .contains("fedmesh_gateway_sni_failures_total{reason=\"not_tls\"} 1.0")
        .contains("fedmesh_gateway_sni_failures_total{reason=\"hello_timeout\"} 0.0")
        .contains(
            "fedmesh_gateway_connections_total{result=\"routed\",service=\"default/reviews\"} 1.0")
        .contains("fedmesh_gateway_bytes_total{direction=\"in\",service=\"default/reviews\"}");
  }

  @Test
  void healthOverMtlsReportsReadinessAndLoad() throws Exception {
    int ratings = backend("ratings", "/ns/default/sa/ratings");
    start(
        snapshot(
            1,
            reviews(backend("reviews", "/ns/default/sa/reviews")),
            service("ratings", 9090, ratingsId, true, endpoint("ratings-1", ratings, ZONE_A, true)),
            service("secret", 7000, reviewsId, false)));
    NetSocket live = get(connect(REVIEWS_SNI, reviewsId));
    assertThat(roundTrip(live, "h")).endsWith("|h");

    var http =
        vertx.createHttpClient(
            clientTls.configureClient(new HttpClientOptions(), gatewayId::equals));
    CompletableFuture<HttpClientResponse> response = new CompletableFuture<>();
    RequestOptions health =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setHost("127.0.0.1")
            .setPort(gateway.healthPort())
            .setURI("/health");
    Buffer payload =
        TestCalls.call(
            vertx,
            health,
            () ->
                http.request(health)
                    .compose(req -> req.send())
                    .compose(
                        r -> {
                          response.complete(r);
                          return r.body();
                        }));
    HttpClientResponse resp = response.get();
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.getHeader("content-type")).isEqualTo("application/json");
    JsonObject body = payload.toJsonObject();
    assertThat(body.getString("cluster")).isEqualTo(CLUSTER);
    assertThat(body.getBoolean("ready")).isTrue();
    assertThat(body.getInteger("activeConnections")).isEqualTo(1);
    assertThat(body.getDouble("connectionsPerSecond")).isEqualTo(0.1); // 1 in the last 10 s
    assertThat(body.getInteger("routes")).isEqualTo(2);
    get(http.close());
  }

  @Test
  void healthRefusesAClientWithoutCertificate() throws Exception {
    start(snapshot(1));
    var bare =
        vertx.createHttpClient(
            new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
    assertThatThrownBy(
            () ->
                get(
                    bare.request(HttpMethod.GET, gateway.healthPort(), "127.0.0.1", "/health")
                        .compose(req -> req.send())
                        .compose(HttpClientResponse::body)))
        .isNotNull();
    get(bare.close());
  }

  @Test
  void builderRejectsOutOfRangeValues() {
    EastWestGateway.Builder b = EastWestGateway.builder(snapshot(1));
    assertThatThrownBy(() -> b.maxConnections(0))
        .hasMessage("maxConnections: 0 (expected: 1..1000000)");
    assertThatThrownBy(() -> b.clientHelloTimeout(Duration.ofMillis(1)))
        .hasMessage("clientHelloTimeout: PT0.001S (expected: PT0.01S..PT5M)");
    assertThatThrownBy(() -> b.maxClientHelloBytes(100))
        .hasMessage("maxClientHelloBytes: 100 (expected: 1024..1048576)");
    assertThatThrownBy(() -> b.port(70000)).hasMessage("port: 70000 (expected: 0..65535)");
  }
}
