package io.fedmesh.sidecar.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.proxy.model.AuthorizationPolicy;
import io.fedmesh.proxy.model.AuthorizationPolicy.Action;
import io.fedmesh.proxy.model.AuthorizationRule;
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
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Real mTLS on loopback: callers from two trust domains, a plain app behind the sidecar. */
class InboundProxyTest {
  private static final TrustDomain EAST = TrustDomain.of("us-east.fedmesh.local");
  private static final TrustDomain WEST = TrustDomain.of("us-west.fedmesh.local");
  private final CertificateAuthority eastCa = CertificateAuthority.builder(EAST).build();
  private final CertificateAuthority westCa = CertificateAuthority.builder(WEST).build();
  private final BundleSet bundles =
      BundleSet.builder(TrustBundle.of(WEST, List.of(westCa.root()), 1, null))
          .add(TrustBundle.of(EAST, List.of(eastCa.root()), 1, null))
          .build();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final AtomicReference<AuthorizationPolicy> policy =
      new AtomicReference<>(AuthorizationPolicy.ALLOW_MESH);
  private final java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private Vertx vertx;
  private int inboundPort;

  static Svid svid(CertificateAuthority ca, String path) {
    return SvidIssuer.issueLocally(
        ca,
        SpiffeId.parse(ca.trustDomain().idString() + path),
        KeyAlgorithm.EC_P256,
        SvidIssuer.DEFAULT_TTL);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    // The app: echoes what it was told about the caller, and sends trailers on /grpc-like.
    int appPort =
        await(
                vertx
                    .createHttpServer(new HttpServerOptions())
                    .requestHandler(
                        req -> {
                          seen.add(req.path());
                          req.body()
                              .onSuccess(
                                  body -> {
                                    var resp = req.response();
                                    resp.putHeader(
                                        "x-seen-peer",
                                        String.valueOf(
                                            req.getHeader(InboundProxy.PEER_IDENTITY_HEADER)));
                                    resp.putHeader(
                                        "x-seen-xfcc",
                                        String.valueOf(req.getHeader(InboundProxy.XFCC_HEADER)));
                                    resp.putHeader(
                                        "x-seen-spoof",
                                        String.valueOf(req.getHeader("x-fedmesh-spoof")));
                                    resp.putHeader("x-seen-path", req.uri());
                                    resp.end("body:" + body);
                                  });
                        })
                    .listen(0, "127.0.0.1"))
            .actualPort();
    MeshTls tls = MeshTls.builder(svid(westCa, "/ns/default/sa/reviews"), bundles).build();
    inboundPort =
        await(
            InboundProxy.builder(vertx, tls, appPort)
                .listen("127.0.0.1", 0)
                .policy(policy::get)
                .meterRegistry(registry)
                .appTimeout(java.time.Duration.ofSeconds(3))
                .build()
                .start());
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  private HttpClient client(Svid callerSvid, HttpVersion version) {
    MeshTls tls = MeshTls.builder(callerSvid, bundles).build();
    return vertx.createHttpClient(
        tls.configureClient(
            new HttpClientOptions().setProtocolVersion(version).setUseAlpn(true),
            id ->
                id.equals(SpiffeId.parse("spiffe://us-west.fedmesh.local/ns/default/sa/reviews"))));
  }

  /** A response with its body read in the same event-loop turn (else the body can be missed). */
  record Reply(HttpClientResponse response, String body) {
    int statusCode() {
      return response.statusCode();
    }

    String getHeader(String name) {
      return response.getHeader(name);
    }

    HttpVersion version() {
      return response.version();
    }
  }

  private Reply call(HttpClient c, HttpMethod m, String uri, String spoofXfcc) throws Exception {
    RequestOptions ro =
        new RequestOptions().setMethod(m).setHost("127.0.0.1").setPort(inboundPort).setURI(uri);
    if (spoofXfcc != null) {
      ro.putHeader(InboundProxy.XFCC_HEADER, spoofXfcc)
          .putHeader(InboundProxy.PEER_IDENTITY_HEADER, spoofXfcc)
          .putHeader("x-fedmesh-spoof", "yes");
    }
    return TestCalls.call(
        vertx,
        ro,
        () ->
            c.request(ro)
                .compose(r -> r.send(Buffer.buffer("hello")))
                .compose(resp -> resp.body().map(b -> new Reply(resp, b.toString()))));
  }

  @ParameterizedTest
  @EnumSource(
      value = HttpVersion.class,
      names = {"HTTP_1_1", "HTTP_2"})
  void forwardsWithVerifiedIdentityAndStripsSpoofedHeaders(HttpVersion version) throws Exception {
    HttpClient c = client(svid(eastCa, "/ns/shop/sa/frontend"), version);
    Reply r =
        call(
            c,
            HttpMethod.POST,
            "/api//items/../orders?q=1",
            "By=spiffe://evil/x;URI=spiffe://us-west.fedmesh.local/ns/admin/sa/root");
    String body = r.body();
    assertThat(r.version()).isEqualTo(version);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(body).isEqualTo("body:hello");
    assertThat(r.getHeader("x-seen-peer"))
        .isEqualTo("spiffe://us-east.fedmesh.local/ns/shop/sa/frontend");
    assertThat(r.getHeader("x-seen-xfcc"))
        .isEqualTo(
            "By=spiffe://us-west.fedmesh.local/ns/default/sa/reviews;URI=spiffe://us-east.fedmesh.local/ns/shop/sa/frontend");
    assertThat(r.getHeader("x-seen-spoof")).isEqualTo("null");
    assertThat(r.getHeader("x-seen-path")).isEqualTo("/api/orders?q=1");
  }

  @Test
  void denyRuleByPrincipalPrefixAcrossTrustDomainsGives403WithReason() throws Exception {
    policy.set(
        new AuthorizationPolicy(
            Action.ALLOW,
            List.of(
                new AuthorizationRule(
                    "deny-east-legacy",
                    Action.DENY,
                    List.of("spiffe://us-east.fedmesh.local/ns/legacy/*"),
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of()))));
    Reply denied =
        call(
            client(svid(eastCa, "/ns/legacy/sa/old"), HttpVersion.HTTP_2),
            HttpMethod.GET,
            "/x",
            null);
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(denied.body()).contains("denied by rule 'deny-east-legacy'");
    Reply allowed =
        call(
            client(svid(eastCa, "/ns/shop/sa/web"), HttpVersion.HTTP_2),
            HttpMethod.GET,
            "/x",
            null);
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(
            registry
                .find("fedmesh.requests")
                .tag("direction", "inbound")
                .tag("decision", "denied")
                .timer()
                .count())
        .isEqualTo(1);
  }

  @Test
  void defaultDenyAllowsOnlyTheListedNamespaceMethodAndPathPrefix() throws Exception {
    policy.set(
        new AuthorizationPolicy(
            Action.DENY,
            List.of(
                new AuthorizationRule(
                    "allow-shop-api-get",
                    Action.ALLOW,
                    List.of(),
                    List.of("us-east.fedmesh.local"),
                    List.of("shop"),
                    List.of("GET"),
                    List.of("/api")))));
    HttpClient shop = client(svid(eastCa, "/ns/shop/sa/web"), HttpVersion.HTTP_1_1);
    assertThat(call(shop, HttpMethod.GET, "/api/items", null).statusCode()).isEqualTo(200);
    Reply second = call(shop, HttpMethod.GET, "/api", null);
    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    assertThat(call(shop, HttpMethod.POST, "/api/items", null).statusCode()).isEqualTo(403);
    assertThat(call(shop, HttpMethod.GET, "/apix", null).statusCode()).isEqualTo(403);
    assertThat(call(shop, HttpMethod.GET, "/admin", null).statusCode()).isEqualTo(403);
    // Normalization tricks do not reach /admin through an allowed prefix.
    assertThat(call(shop, HttpMethod.GET, "/api/../admin", null).statusCode()).isEqualTo(403);
    assertThat(call(shop, HttpMethod.GET, "/api/%2e%2e/admin", null).statusCode()).isEqualTo(403);
    assertThat(call(shop, HttpMethod.GET, "/api%2f..%2fadmin", null).statusCode()).isEqualTo(400);
    HttpClient west = client(svid(westCa, "/ns/shop/sa/web"), HttpVersion.HTTP_1_1);
    assertThat(call(west, HttpMethod.GET, "/api/items", null).statusCode())
        .as("same namespace name in another trust domain")
        .isEqualTo(403);
  }

  @Test
  void callerFromAnUnfederatedCaIsRefusedAtTheHandshake() {
    CertificateAuthority rogue =
        CertificateAuthority.builder(TrustDomain.of("rogue.example")).build();
    MeshTls rogueTls = MeshTls.builder(svid(rogue, "/ns/shop/sa/web"), bundles).build();
    HttpClient c =
        vertx.createHttpClient(rogueTls.configureClient(new HttpClientOptions(), id -> true));
    assertThatThrownBy(() -> call(c, HttpMethod.GET, "/x", null)).isNotNull();
  }

  /**
   * A raw TLS socket to the inbound listener with a caller SVID from the east CA, the handshake
   * done with {@code alpn} agreed.
   */
  private javax.net.ssl.SSLSocket mtlsSocket(String alpn) throws Exception {
    Svid caller = svid(eastCa, "/ns/shop/sa/attacker");
    java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry(
        "svid",
        caller.privateKey(),
        new char[0],
        caller.chain().toArray(new java.security.cert.X509Certificate[0]));
    javax.net.ssl.KeyManagerFactory kmf =
        javax.net.ssl.KeyManagerFactory.getInstance(
            javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, new char[0]);
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    // The server's identity is not what this test is about: accept it as presented.
    ctx.init(
        kmf.getKeyManagers(),
        new javax.net.ssl.TrustManager[] {
          new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
              return new java.security.cert.X509Certificate[0];
            }
          }
        },
        null);
    javax.net.ssl.SSLSocket socket =
        (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", inboundPort);
    javax.net.ssl.SSLParameters params = socket.getSSLParameters();
    params.setApplicationProtocols(new String[] {alpn});
    socket.setSSLParameters(params);
    socket.startHandshake();
    assertThat(socket.getApplicationProtocol()).isEqualTo(alpn);
    return socket;
  }

