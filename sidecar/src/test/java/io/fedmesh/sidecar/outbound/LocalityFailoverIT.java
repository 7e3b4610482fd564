package io.fedmesh.sidecar.outbound;

import static io.fedmesh.sidecar.MeshFixture.EAST_A;
import static io.fedmesh.sidecar.MeshFixture.REVIEWS;
import static io.fedmesh.sidecar.MeshFixture.WEST_A;
import static io.fedmesh.sidecar.MeshFixture.await;
import static io.fedmesh.sidecar.MeshFixture.healthCheck;
import static io.fedmesh.sidecar.MeshFixture.policy;
import static io.fedmesh.sidecar.MeshFixture.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.OutlierDetection;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.routing.ActiveHealthChecker;
import io.fedmesh.proxy.routing.LocalityLoadBalancer;
import io.fedmesh.sidecar.MeshFixture;
import io.fedmesh.sidecar.MeshFixture.Replica;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Locality failover end to end on loopback: a caller in us-east/us-east-1a with five local reviews
 * replicas in its zone and us-west's reviews behind us-west's east-west gateway, real mTLS and real
 * active health checks (no endpoint's health is set by hand).
 */
class LocalityFailoverIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String HOST = "reviews.default.svc.clusterset.local";
  private static final int LOCALS = 5;
  private static final int WORKERS = 4;

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final List<Replica> locals = new ArrayList<>();
  private final List<Endpoint> localEndpoints = new ArrayList<>();
  private Vertx vertx;
  private ExecutorService workers;
  private LocalityLoadBalancer balancer;
  private ActiveHealthChecker checker;
  private Endpoint remote;
  private int outboundPort;
  private HttpClient client;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    workers = Executors.newFixedThreadPool(WORKERS);
    MeshFixture mesh = new MeshFixture(vertx);
    Replica west = mesh.replica(mesh.west, "w");
    remote =
        MeshFixture.westSummary(mesh.westGateway(mesh.reviews(List.of(west.endpoint(WEST_A)))));
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < LOCALS; i++) {
      Replica r = mesh.replica(mesh.east, "e" + i);
      locals.add(r);
      localEndpoints.add(r.endpoint(EAST_A));
    }
    endpoints.addAll(localEndpoints);
    endpoints.add(remote);
    // Probes every 200 ms and 1 s ejections keep the test short; 3 failures in a row (a killed app
    // fails at once) keep a slow handshake on a loaded machine from flipping a live endpoint.
    // Retries, the overprovisioning factor and every other setting are the defaults.
    ProxySnapshot snapshot =
        snapshot(
            1,
            EAST_A,
            mesh.reviews(endpoints),
            policy(
                healthCheck(Duration.ofMillis(200), 3, 1, ""),
                new OutlierDetection(5, 3, Duration.ofSeconds(1), Duration.ofSeconds(1), 100)));
    OutboundProxy outbound =
        OutboundProxy.builder(vertx, mesh.frontendTls(), () -> snapshot)
            .listen("127.0.0.1", 0)
            .meterRegistry(registry)
            .build();
    outboundPort = await(outbound.start());
    client = vertx.createHttpClient(new HttpClientOptions());
    assertThat(get()).startsWith("200 e"); // builds the outbound's routing state for reviews
    balancer = outbound.balancer(REVIEWS);
    checker = balancer.healthChecker().orElseThrow();
    await().atMost(WAIT).until(() -> registry.find("fedmesh.health.probes").counters().size() > 0);
  }

  @AfterEach
  void stop() throws Exception {
    workers.shutdownNow();
    await(vertx.close());
  }

  private String get() throws Exception {
    return MeshFixture.get(vertx, client, outboundPort, HOST, "/");
  }

  /** Sends {@code n} GETs from {@link #WORKERS} threads; {@code results} fills as they end. */
  private List<Future<?>> send(int n, List<String> results) {
    return sendUntil(new AtomicBoolean(), n, results);
  }

  private List<Future<?>> sendUntil(AtomicBoolean stop, int max, List<String> results) {
    AtomicInteger left = new AtomicInteger(max);
    List<Future<?>> running = new ArrayList<>();
    for (int w = 0; w < WORKERS; w++) {
      running.add(
          workers.submit(
              () -> {
                while (!stop.get() && left.getAndDecrement() > 0) {
                  results.add(get());
                }
                return null;
              }));
    }
    return running;
  }

  private List<String> sendAll(int n) throws Exception {
    List<String> results = new CopyOnWriteArrayList<>();
    for (Future<?> f : send(n, results)) {
      f.get(2, TimeUnit.MINUTES);
    }
    return results;
  }

  private long unhealthyLocals() {
    return localEndpoints.stream().filter(e -> !checker.isHealthy(e)).count();
  }

  private double retries() {
    var c = registry.find("fedmesh.outbound.retries").counter();
    return c == null ? 0 : c.count();
  }

  /**
   * Envoy's priority levels with overprovisioning factor 1.4: with {@code k} of the 5 local
   * endpoints unhealthy, the local level takes {@code min(100%, (5-k)/5 × 1.4)} and the remote
   * level (fully healthy) the rest: k=1 → 0% remote, k=2 → 16%, k=3 → 44%. Each share is measured
   * over N requests and must lie within five binomial standard deviations of the expected value (a
   * false failure about once in two million runs), exactly 0 when 0 is expected.
   */
  @Test
  void spillOverFollowsHealthTimesTheOverprovisioningFactor() throws Exception {
    int n = 500;
    double[] expectedRemote = {0.0, 0.16, 0.44};
    long[] atKill = new long[LOCALS];
    for (int k = 1; k <= expectedRemote.length; k++) {
      locals.get(k - 1).killApp();
      atKill[k - 1] = locals.get(k - 1).inboundRequests();
      int unhealthy = k;
      await().atMost(WAIT).until(() -> unhealthyLocals() == unhealthy);
      assertThat(checker.isHealthy(remote)).isTrue();
      double p = expectedRemote[k - 1];
      assertThat(balancer.priorityLoad().get(0)).isCloseTo(100 * (1 - p), within(1e-9));

      List<String> results = sendAll(n);

      assertThat(results).hasSize(n).allMatch(r -> r.startsWith("200 "));
      assertThat(unhealthyLocals()).as("health did not change while measuring").isEqualTo(k);
      assertThat(checker.isHealthy(remote)).isTrue();
      double remoteShare = results.stream().filter(r -> r.equals("200 w")).count() / (double) n;
      double bound = 5 * Math.sqrt(p * (1 - p) / n);
      assertThat(remoteShare)
          .as("share served by us-west with %d of %d local endpoints unhealthy", k, LOCALS)
          .isCloseTo(p, within(bound));
      for (int dead = 0; dead < k; dead++) {
        assertThat(locals.get(dead).inboundRequests())
            .as("requests to e%d's sidecar since its app was killed", dead)
            .isEqualTo(atKill[dead]);
      }
    }
    // No request was sent to an unhealthy endpoint: nothing failed, so nothing was retried.
    assertThat(retries()).isZero();
  }

  @Test
  void killingEveryLocalAppMidRunFailsNoIdempotentRequestAndTrafficComesBack() throws Exception {
    List<String> results = new CopyOnWriteArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    // Requests flow until told to stop (at most 20,000), so the kill lands mid-run however fast
    // the path is.
    List<Future<?>> running = sendUntil(stop, 20_000, results);
    await().atMost(WAIT).until(() -> results.size() >= 100);
    for (Replica r : locals) {
      r.killApp(); // requests keep flowing from the workers meanwhile
    }
    // At most WORKERS requests were in flight when the last app went; every later one was sent
    // with no local app alive.
    int afterKill = results.size() + WORKERS;
    await().atMost(WAIT).until(() -> results.size() >= afterKill + 100);
    stop.set(true);
    for (Future<?> f : running) {
      f.get(2, TimeUnit.MINUTES);
    }

    assertThat(results).hasSizeGreaterThan(afterKill).allMatch(r -> r.startsWith("200 "));
    assertThat(results.subList(afterKill, results.size()))
        .as("every request sent after the last local app was killed")
        .containsOnly("200 w");

    for (Replica r : locals) {
      r.reviveApp();
    }
    await()
        .atMost(WAIT)
        .until(
            () ->
                unhealthyLocals() == 0
                    && localEndpoints.stream()
                        .noneMatch(e -> balancer.outlierDetector().isEjected(e)));
    assertThat(sendAll(50)).allMatch(r -> r.matches("200 e[0-4]"));
  }
}
