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
import io.fedmesh.sidecar.ContinuationFlood;
import io.fedmesh.sidecar.ListenerGuards;
import io.fedmesh.sidecar.ResetFloods;
import io.fedmesh.sidecar.inbound.InboundProxy;
import io.fedmesh.sidecar.metrics.RequestMeters;
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
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Malformed HTTP/1.1 from the app to the outbound listener, written as raw bytes: each gets its
 * specific answer, and the listener keeps serving well-formed requests afterwards.
 */
class OutboundBadInputIT {
  private static final TrustDomain EAST = TrustDomain.of("us-east.fedmesh.local");
  private static final Locality ZONE_A = new Locality("us-east", "us-east-1a", "us-east");
  private static final SpiffeId REVIEWS =
      SpiffeId.parse("spiffe://us-east.fedmesh.local/ns/default/sa/reviews");
  private static final String HOST = "reviews.default.svc.cluster.local";
  private static final String CLOSED = "<closed>";
  private final CertificateAuthority ca = CertificateAuthority.builder(EAST).build();
  private final BundleSet bundles = BundleSet.of(TrustBundle.of(EAST, List.of(ca.root()), 1, null));
  private final java.util.Set<String> started = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final java.util.Set<String> completed =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final java.util.Set<String> failed = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private Vertx vertx;
  private int outboundPort;

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

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    int appPort =
        await(
                vertx
                    .createHttpServer(new HttpServerOptions())
                    .requestHandler(
                        req -> {
                          started.add(req.path());
                          req.body()
                              .onSuccess(
                                  b -> {
                                    completed.add(req.path());
                                    req.response().end("ok");
                                  })
                              .onFailure(t -> failed.add(req.path()));
                        })
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
            List.of(Endpoint.local("reviews-a", "127.0.0.1", inboundPort, ZONE_A)));
    ProxySnapshot snapshot =
        new ProxySnapshot(
            1,
            "us-east",
            ZONE_A,
            Map.of(reviews.name(), reviews),
            Map.of(),
            AuthorizationPolicy.ALLOW_MESH);
    MeshTls frontendTls =
        MeshTls.builder(
                svid(SpiffeId.parse("spiffe://us-east.fedmesh.local/ns/default/sa/frontend")),
                bundles)
            .build();
    outboundPort =
        await(
            OutboundProxy.builder(vertx, frontendTls, () -> snapshot)
                .listen("127.0.0.1", 0)
                .meterRegistry(registry)
                .build()
                .start());
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  /**
   * Writes {@code raw} on a fresh connection and returns the response's status line, or {@link
   * #CLOSED} when the listener closed the connection without answering.
   */
  private String exchange(String raw) throws IOException {
    try (Socket s = new Socket("127.0.0.1", outboundPort)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      try {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      } catch (IOException e) {
        // the listener may answer and close before all was written; read what it said
      }
      InputStream in = s.getInputStream();
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      try {
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
          line.write(c);
        }
      } catch (java.net.SocketException e) {
        // reset: treat like a close
      }
      String status = line.toString(StandardCharsets.ISO_8859_1).trim();
      return status.isEmpty() ? CLOSED : status;
    }
  }

  /** Writes {@code raw} on a fresh connection and returns all the listener sent until it closed. */
  private String exchangeAll(String raw) throws IOException {
    try (Socket s = new Socket("127.0.0.1", outboundPort)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  private static int code(String statusLine) {
    // Vert.x answers requests it could not parse as HTTP/1.0 (no version was agreed)
    assertThat(statusLine).matches("HTTP/1\\.[01] \\d{3}.*");
    return Integer.parseInt(statusLine.substring(9, 12));
  }

  private void assertListenerKeepsServing() throws IOException {
    assertThat(
            exchange("GET /reviews/1 HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n"))
        .isEqualTo("HTTP/1.1 200 OK");
  }

  @Test
  void wellFormedRequestIsServed() throws IOException {
    assertListenerKeepsServing();
  }

  @Test
  void anAbsoluteFormTargetIsRoutedByItsAuthorityAndForwardedInOriginForm() throws IOException {
    // A client with the sidecar as its HTTP proxy: the target names the service, Host does not
    // (RFC 9112 3.2.2: the target's authority wins), and the app gets an origin-form path.
    assertThat(
            exchange(
                "GET http://"
                    + HOST
                    + "/reviews/abs?q=1 HTTP/1.1\r\nHost: elsewhere.default.svc.cluster.local"
                    + "\r\nConnection: close\r\n\r\n"))
        .isEqualTo("HTTP/1.1 200 OK");
    assertThat(completed).contains("/reviews/abs");
  }

  @Test
  void oversizedHeaderGets431() throws IOException {
    String big = "a".repeat(17 * 1024);
    assertThat(
            code(
                exchange(
                    "GET /reviews/1 HTTP/1.1\r\nHost: " + HOST + "\r\nX-Big: " + big + "\r\n\r\n")))
        .isEqualTo(431);
    assertListenerKeepsServing();
  }

  @Test
  void oversizedRequestLineGets414() throws IOException {
    String uri = "/" + "a".repeat(9 * 1024);
    assertThat(code(exchange("GET " + uri + " HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n")))
        .isEqualTo(414);
    assertListenerKeepsServing();
  }

  @Test
  void malformedRequestLineGets400() throws IOException {
    assertThat(code(exchange("GARBAGE\r\nHost: " + HOST + "\r\n\r\n"))).isEqualTo(400);
    assertListenerKeepsServing();
  }

  @Test
  void invalidChunkedEncodingClosesTheConnection() throws IOException {
    // The head was valid, so the request is already under way when the bad chunk size arrives:
    // no status can be sent any more; the connection is closed without a response.
    assertThat(
            exchange(
                "POST /reviews/1 HTTP/1.1\r\nHost: "
                    + HOST
                    + "\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"))
        .isEqualTo(CLOSED);
    assertListenerKeepsServing();
  }

  @Test
  void conflictingContentLengthAndTransferEncodingIsFramedByTransferEncoding() throws IOException {
    // Netty drops Content-Length when Transfer-Encoding: chunked is present (RFC 9112 section
    // 6.3 allows this instead of 400). Framed by chunks, the empty body ends at "0\r\n\r\n" and
    // the pipelined request after it is answered as a request of its own, not smuggled in a body.
    // Rejecting with 400 (and closing, as section 6.1 asks) needs the decoder itself, and on this
    // plaintext listener with h2c Vert.x lets no one swap it before the first request is decoded
    // (ListenerGuards); the inbound mTLS listener does reject it.
    String conflicting =
        "POST /reviews/1 HTTP/1.1\r\nHost: "
            + HOST
            + "\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    String next = "GET /reviews/1 HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n";
    String all = exchangeAll(conflicting + next);
    assertThat(all.split("HTTP/1\\.1 200 OK", -1)).hasSize(3);
    assertListenerKeepsServing();
  }

  @Test
  void conflictingDuplicateContentLengthGets400AndIsNeverForwarded() throws IOException {
    assertThat(
            code(
                exchange(
                    "POST /twice HTTP/1.1\r\nHost: "
                        + HOST
                        + "\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!")))
        .isEqualTo(400);
    assertListenerKeepsServing();
    assertThat(started).doesNotContain("/twice");
  }

  @Test
  void bufferedBodyShorterThanContentLengthIsNeverForwarded() throws IOException {
    try (Socket s = new Socket("127.0.0.1", outboundPort)) {
      s.getOutputStream()
          .write(
              ("POST /short-small HTTP/1.1\r\nHost: "
                      + HOST
                      + "\r\nContent-Length: 100\r\n\r\nonly ten b")
                  .getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
    } // closed with 90 bytes missing
    assertListenerKeepsServing();
    assertThat(started).doesNotContain("/short-small");
  }

  @Test
  void streamedBodyShorterThanContentLengthNeverCompletesUpstream() throws IOException {
    // Larger than what the sidecar buffers, so the request is already upstream when the app's
    // connection goes away with half the body missing: the upstream must not see it complete.
    int announced = OutboundProxy.Builder.DEFAULT_MAX_BUFFERED_BODY * 4;
    try (Socket s = new Socket("127.0.0.1", outboundPort)) {
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /short-big HTTP/1.1\r\nHost: "
                  + HOST
                  + "\r\nContent-Length: "
                  + announced
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.write(new byte[announced / 2]);
      out.flush();
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(() -> started.contains("/short-big"));
    }
    // A request after it, on the same upstream, is served; the cut one never completed.
    assertListenerKeepsServing();
    assertThat(completed).contains("/reviews/1").doesNotContain("/short-big");
  }

  @Test
  void http2ContinuationFloodOnH2cIsCutOffWithGoAway() throws Exception {
    ContinuationFlood.Result r = ContinuationFlood.run(new Socket("127.0.0.1", outboundPort), 1024);
    assertThat(r.closedByServer()).as("closed before %d bytes", ContinuationFlood.CAP).isTrue();
    assertThat(r.goAway()).isTrue();
    assertListenerKeepsServing();
  }

  @Test
  void http2EmptyContinuationFloodOnH2cIsCutOffWithGoAway() throws Exception {
    // Empty CONTINUATION frames add nothing to the header block Netty bounds; the listener's
    // guard closes the connection once ListenerGuards.MAX_BYTES_WITHOUT_PROGRESS bytes went by
    // without a complete frame.
    ContinuationFlood.Result r = ContinuationFlood.run(new Socket("127.0.0.1", outboundPort), 0);
    assertThat(r.closedByServer()).as("closed before %d bytes", ContinuationFlood.CAP).isTrue();
    assertThat(r.bytesWritten())
        .as("bytes the flood wrote before the close, socket buffers included")
        .isLessThan(4 * ListenerGuards.MAX_BYTES_WITHOUT_PROGRESS);
    assertThat(r.goAway()).isTrue();
    assertListenerKeepsServing();
  }

  @Test
  void http2AbusiveConnectionIsClosedAfterItsLingerEvenIfThePeerKeepsItOpen() throws Exception {
    // After the GOAWAY the listener only shuts its output down and drops what still comes; a
    // peer that never closes its end must not keep the connection for ever.
    double before = activeConnections();
    try (Socket socket = new Socket("127.0.0.1", outboundPort)) {
      socket.setSoTimeout(10_000);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(ResetFloods.opening());
      byte[] headers = ResetFloods.requestHeaders(HOST);
      for (int i = 0; i < 2 * ListenerGuards.MIN_PREMATURE_RESETS; i++) {
        out.write(ResetFloods.rapidResetRound(2 * i + 1, headers));
      }
      socket.getOutputStream().write(out.toByteArray());
      InputStream in = socket.getInputStream();
      byte[] buf = new byte[8192];
      while (in.read(buf) != -1) {
        // the listener's frames up to its GOAWAY, then its FIN
      }
      // This end stays open; the listener closes its own after the linger.
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(() -> activeConnections() == before);
      assertThat(socket.isClosed()).isFalse();
    }
    assertThat(abuses(ListenerGuards.PREMATURE_RESETS)).isEqualTo(1.0);
  }

  /** Outbound HTTP/2 connections closed for abuse of {@code kind} so far. */
  private double abuses(String kind) {
    return registry
        .get(RequestMeters.HTTP2_ABUSE)
        .tag("direction", "outbound")
        .tag("kind", kind)
        .counter()
        .count();
  }

  /** The outbound listener's open connections, as its gauge counts them. */
  private double activeConnections() {
    return registry.get(RequestMeters.CONNECTIONS_ACTIVE).gauge().value();
  }

  @Test
  void http2StreamsPastTheAdvertisedLimitAreRefusedBeforeTheClientAcksSettings() throws Exception {
    // Netty applies the listener's SETTINGS_MAX_CONCURRENT_STREAMS once the client acknowledged
    // its SETTINGS; this client never does, and opens half as many streams again as allowed.
    int limit = (int) HttpServerOptions.DEFAULT_INITIAL_SETTINGS_MAX_CONCURRENT_STREAMS;
    int streams = limit + limit / 2;
    List<Integer> refused = new java.util.ArrayList<>();
    try (Socket socket = new Socket("127.0.0.1", outboundPort)) {
      socket.setSoTimeout(10_000);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(ResetFloods.opening()); // its SETTINGS, and never an ACK of the listener's
      byte[] headers = ResetFloods.requestHeaders(HOST);
      for (int i = 0; i < streams; i++) {
        // END_HEADERS without END_STREAM: each request waits for its body, its stream stays open.
        out.write(ContinuationFlood.frame(1, 0x4, 2 * i + 1, headers));
      }
      socket.getOutputStream().write(out.toByteArray());
      java.io.DataInputStream in = new java.io.DataInputStream(socket.getInputStream());
      while (refused.size() < streams - limit) {
        int length = in.readUnsignedByte() << 16 | in.readUnsignedShort();
        int type = in.readUnsignedByte();
        in.readUnsignedByte(); // flags
        int stream = in.readInt() & 0x7fffffff;
        byte[] payload = in.readNBytes(length);
        if (type == 3 && java.nio.ByteBuffer.wrap(payload).getInt() == 7) { // REFUSED_STREAM
          refused.add(stream);
        }
      }
    }
    assertThat(refused)
        .as("streams refused")
        .containsExactlyElementsOf(
            java.util.stream.IntStream.range(limit, streams).mapToObj(i -> 2 * i + 1).toList());
    assertListenerKeepsServing();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"rapid reset", "MadeYouReset"})
  void http2ResetFloodOnH2cIsCutOffWithGoAway(String flood) throws Exception {
    Socket socket = new Socket("127.0.0.1", outboundPort);
    ContinuationFlood.Result r =
        flood.equals("rapid reset")
            ? ResetFloods.rapidReset(socket, HOST)
            : ResetFloods.madeYouReset(socket, HOST);
    assertThat(r.closedByServer()).as("closed before %d bytes", ContinuationFlood.CAP).isTrue();
    assertThat(r.goAway()).isTrue();
    // The streams the listener took (below the GOAWAY's last stream, not refused past the
    // concurrency limit): a client's resets count as they are decoded, a reset the listener sends
    // when the next stream opens or, at the latest, when it is written at the end of the read;
    // either way the listener stops within a stream or two of the guard's minimum.
    assertThat(r.streamsTaken())
        .as("streams taken before the GOAWAY")
        .isBetween(ListenerGuards.MIN_PREMATURE_RESETS, ListenerGuards.MIN_PREMATURE_RESETS + 2);
    assertThat(abuses(ListenerGuards.PREMATURE_RESETS)).isEqualTo(1.0);
    // The streams the app reset were reset upstream too: reviews is served at once, its
    // endpoint neither starved of pooled connections nor ejected.
    assertListenerKeepsServing();
  }

  @Test
  void whitespaceBeforeHeaderColonGets400() throws IOException {
    assertThat(code(exchange("GET /reviews/1 HTTP/1.1\r\nHost : " + HOST + "\r\n\r\n")))
        .isEqualTo(400);
    assertListenerKeepsServing();
  }

  @Test
  void obsFoldIsUnfoldedNotRejected() throws IOException {
    // Netty replaces obs-fold with a space, the other behaviour RFC 9112 section 5.2 allows; the
    // inbound mTLS listener's own decoder rejects it (see ListenerGuards).
    assertThat(
            code(
                exchange(
                    "GET /reviews/1 HTTP/1.1\r\nHost: " + HOST + "\r\nX-Folded: a\r\n b\r\n\r\n")))
        .isEqualTo(200);
    assertListenerKeepsServing();
  }
}