  @Test
  void http2ContinuationFloodOverMtlsIsCutOffWithGoAway() throws Exception {
    javax.net.ssl.SSLSocket socket = mtlsSocket("h2");
    io.fedmesh.sidecar.ContinuationFlood.Result r =
        io.fedmesh.sidecar.ContinuationFlood.run(socket, 1024);
    assertThat(r.closedByServer()).isTrue();
    assertThat(r.goAway()).isTrue();
    HttpClient good = client(svid(eastCa, "/ns/shop/sa/web"), HttpVersion.HTTP_2);
    assertThat(call(good, HttpMethod.GET, "/x", null).statusCode()).isEqualTo(200);
  }

  /** Inbound HTTP/2 connections closed for abuse of {@code kind} so far. */
  private double abuses(String kind) {
    return registry
        .get(io.fedmesh.sidecar.metrics.RequestMeters.HTTP2_ABUSE)
        .tag("direction", "inbound")
        .tag("kind", kind)
        .counter()
        .count();
  }

  /**
   * An HTTP/2 mTLS client of the inbound listener as workload {@code path} of east that puts all
   * its requests on one connection; {@code onConnect} sees that connection.
   */
  private HttpClient oneConnectionClient(
      String path, io.vertx.core.Handler<io.vertx.core.http.HttpConnection> onConnect)
      throws Exception {
    MeshTls tls = MeshTls.builder(svid(eastCa, path), bundles).build();
    return vertx
        .httpClientBuilder()
        .with(
            tls.configureClient(
                new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setUseAlpn(true),
                id -> true))
        .with(new io.vertx.core.http.PoolOptions().setHttp2MaxSize(1))
        .withConnectHandler(onConnect)
        .build();
  }

