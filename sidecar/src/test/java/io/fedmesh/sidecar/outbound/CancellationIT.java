package io.fedmesh.sidecar.outbound;

import static io.fedmesh.sidecar.FederatedIdentities.await;
import static org.assertj.core.api.Assertions.assertThat;

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
import io.fedmesh.sidecar.FederatedIdentities;
import io.fedmesh.sidecar.inbound.InboundProxy;
import io.fedmesh.testing.TestCalls;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Calls given up on, through both sidecars to an HTTP/1.1 app: a cancelled upload must reach the
 * app as a broken request, never as a complete one (it would commit a truncated body), and a
 * cancelled streaming response must free the app's side of it. And the two deadlines: the per-try
 * timeout counts from the end of the upload, not its start; the service's timeout ends a call whose
 * try would wait longer; an endpoint that never completes its handshake fails the try as a connect
 * failure, retried elsewhere, not as a full connection pool. And a client that waits for {@code 100
 * Continue} before its body gets it from the sidecar.
 */
class CancellationIT {
  private static final Locality ZONE_A = FederatedIdentities.EAST_A;
  private final FederatedIdentities mesh = new FederatedIdentities();

  /** What the app saw, in order: "chunk", "end", "error", "closed" (its response). */
  private final BlockingQueue<String> app = new LinkedBlockingQueue<>();

  private Vertx vertx;
  private int outboundPort;
  private HttpClient h2c;
  private volatile ProxySnapshot snapshot;
  private final io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
      new io.micrometer.core.instrument.simple.SimpleMeterRegistry();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    int appPort =
        await(
                vertx
                    .createHttpServer(new HttpServerOptions())
                    .requestHandler(
                        req -> {
                          req.exceptionHandler(e -> app.add("error"));
                          req.response().closeHandler(v -> app.add("closed"));
                          if (req.path().equals("/hang")) {
                            return; // never answers
                          }
                          if (req.path().equals("/stream")) {
                            // Headers and a first event, then the stream stays open.
                            req.response().setChunked(true).write("first");
                            return;
                          }
                          if (req.getHeader("expect") != null) {
                            app.add("expect");
                          }
                          req.handler(b -> app.add("chunk"));
                          req.endHandler(
                              v -> {
                                app.add("end");
                                req.response().end("stored");
                              });
                        })
                    .listen(0, "127.0.0.1"))
            .actualPort();
    SpiffeId store = FederatedIdentities.id(FederatedIdentities.EAST, "/ns/default/sa/store");
    int inbound =
        await(
            InboundProxy.builder(vertx, mesh.east("/ns/default/sa/store"), appPort)
                .listen("127.0.0.1", 0)
                .build()
                .start());
    Service service =
        new Service(
            new ServiceName("store", "default"),
            List.of(new ServicePort("http", 8080, Protocol.HTTP)),
            List.of(store),
            false,
            List.of(Endpoint.local("store-1", "127.0.0.1", inbound, ZONE_A)));
    snapshot =
        new ProxySnapshot(
            1,
            "us-east",
            ZONE_A,
            Map.of(service.name(), service),
            Map.of(),
            AuthorizationPolicy.ALLOW_MESH);
    outboundPort =
        await(
            OutboundProxy.builder(vertx, mesh.east("/ns/default/sa/client"), () -> snapshot)
                .listen("127.0.0.1", 0)
                .meterRegistry(registry)
                .build()
                .start());
    h2c =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  private HttpClientRequest open(HttpMethod method, String path) throws Exception {
    return TestCalls.start(
            vertx,
            () ->
                h2c.request(
                    new RequestOptions()
                        .setMethod(method)
                        .setServer(SocketAddress.inetSocketAddress(outboundPort, "127.0.0.1"))
                        .setHost("store.default.svc.cluster.local")
                        .setPort(8080)
                        .setURI(path)))
        .get(15, TimeUnit.SECONDS);
  }

