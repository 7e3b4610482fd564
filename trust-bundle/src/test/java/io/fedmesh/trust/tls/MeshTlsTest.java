package io.fedmesh.trust.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.trust.ca.CertificateAuthority;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.svid.Svid;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real handshakes on loopback with both engines: the same suite runs on BoringSSL and on the JDK.
 */
class MeshTlsTest {
  private Vertx vertx;
  private final Mesh mesh = new Mesh();
  private final CertificateAuthority east = Mesh.ca("us-east.fedmesh.local");
  private final CertificateAuthority west = Mesh.ca("us-west.fedmesh.local");
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  /** Peer SPIFFE ID seen by the server, by client local port. */
  private final Map<Integer, String> seen = new ConcurrentHashMap<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    mesh.trust(east);
    mesh.trust(west);
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private MeshTls tls(Svid svid, TlsEngine engine) {
    return MeshTls.builder(svid, mesh.lookup).engine(engine).meterRegistry(registry).build();
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  /** An echo server that prefixes each reply with the verified peer ID. */
  private NetServer server(MeshTls tls) throws Exception {
    NetServer server = vertx.createNetServer(tls.configureServer(new NetServerOptions()));
    server.exceptionHandler(tls.handshakeFailureHandler("test"));
    server.connectHandler(
        so -> {
          String peer = MeshTls.peerId(so.sslSession()).map(SpiffeId::toString).orElse("none");
          seen.put(so.remoteAddress().port(), peer);
          so.handler(
              buf ->
                  so.write(
                      Buffer.buffer(peer + "|" + so.sslSession().getProtocol() + "|")
                          .appendBuffer(buf)));
        });
    return await(server.listen(0, "127.0.0.1"));
  }

  /** Clients stay referenced: Vert.x closes a collected client's connections. */
  private final java.util.List<NetClient> clients =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  private NetSocket connect(MeshTls tls, int port, ClientSSLOptions opts) throws Exception {
    NetClient client =
        vertx.createNetClient(new NetClientOptions().setSslEngineOptions(tls.engineOptions()));
    clients.add(client);
    return await(
        client.connect(
            new ConnectOptions()
                .setHost("127.0.0.1")
                .setPort(port)
                .setSsl(true)
                .setSslOptions(opts)));
  }

  private String roundTrip(NetSocket so, String msg) throws Exception {
    java.util.concurrent.CompletableFuture<String> reply =
        new java.util.concurrent.CompletableFuture<>();
    so.handler(b -> reply.complete(b.toString(StandardCharsets.UTF_8)));
    so.closeHandler(v -> reply.completeExceptionally(new java.io.IOException("closed by peer")));
    so.exceptionHandler(reply::completeExceptionally);
    so.write(msg);
    return reply.get(10, TimeUnit.SECONDS);
  }

  private double failures(String reason) {
    var c = registry.find(TlsMetrics.HANDSHAKE_FAILURES).tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  private double rejected(String reason) {
    var c = registry.find(TlsMetrics.PEER_REJECTED).tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsEngine.class,
      names = {"OPENSSL", "JDK"})
  void mutualTlsAcrossTrustDomainsExposesVerifiedPeerId(TlsEngine engine) throws Exception {
    MeshTls serverTls = tls(Mesh.svid(west, "/ns/default/sa/reviews"), engine);
    MeshTls clientTls = tls(Mesh.svid(east, "/ns/default/sa/frontend"), engine);
    assertThat(serverTls.engine()).isEqualTo(engine);
    NetServer server = server(serverTls);
    SpiffeId expected = SpiffeId.parse("spiffe://us-west.fedmesh.local/ns/default/sa/reviews");
    NetSocket so =
        connect(
            clientTls, server.actualPort(), clientTls.clientOptions(expected::equals, List.of()));
    assertThat(MeshTls.peerId(so.sslSession())).contains(expected);
    assertThat(roundTrip(so, "hi"))
        .isEqualTo("spiffe://us-east.fedmesh.local/ns/default/sa/frontend|TLSv1.3|hi");
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsEngine.class,
      names = {"OPENSSL", "JDK"})
  void clientRefusesServerWhoseIdIsNotTheExpectedOne(TlsEngine engine) throws Exception {
    MeshTls serverTls = tls(Mesh.svid(west, "/ns/default/sa/impostor"), engine);
    MeshTls clientTls = tls(Mesh.svid(east, "/ns/default/sa/frontend"), engine);
    NetServer server = server(serverTls);
    SpiffeId expected = SpiffeId.parse("spiffe://us-west.fedmesh.local/ns/default/sa/reviews");
    assertThatThrownBy(
            () ->
                connect(
                    clientTls,
                    server.actualPort(),
                    clientTls.clientOptions(expected::equals, List.of())))
        .hasStackTraceContaining("not authorized");
    assertThat(rejected("not_authorized")).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsEngine.class,
      names = {"OPENSSL", "JDK"})
  void peerFromUnfederatedCaIsRefusedAndListenerKeepsServing(TlsEngine engine) throws Exception {
    CertificateAuthority rogue = Mesh.ca("rogue.example");
    MeshTls serverTls = tls(Mesh.svid(west, "/ns/default/sa/reviews"), engine);
    MeshTls rogueTls = tls(Mesh.svid(rogue, "/ns/default/sa/frontend"), engine);
    NetServer server = server(serverTls);
    try {
      NetSocket so =
          connect(rogueTls, server.actualPort(), rogueTls.clientOptions(id -> true, List.of()));
      // TLS 1.3: the client finishes before the server has checked its certificate; the server's
      // alert then closes the connection, so the first exchange fails.
      roundTrip(so, "x");
      throw new AssertionError("rogue client got an answer");
    } catch (Exception expected) {
      // refused
    }
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(5))
        .until(() -> rejected("unknown_trust_domain") >= 1);
    MeshTls good = tls(Mesh.svid(east, "/ns/default/sa/frontend"), engine);
    NetSocket ok = connect(good, server.actualPort(), good.clientOptions(id -> true, List.of()));
    assertThat(roundTrip(ok, "still")).endsWith("|still");
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsEngine.class,
      names = {"OPENSSL", "JDK"})
  void clientWithoutCertificateIsRefused(TlsEngine engine) throws Exception {
    MeshTls serverTls = tls(Mesh.svid(west, "/ns/default/sa/reviews"), engine);
    NetServer server = server(serverTls);
    NetClient bare =
        vertx.createNetClient(
            new NetClientOptions()
                .setSslEngineOptions(
                    engine == TlsEngine.OPENSSL
                        ? serverTls.engineOptions()
                        : new JdkSSLEngineOptions()));
    try {
      NetSocket so =
          await(
              bare.connect(
                  new ConnectOptions()
                      .setHost("127.0.0.1")
                      .setPort(server.actualPort())
                      .setSsl(true)
                      .setSslOptions(
                          new ClientSSLOptions()
                              .setTrustAll(true)
                              .setHostnameVerificationAlgorithm(""))));
      roundTrip(so, "x");
      throw new AssertionError("client without certificate got an answer");
    } catch (Exception expected) {
      // refused
    }
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(5))
        .until(() -> failures("no_client_certificate") >= 1);
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsEngine.class,
      names = {"OPENSSL", "JDK"})
  void aListenerWithoutClientAuthServesAClientWithoutCertificate(TlsEngine engine)
      throws Exception {
    // Server-authenticated only (the controller's bootstrap port): the post-handshake re-check
    // must not close a connection just because no client certificate was asked for.
    MeshTls serverTls = tls(Mesh.svid(west, "/ns/fedmesh-system/sa/controller"), engine);
    NetServerOptions options = serverTls.configureServer(new NetServerOptions());
    options.setClientAuth(io.vertx.core.http.ClientAuth.NONE);
    NetServer server = vertx.createNetServer(options);
    server.connectHandler(so -> so.handler(so::write));
    await(server.listen(0, "127.0.0.1"));
    MeshTls clientTls = tls(Mesh.svid(east, "/ns/fedmesh-system/sa/controller"), engine);
    NetClientOptions clientOptions =
        clientTls.configureClient(
            new NetClientOptions(), id -> id.toString().endsWith("/sa/controller"));
    clientOptions.setKeyCertOptions(null);
    NetClient bare = vertx.createNetClient(clientOptions);
    clients.add(bare);
    NetSocket so = await(bare.connect(server.actualPort(), "127.0.0.1"));
    assertThat(roundTrip(so, "hello")).isEqualTo("hello");
    assertThat(MeshTls.peerId(so.sslSession())).isPresent();
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsEngine.class,
      names = {"OPENSSL", "JDK"})
  void plaintextClientGetsAnAlertAndIsCounted(TlsEngine engine) throws Exception {
    MeshTls serverTls = tls(Mesh.svid(west, "/ns/default/sa/reviews"), engine);
    NetServer server = server(serverTls);
    byte[] reply;
    try (Socket s = new Socket("127.0.0.1", server.actualPort())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      reply = in.readAllBytes();
    }
    // A TLS alert record: content type 21, then a version, then a 2-byte alert.
    assertThat(reply).isNotEmpty();
    assertThat(reply[0]).isEqualTo((byte) 21);
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(5))
        .until(() -> failures("not_tls") >= 1);
    MeshTls good = tls(Mesh.svid(east, "/ns/default/sa/frontend"), engine);
    NetSocket ok = connect(good, server.actualPort(), good.clientOptions(id -> true, List.of()));
    assertThat(roundTrip(ok, "after")).endsWith("|after");
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsEngine.class,
      names = {"OPENSSL", "JDK"})
  void removingADomainsBundleRefusesItsNextHandshakeEvenAfterAnEarlierSession(TlsEngine engine)
      throws Exception {
    MeshTls serverTls = tls(Mesh.svid(west, "/ns/default/sa/reviews"), engine);
    MeshTls clientTls = tls(Mesh.svid(east, "/ns/default/sa/frontend"), engine);
    NetServer server = server(serverTls);
    ClientSSLOptions opts = clientTls.clientOptions(id -> true, List.of());
    NetClient client =
        vertx.createNetClient(
            new NetClientOptions().setSslEngineOptions(clientTls.engineOptions()));
    ConnectOptions co =
        new ConnectOptions()
            .setHost("127.0.0.1")
            .setPort(server.actualPort())
            .setSsl(true)
            .setSslOptions(opts);
    NetSocket first = await(client.connect(co));
    assertThat(roundTrip(first, "1")).endsWith("|1");
    await(first.close());

    mesh.bundles.remove(east.trustDomain());

    // Same client, same options: a resumed session would skip verification (CVE-2022-21654).
    try {
      NetSocket second = await(client.connect(co));
      roundTrip(second, "2");
      throw new AssertionError("client of a removed trust domain got an answer");
    } catch (Exception expected) {
      // refused
    }
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(5))
        .until(() -> rejected("unknown_trust_domain") >= 1);
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsEngine.class,
      names = {"OPENSSL", "JDK"})
  void renewedSvidIsPresentedByTheNextHandshakeWhileLiveConnectionsKeepWorking(TlsEngine engine)
      throws Exception {
    Svid first = Mesh.svid(west, "/ns/default/sa/reviews");
    MeshTls serverTls = tls(first, engine);
    MeshTls clientTls = tls(Mesh.svid(east, "/ns/default/sa/frontend"), engine);
    NetServer server = server(serverTls);
    java.util.List<String> serials = new java.util.concurrent.CopyOnWriteArrayList<>();
    ClientSSLOptions opts = clientTls.clientOptions(id -> true, List.of());
    NetSocket live = connect(clientTls, server.actualPort(), opts);
    serials.add(
        ((X509Certificate) live.sslSession().getPeerCertificates()[0])
            .getSerialNumber()
            .toString(16));

    Svid renewed = Mesh.svid(west, "/ns/default/sa/reviews");
    serverTls.updateSvid(renewed);

    NetSocket fresh = connect(clientTls, server.actualPort(), opts);
    serials.add(
        ((X509Certificate) fresh.sslSession().getPeerCertificates()[0])
            .getSerialNumber()
            .toString(16));
    assertThat(serials).containsExactly(first.serialHex(), renewed.serialHex());
    assertThat(roundTrip(live, "old")).endsWith("|old");
    assertThat(roundTrip(fresh, "new")).endsWith("|new");
  }

  /**
   * A TLS 1.0 ClientHello offering one CBC suite and no extensions: a client too old to talk to.
   */
  private static byte[] tls10ClientHello() {
    byte[] body = new byte[2 + 32 + 1 + 2 + 2 + 1 + 1];
    int i = 0;
    body[i++] = 3;
    body[i++] = 1; // client_version TLS 1.0
    i += 32; // random (zeros)
    body[i++] = 0; // session id length
    body[i++] = 0;
    body[i++] = 2; // cipher suites length
    body[i++] = 0;
    body[i++] = 0x2f; // TLS_RSA_WITH_AES_128_CBC_SHA
    body[i++] = 1; // compression methods length
    body[i] = 0; // null
    byte[] hs = new byte[4 + body.length];
    hs[0] = 1; // client_hello
    hs[3] = (byte) body.length;
    System.arraycopy(body, 0, hs, 4, body.length);
    byte[] rec = new byte[5 + hs.length];
    rec[0] = 22;
    rec[1] = 3;
    rec[2] = 1;
    rec[4] = (byte) hs.length;
    System.arraycopy(hs, 0, rec, 5, hs.length);
    return rec;
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsEngine.class,
      names = {"OPENSSL", "JDK"})
  void tls10ClientGetsAProtocolAlertAndIsCounted(TlsEngine engine) throws Exception {
    MeshTls serverTls = tls(Mesh.svid(west, "/ns/default/sa/reviews"), engine);
    NetServer server = server(serverTls);
    byte[] reply;
    try (Socket s = new Socket("127.0.0.1", server.actualPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(tls10ClientHello());
      s.getOutputStream().flush();
      reply = s.getInputStream().readAllBytes();
    }
    assertThat(reply).hasSizeGreaterThanOrEqualTo(7);
    assertThat(reply[0]).as("alert record").isEqualTo((byte) 21);
    assertThat(reply[5]).as("fatal").isEqualTo((byte) 2);
    assertThat(reply[6]).as("protocol_version or handshake_failure").isIn((byte) 70, (byte) 40);
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(5))
        .until(() -> failures("protocol") >= 1);
    MeshTls good = tls(Mesh.svid(east, "/ns/default/sa/frontend"), engine);
    NetSocket ok = connect(good, server.actualPort(), good.clientOptions(id -> true, List.of()));
    assertThat(roundTrip(ok, "after")).endsWith("|after");
  }
}