  @Test
  void http2RapidResetIsCutOffWithBoundedWork() throws Exception {
    // CVE-2023-44487: open and reset streams as fast as possible on one connection.
    // Cut off: a GOAWAY came (the server then lingers up to a second before it closes, while
    // this client would open a new connection and go on) or the connection closed.
    java.util.concurrent.atomic.AtomicBoolean closed =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicInteger lastStream =
        new java.util.concurrent.atomic.AtomicInteger(-1);
    HttpClient c =
        oneConnectionClient(
            "/ns/shop/sa/attacker",
            conn -> {
              conn.goAwayHandler(
                  goAway -> {
                    lastStream.compareAndSet(-1, goAway.getLastStreamId());
                    closed.set(true);
                  });
              conn.closeHandler(v -> closed.set(true));
            });
    int attempts = 0;
    for (int i = 0; i < 2000 && !closed.get(); i++) {
      attempts++;
      try {
        var req =
            await(
                c.request(
                    new RequestOptions()
                        .setMethod(HttpMethod.GET)
                        .setHost("127.0.0.1")
                        .setPort(inboundPort)
                        .setURI("/flood/" + i)));
        await(req.sendHead());
        req.reset();
      } catch (Exception e) {
        break; // the connection was refused further streams
      }
    }
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilTrue(closed);
    // The client's count of streams includes those it wrote while the GOAWAY was on its way,
    // which the server never decoded; the server's work is in the GOAWAY: the last stream it took.
    assertThat(attempts).as("streams the client opened").isLessThan(2000);
    assertThat(lastStream.get())
        .as("last stream of the GOAWAY")
        .isBetween(1, 2 * (io.fedmesh.sidecar.ListenerGuards.MIN_PREMATURE_RESETS + 2) + 1);
    assertThat(abuses(io.fedmesh.sidecar.ListenerGuards.PREMATURE_RESETS)).isEqualTo(1.0);
    // The listener still serves a well-behaved caller.
    HttpClient good = client(svid(eastCa, "/ns/shop/sa/web"), HttpVersion.HTTP_2);
    assertThat(call(good, HttpMethod.GET, "/x", null).statusCode()).isEqualTo(200);
  }