  @Test
  void aCancelledUploadReachesTheAppBrokenNotComplete() throws Exception {
    HttpClientRequest req = open(HttpMethod.POST, "/upload");
    req.setChunked(true);
    TestCalls.start(vertx, () -> req.write("part one")).get(15, TimeUnit.SECONDS);
    assertThat(app.poll(10, TimeUnit.SECONDS)).as("the app got the first part").isEqualTo("chunk");

    TestCalls.start(vertx, () -> Future.succeededFuture(req.reset())).get(15, TimeUnit.SECONDS);

    String next = app.poll(10, TimeUnit.SECONDS);
    assertThat(next)
        .as("what the app saw after the caller reset its upload")
        .isIn("error", "closed");
    assertThat(app.poll(1, TimeUnit.SECONDS)).as("then").isNotEqualTo("end");
  }

  @Test
  void aCancelledStreamingResponseFreesTheApp() throws Exception {
    HttpClientRequest req = open(HttpMethod.GET, "/stream");
    BlockingQueue<String> client = new LinkedBlockingQueue<>();
    TestCalls.start(
            vertx,
            () ->
                req.send()
                    .map(
                        resp -> {
                          resp.handler(b -> client.add(b.toString()));
                          return resp;
                        }))
        .get(15, TimeUnit.SECONDS);
    assertThat(client.poll(10, TimeUnit.SECONDS)).isEqualTo("first");

    TestCalls.start(vertx, () -> Future.succeededFuture(req.reset())).get(15, TimeUnit.SECONDS);

    assertThat(app.poll(10, TimeUnit.SECONDS))
        .as("the app's side of the cancelled stream, within 10 s")
        .isIn("error", "closed");
  }

  @Test
  void anUploadSlowerThanThePerTryTimeoutStillGetsItsAnswer() throws Exception {
    HttpClientRequest req = open(HttpMethod.POST, "/upload");
    req.setChunked(true);
    var answer =
        TestCalls.start(
            vertx, () -> req.response().compose(r -> r.body().map(b -> r.statusCode() + " " + b)));
    TestCalls.start(vertx, () -> req.write("part one")).get(15, TimeUnit.SECONDS);
    // Longer than the default per-try timeout (1 s) with no answer yet: the app answers at the end.
    Thread.sleep(1_500);
    TestCalls.start(vertx, () -> req.end("part two")).get(15, TimeUnit.SECONDS);
    assertThat(answer.get(15, TimeUnit.SECONDS)).isEqualTo("200 stored");
  }

  @Test
  void theServicesTimeoutEndsACallWhoseTryWouldWaitLonger() throws Exception {
    // A 1 s deadline; the one try may wait 5 s (no retries, so it may exceed the deadline).
    TrafficPolicy policy = policy(Duration.ofSeconds(1), 0, Duration.ofSeconds(5));
    ServiceName store = new ServiceName("store", "default");
    snapshot =
        new ProxySnapshot(
            2,
            snapshot.cluster(),
            snapshot.locality(),
            snapshot.services(),
            Map.of(store, policy),
            snapshot.inbound());
    HttpClientRequest req = open(HttpMethod.GET, "/hang");
    String answer =
        TestCalls.start(
                vertx, () -> req.send().compose(r -> r.body().map(b -> r.statusCode() + " " + b)))
            .get(15, TimeUnit.SECONDS);
    assertThat(answer)
        .startsWith("504 ")
        .contains("did not answer within the service's timeout of 1s (retries included)");
    // The try the deadline ended is reset: the app's side of it closes.
    assertThat(app.poll(10, TimeUnit.SECONDS)).isIn("error", "closed");
  }

