package io.fedmesh.sidecar.outbound;

import io.fedmesh.proxy.config.DurationText;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServiceName;
import io.fedmesh.proxy.model.TrafficPolicy;
import io.fedmesh.proxy.routing.CircuitBreakerGate;
import io.fedmesh.proxy.routing.EndpointLease;
import io.fedmesh.proxy.routing.LocalityLoadBalancer;
import io.fedmesh.proxy.routing.Outcome;
import io.fedmesh.proxy.routing.PickContext;
import io.fedmesh.proxy.routing.RetryBudget;
import io.fedmesh.proxy.routing.RetryDecision;
import io.fedmesh.proxy.routing.UpstreamFailure;
import io.fedmesh.sidecar.Http2Flushes;
import io.fedmesh.sidecar.HttpErrors;
import io.fedmesh.sidecar.HttpRelay;
import io.fedmesh.sidecar.ListenerGuards;
import io.fedmesh.sidecar.MeshClients;
import io.fedmesh.sidecar.health.EndpointProber;
import io.fedmesh.sidecar.metrics.RequestMeters;
import io.fedmesh.sidecar.tracing.OutboundSpan;
import io.fedmesh.sidecar.tracing.SidecarTracing;
import io.fedmesh.trust.tls.MeshTls;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import java.net.ConnectException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The sidecar's outbound listener: the app sends plain HTTP/1.1 or h2c to it with a mesh host
 * ({@link Destination}); the proxy picks an endpoint locality-first ({@link LocalityLoadBalancer}),
 * opens mTLS with the workload's SVID straight to a local endpoint's inbound sidecar, or to the
 * owning cluster's east-west gateway with the endpoint's SNI, checks that the server presents one
 * of the service's SPIFFE IDs, and relays the response. Failed tries are retried within the
 * service's retry policy and budget, preferring another endpoint and, for locality-wide failures,
 * another locality; bodies up to {@link Builder#DEFAULT_MAX_BUFFERED_BODY} are buffered so they can
 * be replayed, larger ones stream and are retried only when they were never sent.
 *
 * <p>Meters: {@link RequestMeters} with {@code direction=outbound} (requests, bytes, connections
 * from the app, retries, ejections), and {@code fedmesh.outbound.rejected} (counter; tags {@code
 * destination_service}, {@code reason}: no_route, no_healthy_upstream, circuit_open); the {@link
 * EndpointProber}'s, which the proxy runs unless given one.
 *
 * <p>Tracing: a CLIENT span per request ({@link SidecarTracing}); the upstream gets its context in
 * place of the app's trace headers, and the app gets the trace id in {@value
 * SidecarTracing#TRACE_ID_HEADER}.
 */
public final class OutboundProxy {
  private final Vertx vertx;
  private final MeshTls tls;
  private final Supplier<ProxySnapshot> snapshots;
  private final String listenHost;
  private final int listenPort;
  private final MeterRegistry registry;
  private final RequestMeters meters;
  private final SidecarTracing tracing;
  private final int maxBufferedBody;
  private final boolean upgradeHttp1;
  private final EndpointProber prober;
  private final boolean ownsProber;
  private final Map<ServiceName, Upstream> upstreams = new ConcurrentHashMap<>();
  private HttpServer server;

  /**
   * How long a replaced upstream connection pool lets its requests in flight finish before it
   * closes (the longest request timeout a policy allows is longer; such requests are rare and
   * retried).
   */
  static final long POOL_DRAIN_SECONDS = 30;

  /**
   * Per-service routing state. A new snapshot version builds a new one only for a service whose
   * definition or policy changed, and even then keeps each part whose inputs did not change: the
   * balancer's ejections and health always carry over, the connection pool while the service's
   * identities and pool limits stay the same, the circuit breaker's counts and the retry budget
   * while their policies do. A replaced pool is shut down gracefully, so a push never cuts a
   * request in flight.
   */
  private final class Upstream {
    final Service service;
    final TrafficPolicy policy;
    final long version;
    final LocalityLoadBalancer balancer;
    final CircuitBreakerGate gate;
    final RetryBudget budget;
    final HttpClient client;
    final HttpClient http1Client;

    Upstream(ProxySnapshot snapshot, Service service, Upstream previous) {
      this.service = service;
      this.policy = snapshot.policy(service.name());
      this.version = snapshot.version();
      this.balancer =
          UpstreamBalancers.next(
              snapshot,
              service,
              policy,
              prober,
              meters.ejections(service.name().toString()),
              previous == null ? null : previous.balancer,
              previous == null ? null : previous.policy.outlierDetection());
      boolean sameBreaker =
          previous != null && previous.policy.circuitBreaker().equals(policy.circuitBreaker());
      this.gate = sameBreaker ? previous.gate : new CircuitBreakerGate(policy.circuitBreaker());
      this.budget =
          previous != null && previous.policy.retries().equals(policy.retries())
              ? previous.budget
              : RetryBudget.of(policy.retries(), System::nanoTime);
      boolean samePools =
          sameBreaker
              && previous.service.identities().equals(service.identities())
              && connectBoundMillis(previous.policy) == connectBoundMillis(policy);
      this.client = samePools ? previous.client : pool(HttpVersion.HTTP_2);
      this.http1Client =
          samePools ? previous.http1Client : upgradeHttp1 ? client : pool(HttpVersion.HTTP_1_1);
    }

    private HttpClient pool(HttpVersion version) {
      return vertx
          .httpClientBuilder()
          .with(
              MeshClients.upstream(tls, service.identities(), version)
                  .setConnectTimeout((int) connectBoundMillis(policy))
                  .setSslHandshakeTimeout(connectBoundMillis(policy))
                  .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS))
          .with(
              new PoolOptions()
                  .setHttp1MaxSize(policy.circuitBreaker().maxConnections())
                  .setHttp2MaxSize(4)
                  .setMaxWaitQueueSize(policy.circuitBreaker().maxPendingRequests()))
          .withConnectHandler(Http2Flushes::install)
          .build();
    }

    /**
     * The pool for a request that came from the app as {@code version}: HTTP/2 (h2c, gRPC) goes
     * upstream as HTTP/2, HTTP/1.x as HTTP/1.1 on kept-alive connections (Istio's default, {@code
     * h2UpgradePolicy: DO_NOT_UPGRADE}) unless {@link Builder#upgradeHttp1ToHttp2} asked for HTTP/2
     * (Linkerd's way), when both are the same pool.
     */
    HttpClient clientFor(HttpVersion version) {
      return version == HttpVersion.HTTP_2 ? client : http1Client;
    }

    Future<Void> close() {
      return http1Client == client
          ? client.close()
          : Future.join(client.close(), http1Client.close()).mapEmpty();
    }

    void shutdown() {
      client.shutdown(POOL_DRAIN_SECONDS, TimeUnit.SECONDS);
      if (http1Client != client) {
        http1Client.shutdown(POOL_DRAIN_SECONDS, TimeUnit.SECONDS);
      }
    }

    /** The same state under a newer snapshot version that changed nothing of this service. */
    private Upstream(Upstream same, long version) {
      this.service = same.service;
      this.policy = same.policy;
      this.version = version;
      this.balancer = same.balancer;
      this.gate = same.gate;
      this.budget = same.budget;
      this.client = same.client;
      this.http1Client = same.http1Client;
    }

    Upstream next(ProxySnapshot snapshot, Service s) {
      if (s.equals(service) && snapshot.policy(s.name()).equals(policy)) {
        return new Upstream(this, snapshot.version());
      }
      return new Upstream(snapshot, s, this);
    }
  }

  private OutboundProxy(Builder b) {
    this.vertx = b.vertx;
    this.tls = b.tls;
    this.snapshots = b.snapshots;
    this.listenHost = b.listenHost;
    this.listenPort = b.listenPort;
    this.registry = b.registry;
    this.meters = RequestMeters.outbound(b.registry);
    this.tracing = b.tracing;
    this.maxBufferedBody = b.maxBufferedBody;
    this.upgradeHttp1 = b.upgradeHttp1;
    this.ownsProber = b.prober == null;
    this.prober =
        b.prober != null
            ? b.prober
            : EndpointProber.builder(vertx, tls, snapshots).meterRegistry(registry).build();
  }

  public static Builder builder(Vertx vertx, MeshTls tls, Supplier<ProxySnapshot> snapshots) {
    return new Builder(vertx, tls, snapshots);
  }

  /** Starts listening (HTTP/1.1 and h2c); completes with the bound port. */
  public Future<Integer> start() {
    HttpServerOptions options =
        ListenerGuards.serverOptions()
            .setHttp2ClearTextEnabled(true)
            .setMaxHeaderSize(16 * 1024)
            .setMaxInitialLineLength(8 * 1024)
            // Every write to a response happens on its connection's event loop (handlers, upstream
            // callbacks and timers all run on the request's context), so HTTP/1.x responses are
            // written straight to the channel instead of through Vert.x's cross-thread queue.
            .setStrictThreadMode(true);
    server = vertx.createHttpServer(options);
    server.invalidRequestHandler(HttpErrors::handleInvalidRequest);
    server.requestHandler(this::handle);
    ListenerGuards.install(server, options, meters);
    if (ownsProber) {
      prober.start();
    }
    return server.listen(listenPort, listenHost).map(HttpServer::actualPort);
  }

  /** Stops listening, probing (if the proxy runs its prober) and closes upstream pools. */
  public Future<Void> close() {
    Future<Void> f = server == null ? Future.succeededFuture() : server.close();
    if (ownsProber) {
      f = f.compose(v -> prober.close());
    }
    for (Upstream u : upstreams.values()) {
      f = f.compose(v -> u.close());
    }
    return f;
  }

  /** The active health checks this proxy routes by (its own unless one was given). */
  public EndpointProber prober() {
    return prober;
  }

  /** The routing state of {@code service}, if it has been used. */
  public LocalityLoadBalancer balancer(ServiceName service) {
    Upstream u = upstreams.get(service);
    return u == null ? null : u.balancer;
  }

  private Upstream upstream(ProxySnapshot snapshot, Service service) {
    Upstream u = upstreams.get(service.name());
    if (u != null && u.version == snapshot.version()) {
      return u;
    }
    // Event loops race here on the first request after a push: one of them builds, atomically.
    Upstream[] replaced = new Upstream[1];
    Upstream fresh =
        upstreams.compute(
            service.name(),
            (name, current) -> {
              if (current != null && current.version == snapshot.version()) {
                return current;
              }
              replaced[0] = current;
              return current == null
                  ? new Upstream(snapshot, service, null)
                  : current.next(snapshot, service);
            });
    if (replaced[0] != null && replaced[0].client != fresh.client) {
      replaced[0].shutdown();
    }
    return fresh;
  }

  private void handle(HttpServerRequest req) {
    long start = System.nanoTime();
    ProxySnapshot snapshot = snapshots.get();
    HostAndPort authority = req.authority();
    String uri = req.uri();
    if (isAbsoluteForm(uri)) {
      // A client using the sidecar as its HTTP proxy (HTTP_PROXY): the target's authority is the
      // one to route by, not Host, and the request goes on in origin-form (RFC 9112 3.2.2).
      int from = uri.indexOf("://") + 3;
      int end = from;
      while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
        end++;
      }
      authority = HostAndPort.parseAuthority(uri.substring(from, end), -1);
      String rest = uri.substring(end);
      uri = rest.isEmpty() ? "/" : rest.charAt(0) == '/' ? rest : "/" + rest;
    }
    String host = authority == null ? req.getHeader("host") : authority.host();
    var dest = Destination.resolve(host, snapshot);
    OutboundSpan span =
        tracing.outbound(
            req, dest.map(d -> d.service().name().toString()).orElse(RequestMeters.UNKNOWN));
    if (dest.isEmpty()) {
      reject(
          req,
          span,
          start,
          503,
          "no_route",
          RequestMeters.UNKNOWN,
          "no route to host '"
              + host
              + "': not a service of this mesh (expected"
              + " <svc>.<ns>.svc.cluster.local or <svc>.<ns>.svc.clusterset.local)\n");
      return;
    }
    Service service = dest.get().service();
    Upstream up = upstream(snapshot, service);
    var permit = up.gate.tryAcquireRequest();
    if (!permit.isGranted()) {
      reject(
          req,
          span,
          start,
          503,
          "circuit_open",
          service.name().toString(),
          "circuit breaker open for "
              + service.name()
              + " ("
              + permit.rejection().map(Object::toString).orElse("limit")
              + ")\n");
      return;
    }
    up.budget.onRequest();
    String method = req.method().name();
    boolean idempotent = RetryDecision.isIdempotent(method);
    Call call = new Call(req, up, dest.get(), idempotent, start, permit, span);
    call.uri = uri;
    call.authority = authority;
    // The app gave up (stream reset, connection closed), at any point of the call, waiting for a
    // connection included: so does the try in flight, freeing its stream or connection at once
    // (MadeYouReset, CVE-2025-55163), and the call ends.
    req.response().closeHandler(v -> call.appGone());
    long contentLength = HttpRelay.bodyLength(req);
    if (contentLength != 0) {
      HttpRelay.answerExpectContinue(req);
    }
    if (contentLength == 0) {
      call.body = Buffer.buffer();
      req.end()
          .onComplete(
              v -> {
                call.startDeadline();
                call.attempt(PickContext.FIRST_TRY, 0);
              });
    } else if (contentLength >= 0 && contentLength <= maxBufferedBody) {
      req.body()
          .onComplete(
              ar -> {
                if (ar.failed()) {
                  call.finish(
                      400,
                      "request body failed: " + ar.cause().getMessage() + "\n",
                      null,
                      "upstream_error");
                } else {
                  call.body = ar.result();
                  call.startDeadline();
                  call.attempt(PickContext.FIRST_TRY, 0);
                }
              });
    } else {
      req.pause(); // streamed once; only never-sent failures are retried
      call.attempt(PickContext.FIRST_TRY, 0);
    }
  }

  /** One request from the app, across its tries. */
  private final class Call {
    final HttpServerRequest req;
    final Upstream up;
    final Destination dest;
    final boolean idempotent;
    final long start;
    final CircuitBreakerGate.Permit permit;
    final OutboundSpan span;
    Buffer body; // null: streaming
    boolean done;

    /** The request target in origin-form, and the authority routed by (null: none given). */
    String uri;

    HostAndPort authority;

    /** The try in flight and its lease, for the deadline to end. */
    HttpClientRequest current;

    EndpointLease currentLease;

    /** Whether the current try's response headers are in (the deadline is met). */
    boolean answered;

    /** When the deadline passes ({@link System#nanoTime}); 0 until it starts. */
    long deadlineNanos;

    long deadlineTimer = -1;

    Call(
        HttpServerRequest req,
        Upstream up,
        Destination dest,
        boolean idempotent,
        long start,
        CircuitBreakerGate.Permit permit,
        OutboundSpan span) {
      this.req = req;
      this.up = up;
      this.dest = dest;
      this.idempotent = idempotent;
      this.start = start;
      this.permit = permit;
      this.span = span;
    }

    void attempt(PickContext context, int retries) {
      PickContext ctx = context;
      if (dest.onlyCluster().isPresent()) {
        // Only one cluster may serve: steer away from all others.
        for (Endpoint e : up.service.endpoints()) {
          if (!e.locality().cluster().equals(dest.onlyCluster().get())) {
            ctx = ctx.withTried(e);
          }
        }
      }
      var lease = up.balancer.pick(ctx);
      if (lease.isEmpty() || !allowed(lease.get().endpoint())) {
        lease.ifPresent(EndpointLease::release);
        count("fedmesh.outbound.rejected", "no_healthy_upstream");
        finish(
            503,
            "no healthy upstream for " + up.service.name() + "\n",
            null,
            "no_healthy_upstream");
        return;
      }
      EndpointLease l = lease.get();
      Endpoint e = l.endpoint();
      RequestOptions ro =
          new RequestOptions()
              .setMethod(req.method())
              .setServer(SocketAddress.inetSocketAddress(e.port(), e.host()))
              .setHost(e.sni().orElse(e.host()))
              .setPort(e.port())
              .setURI(uri)
              .setConnectTimeout(acquireBoundMillis(up.policy));
      PickContext tried = ctx.withTried(e);
      up.clientFor(req.version())
          .request(ro)
          .onComplete(
              ar -> {
                if (ar.failed()) {
                  if (waitedForPool(ar.cause())) {
                    // This proxy's own pool was full: nothing is known about the endpoint.
                    l.release();
                    count("fedmesh.outbound.rejected", "pool_exhausted");
                    finish(
                        503,
                        "upstream connection pool for " + up.service.name() + " exhausted\n",
                        null,
                        "pool_exhausted");
                    return;
                  }
                  failed(l, tried, retries, UpstreamFailure.CONNECT_FAILURE, ar.cause());
                  return;
                }
                HttpClientRequest creq = ar.result();
                if (done) {
                  // The call ended (its deadline passed, the app left) while this try waited for
                  // a connection: the connection goes back unused.
                  creq.reset(HttpRelay.CANCEL);
                  l.release();
                  return;
                }
                current = creq;
                currentLease = l;
                if (authority != null) {
                  creq.authority(authority);
                }
                HttpRelay.copyRequestHeaders(req.headers(), creq.headers(), name -> false);
                span.beforeTry(creq.headers(), e, retries);
                Future<HttpClientResponse> sent;
                if (body != null && creq.version() == HttpVersion.HTTP_2) {
                  if (req.version() != HttpVersion.HTTP_2) {
                    // An HTTP/1.x request's length (0 without a body) goes on over HTTP/2, so that
                    // an HTTP/1.1 app behind the next sidecar gets it framed by length, not
                    // chunked.
                    creq.putHeader("content-length", Integer.toString(body.length()));
                  }
                  // No body: HEADERS with END_STREAM; send(empty buffer) would add an empty DATA
                  // frame.
                  startTryTimer(creq);
                  sent = body.length() == 0 ? creq.send() : creq.send(body);
                } else if (body != null) {
                  startTryTimer(creq);
                  sent = creq.send(body);
                } else {
                  if (req.getHeader("content-length") != null) {
                    creq.putHeader("content-length", req.getHeader("content-length"));
                  }
                  sent =
                      HttpRelay.sendStreaming(
                          req,
                          creq,
                          () -> {
                            startDeadline();
                            startTryTimer(creq);
                          });
                  body = null;
                }
                sent.onComplete(
                    rar -> {
                      if (rar.failed()) {
                        failed(l, tried, retries, failureOf(rar.cause()), rar.cause());
                        return;
                      }
                      HttpClientResponse cresp = rar.result();
                      if (done) {
                        l.release();
                        creq.reset(HttpRelay.CANCEL);
                        return;
                      }
                      answered = true;
                      cancelDeadline();
                      int status = cresp.statusCode();
                      if (status >= 500
                          && body != null
                          && retries < up.policy.retries().attempts()) {
                        RetryDecision d =
                            RetryDecision.decide(
                                up.policy.retries(),
                                up.budget,
                                idempotent,
                                UpstreamFailure.status(status),
                                e,
                                retries);
                        if (d.retry()) {
                          l.complete(Outcome.ofStatus(status));
                          current = null;
                          currentLease = null;
                          cresp.end(); // discard this try's body
                          answered = false;
                          startDeadline(); // re-armed with what is left of it
                          meters.retry(up.service.name().toString(), "5xx");
                          attempt(tried.afterFailure(e, d), retries + 1);
                          return;
                        }
                      }
                      relay(l, cresp, e);
                    });
              });
    }

    /** The app closed or reset its request: the try in flight ends with no verdict on it. */
    void appGone() {
      if (!done) {
        abandon(served -> record(499, served, "the app closed the request", "app_reset"));
      }
    }

    /**
     * Ends the call from outside its try (the app left, the deadline passed): the try in flight
     * gets no verdict on its endpoint (the reset's own failure, reported next, finds its lease
     * ended), {@code end} answers or records the call given the endpoint tried (null if none), then
     * the try is reset.
     */
    private void abandon(Consumer<Endpoint> end) {
      Endpoint served = currentLease == null ? null : currentLease.endpoint();
      if (currentLease != null) {
        currentLease.release();
      }
      end.accept(served);
      if (current != null) {
        current.reset(HttpRelay.CANCEL);
      }
    }

    /**
     * Starts the try's own timeout ({@code retries.perTryTimeout}) now that its request has gone
     * upstream whole: until the response headers arrive, when Vert.x cancels it. Started when the
     * try is created, as before, an upload longer than the per-try timeout (1 s by default) failed
     * with a 504 however healthy the upstream. Not for a try already answered: a bidirectional
     * stream whose upload ends after its answer began must not be cut by it.
     */
    private void startTryTimer(HttpClientRequest creq) {
      if (!done && current == creq && !answered) {
        creq.idleTimeout(up.policy.retries().perTryTimeout().toMillis());
      }
    }

    /**
     * Starts (once) the whole-request deadline ({@code timeout} of the service's policy): from the
     * end of the app's request until response headers arrive, retries included. A streaming
     * response's body is not cut by it (server streaming, long polls); the per-try timeout and the
     * app's own deadline bound what comes before. After a retry, re-arms what is left.
     */
    void startDeadline() {
      if (done || answered) {
        return;
      }
      if (deadlineNanos == 0) {
        deadlineNanos = System.nanoTime() + up.policy.timeout().toNanos();
      }
      cancelDeadline();
      long left = Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000);
      deadlineTimer = vertx.setTimer(left, id -> deadlinePassed());
    }

    private void cancelDeadline() {
      if (deadlineTimer >= 0) {
        vertx.cancelTimer(deadlineTimer);
        deadlineTimer = -1;
      }
    }

    private void deadlinePassed() {
      deadlineTimer = -1;
      if (done || answered) {
        return;
      }
      // No verdict on the endpoint: the deadline spans tries, and this one may have been short.
      abandon(
          served -> {
            count("fedmesh.outbound.rejected", "timeout");
            finish(
                504,
                "upstream "
                    + up.service.name()
                    + " did not answer within the service's timeout of "
                    + DurationText.format(up.policy.timeout())
                    + " (retries included)\n",
                served,
                "timeout");
          });
    }

    private boolean allowed(Endpoint e) {
      return dest.onlyCluster().map(c -> c.equals(e.locality().cluster())).orElse(true);
    }

    private void failed(
        EndpointLease l, PickContext tried, int retries, UpstreamFailure failure, Throwable cause) {
      if (done) {
        // The call ended first (deadline, app gone), and its own reset failed this try: no
        // verdict on the endpoint, no retry, nothing charged to the retry budget.
        l.release();
        return;
      }
      l.complete(failure.outcome());
      current = null;
      currentLease = null;
      boolean replayable = body != null || failure.neverProcessed();
      RetryDecision d =
          RetryDecision.decide(
              up.policy.retries(), up.budget, idempotent, failure, l.endpoint(), retries);
      if (replayable && d.retry() && !done) {
        meters.retry(up.service.name().toString(), failure.kind().name().toLowerCase(Locale.ROOT));
        attempt(tried.afterFailure(l.endpoint(), d), retries + 1);
        return;
      }
      int status = failure.kind() == UpstreamFailure.Kind.PER_TRY_TIMEOUT ? 504 : 503;
      finish(
          status,
          "upstream " + up.service.name() + " failed: " + HttpRelay.describe(cause) + "\n",
          l.endpoint(),
          "upstream_error");
    }

    private void relay(EndpointLease l, HttpClientResponse cresp, Endpoint e) {
      HttpRelay.relayResponse(
          cresp,
          req,
          () -> {
            l.complete(Outcome.ofStatus(cresp.statusCode()));
            record(cresp.statusCode(), e, null, "routed");
          },
          () -> {
            l.complete(Outcome.GATEWAY_ERROR);
            record(cresp.statusCode(), e, "upstream response broke off", "upstream_error");
          });
    }

    /** Whether getting a pooled connection timed out (Vert.x's wait queue), not the endpoint. */
    private boolean waitedForPool(Throwable cause) {
      String m = cause == null ? null : cause.getMessage();
      return m != null && m.contains("getting a connection");
    }

    /** Answers the app itself: {@code served} is the endpoint that failed, null if none. */
    void finish(int status, String message, Endpoint served, String decision) {
      if (done) {
        return;
      }
      HttpServerResponse resp = req.response();
      if (!resp.ended() && !resp.headWritten()) {
        resp.setStatusCode(status)
            .putHeader("content-type", "text/plain; charset=utf-8")
            .end(message);
      } else if (!resp.ended()) {
        resp.reset();
      }
      record(status, served, message, decision);
    }

    private void record(int status, Endpoint served, String failure, String decision) {
      if (done) {
        return;
      }
      done = true;
      cancelDeadline();
      permit.release();
      span.end(status, failure);
      meters.record(
          self(),
          served == null
              ? RequestMeters.Side.UNKNOWN_SIDE
              : new RequestMeters.Side(served.locality(), null),
          up.service.name().toString(),
          decision,
          status,
          start,
          req,
          span.spanContext());
    }

    private void count(String name, String reason) {
      if (registry == null) {
        return;
      }
      Counter.Builder b =
          Counter.builder(name).tag("destination_service", up.service.name().toString());
      if (reason != null) {
        b.tag("reason", reason);
      }
      b.register(registry).increment();
    }
  }

  /** Whether {@code uri} is an absolute-form request target ({@code http://host/path}). */
  static boolean isAbsoluteForm(String uri) {
    return uri.regionMatches(true, 0, "http://", 0, 7)
        || uri.regionMatches(true, 0, "https://", 0, 8);
  }

  /**
   * How long a try waits for a connection of the pool, connecting included: Vert.x's request
   * "connect timeout", which fails as "getting a connection" when it passes.
   */
  private static long acquireBoundMillis(TrafficPolicy p) {
    return Math.min(p.retries().perTryTimeout().toMillis(), 5_000);
  }

  /**
   * The TCP connect and TLS handshake bound of a service's connections: three quarters of {@link
   * #acquireBoundMillis}, so that an endpoint that does not complete them (a black hole, a stalled
   * peer) fails the try as a connect failure — retried on another endpoint, counted against this
   * one — before the wait for a connection runs out. Left at Vert.x's 60 s and the mesh's 10 s
   * handshake, the wait ran out first and the try failed as a full pool: no retry, no ejection.
   */
  static long connectBoundMillis(TrafficPolicy p) {
    return Math.max(50, acquireBoundMillis(p) * 3 / 4);
  }

  private static UpstreamFailure failureOf(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ConnectException) {
        return UpstreamFailure.CONNECT_FAILURE;
      }
      if (c instanceof java.util.concurrent.TimeoutException
          || String.valueOf(c.getMessage()).contains("timeout")) {
        return UpstreamFailure.PER_TRY_TIMEOUT;
      }
    }
    return UpstreamFailure.RESET;
  }

  private void reject(
      HttpServerRequest req,
      OutboundSpan span,
      long start,
      int status,
      String reason,
      String service,
      String body) {
    span.end(status, body);
    meters.record(
        self(),
        RequestMeters.Side.UNKNOWN_SIDE,
        service,
        reason,
        status,
        start,
        req,
        span.spanContext());
    if (registry != null) {
      Counter.builder("fedmesh.outbound.rejected")
          .tag("destination_service", service)
          .tag("reason", reason)
          .register(registry)
          .increment();
    }
    HttpRelay.respondError(req, status, body);
  }

  /** This proxy as the source of a request: its locality and trust domain. */
  private RequestMeters.Side self() {
    ProxySnapshot s = snapshots.get();
    return new RequestMeters.Side(
        s == null ? null : s.locality(), tls.currentSvid().id().trustDomain().name());
  }

  /** Builds an {@link OutboundProxy}; defaults: listen 127.0.0.1:15001, no span export. */
  public static final class Builder {
    /** Outbound port, as Istio's. */
    public static final int DEFAULT_PORT = 15001;

    /** Bodies up to this size are buffered so that a failed try can be replayed. */
    public static final int DEFAULT_MAX_BUFFERED_BODY = 64 * 1024;

    private final Vertx vertx;
    private final MeshTls tls;
    private final Supplier<ProxySnapshot> snapshots;
    private String listenHost = "127.0.0.1";
    private int listenPort = DEFAULT_PORT;
    private MeterRegistry registry;
    private SidecarTracing tracing;
    private int maxBufferedBody = DEFAULT_MAX_BUFFERED_BODY;
    private EndpointProber prober;
    private boolean upgradeHttp1;

    Builder(Vertx vertx, MeshTls tls, Supplier<ProxySnapshot> snapshots) {
      this.vertx = Objects.requireNonNull(vertx, "vertx");
      this.tls = Objects.requireNonNull(tls, "tls");
      this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
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

    /** Largest body buffered for replay, 0..16 MiB. */
    public Builder maxBufferedBody(int bytes) {
      if (bytes < 0 || bytes > 16 << 20) {
        throw new IllegalArgumentException(
            "maxBufferedBody: " + bytes + " (expected: 0..16777216)");
      }
      this.maxBufferedBody = bytes;
      return this;
    }

    /**
     * The prober whose health checks the balancers honour; the caller starts and closes it. By
     * default the proxy runs its own over the same TLS, snapshots and registry.
     */
    public Builder prober(EndpointProber prober) {
      this.prober = Objects.requireNonNull(prober, "prober");
      return this;
    }

    /**
     * Whether HTTP/1.x requests from the app go upstream as HTTP/2 streams multiplexed on a few
     * connections (Linkerd's way; Istio's {@code h2UpgradePolicy: UPGRADE}) instead of HTTP/1.1 on
     * kept-alive connections, one request at a time each (the default, {@code DO_NOT_UPGRADE}).
     * Upgrading needs far fewer connections and TLS sessions through the gateways, and under load
     * requests in flight together share TLS records and system calls (maximum throughput about +40
     * % on small requests across clusters); at low rates it costs about 15 % more CPU per request,
     * and cancelled requests become stream resets on shared connections, which a peer's reset-flood
     * limit counts per connection (bench/README.md, "Tuning log", fourth round).
     */
    public Builder upgradeHttp1ToHttp2(boolean upgrade) {
      this.upgradeHttp1 = upgrade;
      return this;
    }

    public OutboundProxy build() {
      if (tracing == null) {
        tracing = SidecarTracing.propagationOnly();
      }
      return new OutboundProxy(this);
    }
  }
}