  @Test
  void http2CancellationsAmongAnsweredRequestsKeepTheSharedConnection() throws Exception {
    // A caller sharing one connection for many requests (a sidecar carrying its app's HTTP/1.1 as
    // HTTP/2) cancels a third of them, more than Vert.x's own limit of 200 resets per 30 s: the
    // connection stays, because most of its streams get their answer.
    java.util.concurrent.atomic.AtomicInteger opened =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean closed =
        new java.util.concurrent.atomic.AtomicBoolean();
    HttpClient c =
        oneConnectionClient(
            "/ns/shop/sa/web",
            conn -> {
              opened.incrementAndGet();
              conn.closeHandler(v -> closed.set(true));
            });
    RequestOptions cancel =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setHost("127.0.0.1")
            .setPort(inboundPort)
            .setURI("/cancelled");
    int cancelled = io.fedmesh.sidecar.ListenerGuards.MIN_PREMATURE_RESETS + 50;
    for (int i = 0; i < cancelled; i++) {
      TestCalls.call(
          vertx,
          cancel,
          () ->
              c.request(cancel)
                  .compose(req -> req.sendHead().compose(v -> req.reset(0x8 /* CANCEL */))));
      for (int j = 0; j < 2; j++) {
        assertThat(call(c, HttpMethod.GET, "/answered", null).statusCode())
            .as("answered request after %d cancelled", i + 1)
            .isEqualTo(200);
      }
    }
    assertThat(closed).as("the shared connection was closed").isFalse();
    assertThat(opened).as("connections the caller opened").hasValue(1);
    assertThat(
            registry
                .find(io.fedmesh.sidecar.metrics.RequestMeters.HTTP2_ABUSE)
                .tag("kind", io.fedmesh.sidecar.ListenerGuards.PREMATURE_RESETS)
                .counter())
        .isNull();
  }