  @Test
  void aStalledEndpointFailsItsTryAsAConnectFailureAndTheCallGoesElsewhere() throws Exception {
    // A second endpoint that accepts TCP and then never answers the TLS handshake.
    try (java.net.ServerSocket stalled = new java.net.ServerSocket()) {
      stalled.bind(new java.net.InetSocketAddress("127.0.0.1", 0), 50);
      List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  while (true) {
                    held.add(stalled.accept());
                  }
                } catch (java.io.IOException closed) {
                  // the test is over
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      Service store = snapshot.services().values().iterator().next();
      List<Endpoint> endpoints = new java.util.ArrayList<>(store.endpoints());
      endpoints.add(Endpoint.local("store-stalled", "127.0.0.1", stalled.getLocalPort(), ZONE_A));
      Service both = new Service(store.name(), store.ports(), store.identities(), false, endpoints);
      // 4 s per try: the handshake bound is 3 s, far above a healthy first handshake even on a
      // loaded machine, so only the stalled endpoint fails.
      TrafficPolicy policy = policy(Duration.ofSeconds(15), 2, Duration.ofSeconds(4));
      snapshot =
          new ProxySnapshot(
              2,
              snapshot.cluster(),
              snapshot.locality(),
              Map.of(both.name(), both),
              Map.of(both.name(), policy),
              snapshot.inbound());
      // Calls until one was first sent to the stalled endpoint (the balancer picks at random):
      // that one must have been retried elsewhere as a connect failure and answered.
      for (int i = 0; i < 20 && connectFailureRetries() == 0; i++) {
        HttpClientRequest req = open(HttpMethod.GET, "/upload");
        String body = "call " + i;
        String answer =
            TestCalls.start(
                    vertx,
                    () -> req.send(body).compose(r -> r.body().map(b -> r.statusCode() + " " + b)))
                .get(15, TimeUnit.SECONDS);
        assertThat(answer).as("call %d", i).isEqualTo("200 stored");
      }
      assertThat(connectFailureRetries())
          .as("tries retried after the stalled endpoint's handshake timed out")
          .isPositive();
      held.forEach(
          sock -> {
            try {
              sock.close();
            } catch (java.io.IOException ignored) {
              // closing
            }
          });
    }
  }

  /**
   * POSTs 5 bytes over HTTP/1.1 to {@code host} through the outbound as a strict client does: the
   * body goes only once {@code 100 Continue} is in. Its answer, "status body".
   */
  private String postExpectingContinue(String host) throws Exception {
    HttpClient h1 = vertx.createHttpClient(new HttpClientOptions());
    return TestCalls.start(
            vertx,
            () ->
                h1.request(
                        new RequestOptions()
                            .setMethod(HttpMethod.POST)
                            .setServer(SocketAddress.inetSocketAddress(outboundPort, "127.0.0.1"))
                            .setHost(host)
                            .setPort(8080)
                            .setURI("/upload"))
                    .compose(
                        req -> {
                          req.putHeader("content-length", "5").putHeader("expect", "100-continue");
                          req.continueHandler(v -> req.end("hello"));
                          Future<String> done =
                              req.response()
                                  .compose(r -> r.body().map(b -> r.statusCode() + " " + b));
                          req.sendHead();
                          return done;
                        }))
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void expectContinueIsAnsweredSoTheClientSendsItsBody() throws Exception {
    assertThat(postExpectingContinue("store.default.svc.cluster.local")).isEqualTo("200 stored");
    // The sidecars answered the expectation themselves: the app did not see it.
    assertThat(app).doesNotContain("expect").contains("end");
  }

  @Test
  void aRefusedRequestThatExpectsContinueIsAnsweredAtOnce() throws Exception {
    // No route: answered without waiting for a body the client holds back.
    assertThat(postExpectingContinue("nowhere.default.svc.cluster.local")).startsWith("503 ");
  }

  private double connectFailureRetries() {
    var c =
        registry
            .find(io.fedmesh.sidecar.metrics.RequestMeters.RETRIES)
            .tag("reason", "connect_failure")
            .counter();
    return c == null ? 0 : c.count();
  }

  /** The defaults but for the deadline, the retries and the per-try timeout (full budget). */
  private static TrafficPolicy policy(Duration timeout, int retries, Duration perTry) {
    return new TrafficPolicy(
        timeout,
        new RetryPolicy(
            retries,
            perTry,
            RetryPolicy.DEFAULT.retryOn(),
            RetryPolicy.DEFAULT.retriableStatusCodes(),
            100,
            RetryPolicy.DEFAULT.minRetriesPerSecond()),
        OutlierDetection.DEFAULT,
        CircuitBreaker.DEFAULT,
        HealthCheck.DEFAULT,
        LocalityFailover.DEFAULT);
  }
}
