package io.fedmesh.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.fedmesh.bench.LoadGenerator.Protocol;
import io.fedmesh.bench.LoadGenerator.Result;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpVersion;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each protocol of the load generator against the real {@link UpstreamApp} on 127.0.0.1: counts of
 * requests, errors and connections, and what the app saw on the wire; no timing is asserted.
 */
class LoadGeneratorTest {
  private static final String HOST = Chains.HOST_LOCAL;

  private Vertx appVertx;
  private Vertx vertx;
  private int port;
  private final Set<HttpConnection> connections = ConcurrentHashMap.newKeySet();
  private final List<HttpVersion> versions = new CopyOnWriteArrayList<>();
  private final List<String> paths = new CopyOnWriteArrayList<>();
  private final List<String> hosts = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    appVertx = Vertx.vertx();
    port =
        UpstreamApp.start(
                appVertx,
                0,
                req -> {
                  connections.add(req.connection());
                  versions.add(req.version());
                  paths.add(req.path());
                  hosts.add(String.valueOf(req.authority()));
                })
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS)
            .actualPort();
    vertx = LoadGenerator.vertx(List.of(HOST));
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    appVertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private LoadGenerator generator(Protocol protocol, String uri, int concurrency, int bytes) {
    return new LoadGenerator(vertx, protocol, port, HOST, uri, concurrency, bytes);
  }

  @Test
  void http1OpenLoopSendsEveryDueRequestOverKeptAliveConnections() throws Exception {
    Result r;
    try (LoadGenerator g = generator(Protocol.H1, UpstreamApp.LARGE_PATH, 4, 16 * 1024)) {
      r = g.openLoop(200, Duration.ofMillis(500));
    }
    // Due at 0, 5, ..., 495 ms: 100 requests.
    assertThat(r.completed()).isEqualTo(100);
    assertThat(r.errors()).isZero();
    assertThat(r.incomplete()).isZero();
    assertThat(r.latency().getTotalCount()).isEqualTo(100);
    assertThat(versions).hasSize(100).containsOnly(HttpVersion.HTTP_1_1);
    assertThat(hosts).containsOnly(HOST);
    assertThat(connections).hasSizeBetween(1, 4);
  }

  @Test
  void http2MultiplexesStreamsOnAtMostTwoConnections() throws Exception {
    Result r;
    try (LoadGenerator g = generator(Protocol.H2, UpstreamApp.SMALL_PATH, 16, 64)) {
      r = g.closedLoop(Duration.ofMillis(300));
    }
    assertThat(r.completed()).isPositive().isEqualTo(versions.size());
    assertThat(r.errors()).isZero();
    assertThat(r.incomplete()).isZero();
    assertThat(versions).containsOnly(HttpVersion.HTTP_2);
    assertThat(paths).containsOnly(UpstreamApp.SMALL_PATH);
    // The mesh name the generator dialled is the :authority, with the port.
    assertThat(hosts).containsOnly(HOST + ":" + port);
    assertThat(connections).hasSizeBetween(1, LoadGenerator.H2_CONNECTIONS);
  }

  @Test
  void grpcUnaryCallsComeBackWithStatusOk() throws Exception {
    Result r;
    try (LoadGenerator g = generator(Protocol.GRPC, "", 16, UpstreamApp.SMALL_BYTES)) {
      r = g.openLoop(100, Duration.ofMillis(300));
    }
    assertThat(r.completed()).isEqualTo(30);
    assertThat(r.errors()).isZero();
    assertThat(r.incomplete()).isZero();
    assertThat(versions).hasSize(30).containsOnly(HttpVersion.HTTP_2);
    assertThat(paths).containsOnly("/" + UpstreamApp.GRPC_METHOD);
    assertThat(connections).hasSizeBetween(1, LoadGenerator.H2_CONNECTIONS);
  }

  @Test
  void newConnectionPerRequestOpensOneConnectionForEachRequest() throws Exception {
    Result r;
    try (LoadGenerator g = generator(Protocol.NEWCONN, UpstreamApp.SMALL_PATH, 4, 64)) {
      r = g.openLoop(100, Duration.ofMillis(300));
    }
    assertThat(r.completed()).isEqualTo(30);
    assertThat(r.errors()).isZero();
    assertThat(versions).hasSize(30).containsOnly(HttpVersion.HTTP_1_1);
    assertThat(connections).hasSize(30);
  }

  @Test
  void newConnectionPerRequestClosedLoopStillOpensOneConnectionForEachRequest() throws Exception {
    Result r;
    try (LoadGenerator g = generator(Protocol.NEWCONN, UpstreamApp.SMALL_PATH, 4, 64)) {
      r = g.closedLoop(Duration.ofMillis(300));
    }
    assertThat(r.completed()).isPositive();
    assertThat(r.errors()).isZero();
    assertThat(connections).hasSize(versions.size());
    assertThat(versions).hasSize((int) r.completed());
  }

  @Test
  void bodyOfTheWrongLengthIsAnError() throws Exception {
    Result r;
    try (LoadGenerator g = generator(Protocol.H1, UpstreamApp.SMALL_PATH, 2, 65)) {
      r = g.openLoop(100, Duration.ofMillis(200));
    }
    assertThat(r.completed()).isZero();
    assertThat(r.errors()).isEqualTo(20);
    assertThat(r.latency().getTotalCount()).isZero();
  }

  @Test
  void grpcMessageOfTheWrongLengthIsAnError() throws Exception {
    Result r;
    try (LoadGenerator g = generator(Protocol.GRPC, "", 2, UpstreamApp.SMALL_BYTES + 1)) {
      r = g.openLoop(100, Duration.ofMillis(200));
    }
    assertThat(r.completed()).isZero();
    assertThat(r.errors()).isEqualTo(20);
  }

  @Test
  void refusedConnectionsAreErrors() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    Result r;
    try (LoadGenerator g =
        new LoadGenerator(vertx, Protocol.H2, closed, HOST, UpstreamApp.SMALL_PATH, 2, 64)) {
      r = g.openLoop(100, Duration.ofMillis(200));
    }
    assertThat(r.completed()).isZero();
    assertThat(r.errors()).isEqualTo(20);
    assertThat(r.incomplete()).isZero();
  }
}