  /** Writes {@code raw} over mTLS (HTTP/1.1) and returns all the listener sent until it closed. */
  private String exchangeHttp1(String raw) throws Exception {
    try (javax.net.ssl.SSLSocket s = mtlsSocket("http/1.1")) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(raw.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      try {
        int n;
        while ((n = s.getInputStream().read(buf)) != -1) {
          all.write(buf, 0, n);
        }
      } catch (java.net.SocketException e) {
        // reset after the answer: what was read is the answer
      }
      return all.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
  }

  private void assertListenerKeepsServing() throws Exception {
    HttpClient good = client(svid(eastCa, "/ns/shop/sa/web"), HttpVersion.HTTP_1_1);
    assertThat(call(good, HttpMethod.GET, "/after", null).statusCode()).isEqualTo(200);
  }

  @Test
  void contentLengthWithTransferEncodingGets400NamingTheConflictAndIsNeverForwarded()
      throws Exception {
    // CVE-2019-16869 / CVE-2019-20445: a front end framing by Content-Length and a back end by
    // chunks disagree where the request ends. The pipelined request after it must not be served.
    String answer =
        exchangeHttp1(
            "POST /smuggle HTTP/1.1\r\nHost: reviews\r\nContent-Length: 5\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                + "GET /smuggled HTTP/1.1\r\nHost: reviews\r\n\r\n");
    assertThat(answer)
        .containsPattern("^HTTP/1\\.[01] 400 ")
        .contains("both Content-Length and Transfer-Encoding")
        .containsOnlyOnce("HTTP/1.");
    assertListenerKeepsServing();
    assertThat(seen).doesNotContain("/smuggle", "/smuggled");
  }

  @Test
  void whitespaceBeforeHeaderColonGets400() throws Exception {
    String answer = exchangeHttp1("GET /ws HTTP/1.1\r\nHost : reviews\r\n\r\n");
    assertThat(answer).containsPattern("^HTTP/1\\.[01] 400 ").containsOnlyOnce("HTTP/1.");
    assertListenerKeepsServing();
    assertThat(seen).doesNotContain("/ws");
  }

  @Test
  void obsFoldGets400NamingTheFolding() throws Exception {
    String answer =
        exchangeHttp1("GET /fold HTTP/1.1\r\nHost: reviews\r\nX-Folded: a\r\n b\r\n\r\n");
    assertThat(answer)
        .containsPattern("^HTTP/1\\.[01] 400 ")
        .contains("obs-fold")
        .containsOnlyOnce("HTTP/1.");
    assertListenerKeepsServing();
    assertThat(seen).doesNotContain("/fold");
  }

  @Test
  void oversizedHeaderGets431() throws Exception {
    String answer =
        exchangeHttp1(
            "GET /big HTTP/1.1\r\nHost: reviews\r\nX-Big: " + "a".repeat(17 * 1024) + "\r\n\r\n");
    assertThat(answer).containsPattern("^HTTP/1\\.[01] 431 ");
    assertListenerKeepsServing();
    assertThat(seen).doesNotContain("/big");
  }

  @Test
  void http2EmptyContinuationFloodOverMtlsIsCutOffWithGoAway() throws Exception {
    io.fedmesh.sidecar.ContinuationFlood.Result r =
        io.fedmesh.sidecar.ContinuationFlood.run(mtlsSocket("h2"), 0);
    assertThat(r.closedByServer()).isTrue();
    assertThat(r.bytesWritten())
        .as("bytes the flood wrote before the close, socket buffers included")
        .isLessThan(4 * io.fedmesh.sidecar.ListenerGuards.MAX_BYTES_WITHOUT_PROGRESS);
    assertThat(r.goAway()).isTrue();
    assertThat(abuses(io.fedmesh.sidecar.ListenerGuards.NO_PROGRESS)).isEqualTo(1.0);
    HttpClient good = client(svid(eastCa, "/ns/shop/sa/web"), HttpVersion.HTTP_2);
    assertThat(call(good, HttpMethod.GET, "/x", null).statusCode()).isEqualTo(200);
  }

  @ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"rapid reset", "MadeYouReset"})
  void http2ResetFloodOverMtlsIsCutOffWithGoAway(String flood) throws Exception {
    javax.net.ssl.SSLSocket socket = mtlsSocket("h2");
    io.fedmesh.sidecar.ContinuationFlood.Result r =
        flood.equals("rapid reset")
            ? io.fedmesh.sidecar.ResetFloods.rapidReset(socket, "reviews")
            : io.fedmesh.sidecar.ResetFloods.madeYouReset(socket, "reviews");
    assertThat(r.closedByServer()).isTrue();
    assertThat(r.goAway()).isTrue();
    // The streams the listener took (below the GOAWAY's last stream, not refused past the
    // concurrency limit): a client's resets count as they are decoded, a reset the listener sends
    // when the next stream opens or, at the latest, when it is written at the end of the read;
    // either way the listener stops within a stream or two of the guard's minimum.
    assertThat(r.streamsTaken())
        .as("streams taken before the GOAWAY")
        .isBetween(
            io.fedmesh.sidecar.ListenerGuards.MIN_PREMATURE_RESETS,
            io.fedmesh.sidecar.ListenerGuards.MIN_PREMATURE_RESETS + 2);
    assertThat(abuses(io.fedmesh.sidecar.ListenerGuards.PREMATURE_RESETS)).isEqualTo(1.0);
    HttpClient good = client(svid(eastCa, "/ns/shop/sa/web"), HttpVersion.HTTP_2);
    assertThat(call(good, HttpMethod.GET, "/x", null).statusCode()).isEqualTo(200);
  }
}
