package io.fedmesh.sidecar.health;

import io.fedmesh.sidecar.HttpRelay;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The inbound sidecar's own answer to health probes. {@code GET} (or {@code HEAD}) of {@link #PATH}
 * is answered by the sidecar, never forwarded: {@code 200 ok} when a TCP connect to the app
 * succeeds within {@link #DEFAULT_CONNECT_TIMEOUT}, else {@code 503} naming the app's address and
 * why. Other methods on the path get {@code 405}.
 *
 * <p>Why the sidecar answers rather than forwarding to a path of the app: callers' sidecars probe
 * every endpoint by default, with no policy written (DESIGN.md, "Failover works with no policy at
 * all"), so the probe cannot depend on the app having a health endpoint, nor on an authorization
 * rule that lets every caller GET it. The answer is taken before authorization rules: it tells a
 * verified mesh peer (mTLS is required on the inbound port) only whether the app accepts
 * connections. A caller that wants the app's own verdict sets {@code healthCheck.path} in its
 * policy; that GET goes to the app like any request.
 *
 * <p>One connect answers every probe within {@link #RESULT_TTL} of it, and concurrent probes share
 * the connect in flight, so however many callers probe, the app sees at most ten health connects a
 * second.
 */
public final class AppHealth {
  /**
   * The path the inbound sidecar answers itself; no app path should start with {@code /.fedmesh/}.
   */
  public static final String PATH = "/.fedmesh/health";

  /** How long a connect to the app may take before the app counts as unavailable. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);

  /** How long one connect's result answers further probes. */
  static final Duration RESULT_TTL = Duration.ofMillis(100);

  private final NetClient client;
  private final String appHost;
  private final int appPort;
  private final LongSupplier nanoTicker;

  // guarded by this
  private Future<Void> last;
  private long lastStarted;

  /** Checks the app at {@code appHost:appPort}. */
  public AppHealth(Vertx vertx, String appHost, int appPort) {
    this(vertx, appHost, appPort, DEFAULT_CONNECT_TIMEOUT, System::nanoTime);
  }

  AppHealth(
      Vertx vertx, String appHost, int appPort, Duration connectTimeout, LongSupplier nanoTicker) {
    this.appHost = Objects.requireNonNull(appHost, "appHost");
    this.appPort = appPort;
    this.nanoTicker = Objects.requireNonNull(nanoTicker, "nanoTicker");
    this.client =
        vertx.createNetClient(
            new NetClientOptions().setConnectTimeout((int) connectTimeout.toMillis()));
  }

  /**
   * Whether the app accepts a connection: succeeds if it does, fails naming the app's address and
   * the cause if not. Reuses a check started less than {@link #RESULT_TTL} ago or still running.
   */
  public synchronized Future<Void> check() {
    long now = nanoTicker.getAsLong();
    if (last != null && (!last.isComplete() || now - lastStarted < RESULT_TTL.toNanos())) {
      return last;
    }
    lastStarted = now;
    last =
        client
            .connect(appPort, appHost)
            .compose(NetSocket::close)
            .recover(
                e ->
                    Future.failedFuture(
                        new IllegalStateException(
                            "app "
                                + appHost
                                + ":"
                                + appPort
                                + " does not accept connections: "
                                + HttpRelay.describe(e))));
    return last;
  }

  /** Answers a request for {@link #PATH}. */
  public void answer(HttpServerRequest req) {
    if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
      req.response().putHeader("allow", "GET, HEAD");
      HttpRelay.respondError(req, 405, "health path: GET or HEAD only\n");
      return;
    }
    // respondError answers in plain text whatever the status, and drains a body first
    check()
        .onComplete(
            ar ->
                HttpRelay.respondError(
                    req,
                    ar.succeeded() ? 200 : 503,
                    ar.succeeded() ? "ok\n" : ar.cause().getMessage() + "\n"));
  }

  /** Closes the client the checks connect with. */
  public Future<Void> close() {
    return client.close();
  }
}
