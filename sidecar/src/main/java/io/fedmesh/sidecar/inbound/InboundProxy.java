package io.fedmesh.sidecar.inbound;

import io.fedmesh.proxy.model.AuthorizationPolicy;
import io.fedmesh.proxy.model.Locality;
import io.fedmesh.sidecar.Http2Flushes;
import io.fedmesh.sidecar.Http2Windows;
import io.fedmesh.sidecar.HttpErrors;
import io.fedmesh.sidecar.HttpRelay;
import io.fedmesh.sidecar.ListenerGuards;
import io.fedmesh.sidecar.health.AppHealth;
import io.fedmesh.sidecar.metrics.RequestMeters;
import io.fedmesh.sidecar.tracing.InboundSpan;
import io.fedmesh.sidecar.tracing.SidecarTracing;
import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.tls.MeshTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The sidecar's inbound listener: terminates mTLS (HTTP/2 or HTTP/1.1 by ALPN), authorizes the
 * verified caller, replaces identity headers, and forwards to the local app with streaming bodies
 * and trailers (gRPC status rides in trailers).
 *
 * <p>Identity headers the caller sent ({@code x-forwarded-client-cert}, {@code x-fedmesh-*}) are
 * removed before ours are added (Contour #6586); ours are built from the verified SPIFFE IDs, which
 * cannot hold CR or LF (CVE-2023-27493).
 *
 * <p>Health probes from callers' sidecars ({@code GET} {@link AppHealth#PATH}) are answered here
 * from a connect to the app, before authorization rules and without reaching the app's handlers;
 * see {@link AppHealth}. They are neither metered as requests nor traced.
 *
 * <p>Meters: {@link RequestMeters} with {@code direction=inbound}; {@code decision} is allowed,
 * denied, bad_path or upstream_error.
 *
 * <p>Tracing: a SERVER span per authenticated request, continuing the caller's trace ({@link
 * SidecarTracing}); the app gets the span's context as its parent.
 */
public final class InboundProxy {
  /** Header carrying the verified caller's SPIFFE ID to the app. */
  public static final String PEER_IDENTITY_HEADER = "x-fedmesh-peer-identity";

  /** Envoy's XFCC header, in its {@code By=...;URI=...} form. */
  public static final String XFCC_HEADER = "x-forwarded-client-cert";

  private final Vertx vertx;
  private final MeshTls tls;
  private final Supplier<AuthorizationPolicy> policy;
  private final String appHost;
  private final int appPort;
  private final boolean appHttp2;
  private final String listenHost;
  private final int listenPort;
  private final RequestMeters meters;
  private final SidecarTracing tracing;
  private final Supplier<Locality> locality;
  private final Duration appTimeout;
  private HttpServer server;
  private HttpClient h1;
  private HttpClient h2;
  private AppHealth appHealth;

  private InboundProxy(Builder b) {
    this.vertx = b.vertx;
    this.tls = b.tls;
    this.policy = b.policy;
    this.appHost = b.appHost;
    this.appPort = b.appPort;
    this.appHttp2 = b.appHttp2;
    this.listenHost = b.listenHost;
    this.listenPort = b.listenPort;
    this.meters = RequestMeters.inbound(b.registry);
    this.tracing = b.tracing;
    this.locality = b.locality;
    this.appTimeout = b.appTimeout;
  }

  public static Builder builder(Vertx vertx, MeshTls tls, int appPort) {
    return new Builder(vertx, tls, appPort);
  }

  /** Starts listening; completes with the bound port. */
  public Future<Integer> start() {
    h1 =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setKeepAlive(true)
                .setMaxChunkSize(HttpRelay.HTTP1_MAX_CHUNK_BYTES),
            new PoolOptions().setHttp1MaxSize(256));
    h2 =
        vertx
            .httpClientBuilder()
            .with(
                Http2Windows.on(new HttpClientOptions())
                    .setProtocolVersion(HttpVersion.HTTP_2)
                    .setHttp2ClearTextUpgrade(false))
            .with(new PoolOptions().setHttp2MaxSize(4))
            .withConnectHandler(Http2Flushes::install)
            .build();
    appHealth = new AppHealth(vertx, appHost, appPort);
    HttpServerOptions options =
        tls.configureServer(ListenerGuards.serverOptions())
            .setUseAlpn(true)
            .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
            .setMaxHeaderSize(16 * 1024)
            .setMaxInitialLineLength(8 * 1024)
            .setDecompressionSupported(false)
            // Every write to a response happens on its connection's event loop (handlers, upstream
            // callbacks and timers all run on the request's context), so HTTP/1.x responses are
            // written straight to the channel instead of through Vert.x's cross-thread queue.
            .setStrictThreadMode(true);
    server = vertx.createHttpServer(options);
    server.invalidRequestHandler(HttpErrors::handleInvalidRequest);
    server.requestHandler(this::handle);
    // Failed handshakes (plaintext, no client certificate, untrusted peer) by reason.
    server.exceptionHandler(tls.handshakeFailureHandler("inbound"));
    ListenerGuards.install(server, options, meters);
    return server.listen(listenPort, listenHost).map(HttpServer::actualPort);
  }

  /** Stops listening and closes upstream connections. */
  public Future<Void> close() {
    Future<Void> s = server == null ? Future.succeededFuture() : server.close();
    return s.compose(v -> h1 == null ? Future.succeededFuture() : h1.close())
        .compose(v -> h2 == null ? Future.succeededFuture() : h2.close())
        .compose(v -> appHealth == null ? Future.succeededFuture() : appHealth.close());
  }

  private void handle(HttpServerRequest req) {
    long start = System.nanoTime();
    Optional<SpiffeId> peer = MeshTls.peerId(req.connection().sslSession());
    if (peer.isEmpty()) {
      // Cannot happen with client auth REQUIRED; refuse rather than forward unauthenticated.
      finish(req, null, 403, "no verified peer identity\n", null, "denied", start);
      return;
    }
    if (AppHealth.PATH.equals(req.path())) {
      appHealth.answer(req);
      return;
    }
    SpiffeId caller = peer.get();
    String domain = caller.trustDomain().name();
    InboundSpan span = tracing.inbound(req, caller);
    Optional<String> path = PathNormalizer.normalize(req.uri());
    if (path.isEmpty()) {
      finish(req, span, 400, "malformed or ambiguous path\n", domain, "bad_path", start);
      return;
    }
    InboundAuthorizer.Decision d =
        InboundAuthorizer.decide(policy.get(), caller, req.method().name(), path.get());
    if (!d.allowed()) {
      finish(req, span, 403, "RBAC: access denied: " + d.reason() + "\n", domain, "denied", start);
      return;
    }
    HttpRelay.answerExpectContinue(req);
    req.pause();
    HttpClient client = appHttp2 ? h2 : h1;
    RequestOptions ro =
        new RequestOptions()
            .setMethod(req.method())
            .setHost(appHost)
            .setPort(appPort)
            .setURI(path.get())
            .setTimeout(appTimeout.toMillis());
    client
        .request(ro)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                req.resume();
                finish(req, span, 503, "local app unavailable\n", domain, "upstream_error", start);
                return;
              }
              var creq = ar.result();
              // The caller gave up (stream reset, connection closed, before or during the
              // response): so does the request to the app, which would otherwise run on, holding
              // a connection of the app's pool, with no one to read its answer.
              req.response()
                  .closeHandler(
                      v -> {
                        if (!req.response().ended()) {
                          creq.reset(HttpRelay.CANCEL);
                        }
                      });
              HttpRelay.copyRequestHeaders(
                  req.headers(), creq.headers(), InboundProxy::dropFromCaller);
              span.inject(creq.headers());
              creq.headers().set(PEER_IDENTITY_HEADER, caller.toString());
              creq.headers().set(XFCC_HEADER, "By=" + tls.currentSvid().id() + ";URI=" + caller);
              if (req.authority() != null) {
                creq.authority(req.authority()); // :authority in HTTP/2, Host in HTTP/1.1
              }
              if (req.headers().contains("content-length")) {
                creq.putHeader("content-length", req.getHeader("content-length"));
              }
              HttpRelay.sendStreaming(req, creq)
                  .onComplete(
                      rar -> {
                        if (rar.failed()) {
                          finish(
                              req,
                              span,
                              502,
                              "local app failed: " + HttpRelay.describe(rar.cause()) + "\n",
                              domain,
                              "upstream_error",
                              start);
                        } else {
                          relay(rar.result(), req, span, domain, start);
                        }
                      });
            });
  }

  private void relay(
      HttpClientResponse cresp,
      HttpServerRequest req,
      InboundSpan span,
      String domain,
      long start) {
    HttpRelay.relayResponse(
        cresp,
        req,
        () -> record(req, span, domain, "allowed", cresp.statusCode(), start),
        () -> record(req, span, domain, "upstream_error", cresp.statusCode(), start));
  }

  /** Caller-sent identity headers never reach the app, nor proxy credentials meant for us. */
  private static boolean dropFromCaller(String name) {
    return name.equals(XFCC_HEADER)
        || name.startsWith("x-fedmesh-")
        || name.equals("proxy-authenticate")
        || name.equals("proxy-authorization");
  }

  private void finish(
      HttpServerRequest req,
      InboundSpan span,
      int status,
      String body,
      String domain,
      String decision,
      long start) {
    HttpRelay.respondError(req, status, body);
    record(req, span, domain, decision, status, start);
  }

  private void record(
      HttpServerRequest req,
      InboundSpan span,
      String callerDomain,
      String decision,
      int status,
      long start) {
    if (span != null) {
      span.end(status, decision);
    }
    SpiffeId self = tls.currentSvid().id();
    meters.record(
        new RequestMeters.Side(null, callerDomain),
        new RequestMeters.Side(locality.get(), self.trustDomain().name()),
        self.namespace().isPresent() && self.serviceAccount().isPresent()
            ? self.namespace().get() + "/" + self.serviceAccount().get()
            : self.toString(),
        decision,
        status,
        start,
        req,
        span == null ? null : span.spanContext());
  }

  /** Builds an {@link InboundProxy}; defaults: listen 0.0.0.0:15006, app on 127.0.0.1, HTTP/1.1. */
  public static final class Builder {
    /** Inbound port, as Istio's. */
    public static final int DEFAULT_PORT = 15006;

    private final Vertx vertx;
    private final MeshTls tls;
    private final int appPort;
    private Supplier<AuthorizationPolicy> policy = () -> AuthorizationPolicy.ALLOW_MESH;
    private String appHost = "127.0.0.1";
    private boolean appHttp2;
    private String listenHost = "0.0.0.0";
    private int listenPort = DEFAULT_PORT;
    private MeterRegistry registry;
    private SidecarTracing tracing;
    private Supplier<Locality> locality = () -> null;
    private Duration appTimeout = Duration.ofSeconds(60);

    Builder(Vertx vertx, MeshTls tls, int appPort) {
      this.vertx = Objects.requireNonNull(vertx, "vertx");
      this.tls = Objects.requireNonNull(tls, "tls");
      if (appPort < 1 || appPort > 65535) {
        throw new IllegalArgumentException("appPort: " + appPort + " (expected: 1..65535)");
      }
      this.appPort = appPort;
    }

    /** Where the policy comes from; read per request, so a new snapshot applies at once. */
    public Builder policy(Supplier<AuthorizationPolicy> policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    public Builder appHost(String host) {
      this.appHost = Objects.requireNonNull(host, "appHost");
      return this;
    }

    /** Whether the app speaks HTTP/2 in clear (h2c with prior knowledge), e.g. a gRPC server. */
    public Builder appHttp2(boolean http2) {
      this.appHttp2 = http2;
      return this;
    }

    public Builder listen(String host, int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
      }
      this.listenHost = Objects.requireNonNull(host, "host");
      this.listenPort = port;
      return this;
    }

    public Builder meterRegistry(MeterRegistry registry) {
      this.registry = registry;
      return this;
    }

    /**
     * Where spans go; the default continues and propagates traces without exporting (one instance
     * may serve both listeners).
     */
    public Builder tracing(SidecarTracing tracing) {
      this.tracing = Objects.requireNonNull(tracing, "tracing");
      return this;
    }

    /** This proxy's locality, for the destination tags of its meters; read per request. */
    public Builder locality(Supplier<Locality> locality) {
      this.locality = Objects.requireNonNull(locality, "locality");
      return this;
    }

    public Builder appTimeout(Duration timeout) {
      this.appTimeout = Objects.requireNonNull(timeout, "appTimeout");
      return this;
    }

    public InboundProxy build() {
      if (tracing == null) {
        tracing = SidecarTracing.propagationOnly();
      }
      return new InboundProxy(this);
    }
  }
}
