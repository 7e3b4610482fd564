package io.fedmesh.sidecar.health;

import static io.fedmesh.sidecar.MeshFixture.EAST_A;
import static io.fedmesh.sidecar.MeshFixture.EAST_B;
import static io.fedmesh.sidecar.MeshFixture.REVIEWS;
import static io.fedmesh.sidecar.MeshFixture.await;
import static io.fedmesh.sidecar.MeshFixture.healthCheck;
import static io.fedmesh.sidecar.MeshFixture.policy;
import static io.fedmesh.sidecar.MeshFixture.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedmesh.gateway.EastWestGateway;
import io.fedmesh.proxy.model.Endpoint;
import io.fedmesh.proxy.model.Protocol;
import io.fedmesh.proxy.model.ProxySnapshot;
import io.fedmesh.proxy.model.Service;
import io.fedmesh.proxy.model.ServicePort;
import io.fedmesh.proxy.routing.ActiveHealthChecker;
import io.fedmesh.sidecar.MeshFixture;
import io.fedmesh.sidecar.MeshFixture.Replica;
import io.fedmesh.sidecar.admin.SidecarAdmin;
import io.fedmesh.sidecar.outbound.OutboundProxy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Active health checking on loopback with real mTLS: the outbound sidecar's prober against inbound
 * sidecars (and, through us-west's gateway, a remote summary), with apps killed and revived.
 */
class EndpointProberIT {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration FAST = Duration.ofMillis(100);
  private static final String LOCAL_HOST = "reviews.default.svc.cluster.local";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AtomicReference<ProxySnapshot> snapshot = new AtomicReference<>();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private Vertx vertx;
  private MeshFixture mesh;
  private HttpClient client;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    mesh = new MeshFixture(vertx);
    client = vertx.createHttpClient(new HttpClientOptions());
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  private EndpointProber prober(int maxConcurrent) {
    EndpointProber p =
        EndpointProber.builder(vertx, mesh.frontendTls(), snapshot::get)
            .maxConcurrentProbes(maxConcurrent)
            .meterRegistry(registry)
            .build();
    p.start();
    return p;
  }

  private ActiveHealthChecker checker(EndpointProber prober) {
    return prober.checker(snapshot.get(), REVIEWS).orElseThrow();
  }

  @Test
  void anEndpointWhoseAppStopsIsMarkedUnhealthyAndGetsNoRequestThenReturns() throws Exception {
    Replica a = mesh.replica(mesh.east, "a");
    Replica b = mesh.replica(mesh.east, "b");
    Endpoint ea = a.endpoint(EAST_A);
    // No path: the inbound sidecar answers the probe from a connect to its app.
    snapshot.set(
        snapshot(
            1,
            EAST_A,
            mesh.reviews(List.of(ea, b.endpoint(EAST_B))),
            policy(healthCheck(FAST, 2, 1, ""), null)));
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    OutboundProxy outbound =
        OutboundProxy.builder(vertx, mesh.frontendTls(), snapshot::get)
            .listen("127.0.0.1", 0)
            .meterRegistry(registry)
            .build();
    int port = await(outbound.start());
    int admin =
        await(
            SidecarAdmin.builder(vertx, snapshot::get, outbound, registry, () -> true)
                .listen("127.0.0.1", 0)
                .build()
                .start());
    assertThat(MeshFixture.get(vertx, client, port, LOCAL_HOST, "/")).isEqualTo("200 a");
    ActiveHealthChecker checker = outbound.balancer(REVIEWS).healthChecker().orElseThrow();

    a.killApp();
    long toA = a.inboundRequests();
    await().atMost(WAIT).until(() -> !checker.isHealthy(ea));

    List<String> results = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      results.add(MeshFixture.get(vertx, client, port, LOCAL_HOST, "/"));
    }
    assertThat(results).containsOnly("200 b");
    assertThat(a.inboundRequests()).as("requests that reached a's sidecar").isEqualTo(toA);
    assertThat(registry.find("fedmesh.outbound.retries").counter()).as("retries").isNull();
    JsonNode clusters = adminJson(admin, "/clusters");
    assertThat(clusters.at("/services/0/endpoints/0/id").asText()).isEqualTo("a");
    assertThat(clusters.at("/services/0/endpoints/0/activeHealthy").asBoolean()).isFalse();
    assertThat(clusters.at("/services/0/endpoints/1/activeHealthy").asBoolean()).isTrue();
    assertThat(registry.get(EndpointProber.UNHEALTHY_METER).gauge().value()).isEqualTo(1.0);
    assertThat(registry.get(EndpointProber.PROBES_METER).tag("result", "fail").counter().count())
        .isGreaterThanOrEqualTo(2.0);

    a.reviveApp();
    await().atMost(WAIT).until(() -> checker.isHealthy(ea));
    assertThat(MeshFixture.get(vertx, client, port, LOCAL_HOST, "/")).isEqualTo("200 a");
    assertThat(registry.get(EndpointProber.UNHEALTHY_METER).gauge().value()).isZero();
  }

  private JsonNode adminJson(int adminPort, String path) throws Exception {
    String r = MeshFixture.get(vertx, client, adminPort, "127.0.0.1", path);
    assertThat(r).startsWith("200 ");
    return JSON.readTree(r.substring(4));
  }

  @Test
  void thePolicyPathIsAskedOfTheAppAndTheThresholdsCountProbesInARow() throws Exception {
    Replica a = mesh.replica(mesh.east, "a");
    Endpoint ea = a.endpoint(EAST_A);
    snapshot.set(
        snapshot(
            1,
            EAST_A,
            mesh.reviews(List.of(ea)),
            policy(healthCheck(FAST, 2, 3, "/healthz"), null)));
    EndpointProber prober = prober(4);
    ActiveHealthChecker checker = checker(prober);
    await().atMost(WAIT).until(() -> a.healthzHits.get() >= 1);

    // Each probe is answered only after the app saw it, so the app can read the verdict of every
    // earlier probe: the 1st and 2nd failing probes find the endpoint still healthy, and so do
    // the 1st..3rd passing ones find it still unhealthy.
    List<Boolean> healthyWhenFailing = new CopyOnWriteArrayList<>();
    a.onHealthz =
        status -> {
          if (status != 200) {
            healthyWhenFailing.add(checker.isHealthy(ea));
          }
        };
    a.healthz = 503;
    await().atMost(WAIT).until(() -> !checker.isHealthy(ea));
    assertThat(healthyWhenFailing).startsWith(true, true);

    List<Boolean> healthyWhenPassing = new CopyOnWriteArrayList<>();
    a.onHealthz =
        status -> {
          if (status == 200) {
            healthyWhenPassing.add(checker.isHealthy(ea));
          }
        };
    a.healthz = 200;
    await().atMost(WAIT).until(() -> checker.isHealthy(ea));
    assertThat(healthyWhenPassing).startsWith(false, false, false);
    assertThat(a.served).as("the probe is not an app request").hasValue(0);
  }

  @Test
  void aRemoteSummaryIsProbedThroughItsGatewayAndGoesDownWithTheRemoteAppOrTheGateway()
      throws Exception {
    Replica w = mesh.replica(mesh.west, "w");
    EastWestGateway gateway =
        mesh.westGateway(mesh.reviews(List.of(w.endpoint(MeshFixture.WEST_A))));
    Endpoint summary = MeshFixture.westSummary(gateway);
    snapshot.set(
        snapshot(
            1, EAST_A, mesh.reviews(List.of(summary)), policy(healthCheck(FAST, 2, 1, ""), null)));
    EndpointProber prober = prober(4);
    ActiveHealthChecker checker = checker(prober);
    await().atMost(WAIT).until(() -> probes("pass") >= 2);
    assertThat(checker.isHealthy(summary)).isTrue();

    w.killApp(); // us-west's inbound sidecar answers the probe with 503 now
    await().atMost(WAIT).until(() -> !checker.isHealthy(summary));

    w.reviveApp();
    await().atMost(WAIT).until(() -> checker.isHealthy(summary));

    await(gateway.close()); // a dead gateway takes the cluster's summary out of routing too
    await().atMost(WAIT).until(() -> !checker.isHealthy(summary));
  }

  private Service tcpService(List<Endpoint> endpoints, String identityPath) {
    return new Service(
        REVIEWS,
        List.of(new ServicePort("db", 5432, Protocol.TCP)),
        List.of(MeshFixture.id(mesh.east, identityPath)),
        false,
        endpoints);
  }

  @Test
  void aTcpServiceIsProbedWithATlsHandshake() throws Exception {
    Replica a = mesh.replica(mesh.east, "a");
    Endpoint ea = a.endpoint(EAST_A);
    snapshot.set(
        snapshot(
            1,
            EAST_A,
            tcpService(List.of(ea), "/ns/default/sa/reviews"),
            policy(healthCheck(FAST, 2, 1, ""), null)));
    EndpointProber prober = prober(4);
    ActiveHealthChecker checker = checker(prober);
    await().atMost(WAIT).until(() -> probes("pass") >= 2);
    assertThat(checker.isHealthy(ea)).isTrue();
    assertThat(a.healthzHits).as("a handshake, no HTTP request").hasValue(0);

    a.closeInbound();
    await().atMost(WAIT).until(() -> !checker.isHealthy(ea));
  }

  /** Probes {@code service}'s only endpoint, whose server is not what the service expects. */
  private void assertNeverPasses(Service service) {
    Endpoint e = service.endpoints().get(0);
    snapshot.set(snapshot(1, EAST_A, service, policy(healthCheck(FAST, 2, 1, ""), null)));
    ActiveHealthChecker checker = checker(prober(4));

    await().atMost(WAIT).until(() -> !checker.isHealthy(e));
    assertThat(probes("pass")).isZero();
  }

  @Test
  void aTlsProbeOfAServerPresentingAnotherIdentityFails() throws Exception {
    Replica a = mesh.replica(mesh.east, "a");
    assertNeverPasses(tcpService(List.of(a.endpoint(EAST_A)), "/ns/default/sa/not-reviews"));
  }

  @Test
  void anHttpProbeOfAServerPresentingAnotherIdentityFails() throws Exception {
    Replica a = mesh.replica(mesh.east, "a");
    Service reviews = mesh.reviews(List.of(a.endpoint(EAST_A)));
    assertNeverPasses(
        new Service(
            REVIEWS,
            reviews.ports(),
            List.of(MeshFixture.id(mesh.east, "/ns/default/sa/not-reviews")),
            false,
            reviews.endpoints()));
  }

  @Test
  void anEndpointThatLeavesTheSnapshotIsNoLongerProbed() throws Exception {
    Replica a = mesh.replica(mesh.east, "a");
    Replica b = mesh.replica(mesh.east, "b");
    var policy = policy(healthCheck(FAST, 2, 1, "/healthz"), null);
    snapshot.set(
        snapshot(1, EAST_A, mesh.reviews(List.of(a.endpoint(EAST_A), b.endpoint(EAST_A))), policy));
    EndpointProber prober = prober(4);
    await().atMost(WAIT).until(() -> a.healthzHits.get() >= 1 && b.healthzHits.get() >= 1);

    snapshot.set(snapshot(2, EAST_A, mesh.reviews(List.of(b.endpoint(EAST_A))), policy));
    await().atMost(WAIT).until(() -> prober.probedEndpoints(REVIEWS).equals(Set.of("b")));
    // Let a probe of a that was already on the wire land: b is probed three more times.
    int seen = b.healthzHits.get();
    await().atMost(WAIT).until(() -> b.healthzHits.get() >= seen + 3);
    int toA = a.healthzHits.get();
    int then = b.healthzHits.get();
    await().atMost(WAIT).until(() -> b.healthzHits.get() >= then + 5);
    assertThat(a.healthzHits).as("probes of a after it left").hasValue(toA);
  }

  @Test
  void probesInFlightNeverExceedTheBoundAndEveryEndpointGetsItsTurn() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    List<Replica> replicas = new ArrayList<>();
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      Replica r = mesh.replica(mesh.east, "r" + i);
      r.healthzDelay = Duration.ofMillis(150);
      r.onHealthz = s -> maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      r.beforeHealthzAnswer = () -> inFlight.decrementAndGet();
      replicas.add(r);
      endpoints.add(r.endpoint(EAST_A));
    }
    snapshot.set(
        snapshot(
            1, EAST_A, mesh.reviews(endpoints), policy(healthCheck(FAST, 2, 1, "/healthz"), null)));
    EndpointProber prober = prober(2);

    await().atMost(WAIT).until(() -> replicas.stream().allMatch(r -> r.healthzHits.get() >= 2));
    assertThat(maxInFlight.get()).isLessThanOrEqualTo(2);
    assertThat(prober.inFlight()).isLessThanOrEqualTo(2);
  }

  @Test
  void maxConcurrentProbesBelowOneIsRefused() {
    assertThatThrownBy(
            () ->
                EndpointProber.builder(vertx, mesh.frontendTls(), snapshot::get)
                    .maxConcurrentProbes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxConcurrentProbes: 0 (expected: 1..10000)");
  }

  @Test
  void maxConcurrentProbesAboveTenThousandIsRefused() {
    assertThatThrownBy(
            () ->
                EndpointProber.builder(vertx, mesh.frontendTls(), snapshot::get)
                    .maxConcurrentProbes(10_001))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxConcurrentProbes: 10001 (expected: 1..10000)");
  }

  @Test
  void theFirstProbeFallsInTheFirstInterval() {
    Duration interval = Duration.ofSeconds(1);
    assertThat(EndpointProber.firstDelayMillis(interval, 0.0)).isEqualTo(1);
    assertThat(EndpointProber.firstDelayMillis(interval, 0.5)).isEqualTo(500);
    assertThat(EndpointProber.firstDelayMillis(interval, 0.999_999)).isEqualTo(999);
  }

  @Test
  void laterProbesAreAnIntervalApartWithinTenPercent() {
    Duration interval = Duration.ofSeconds(1);
    assertThat(EndpointProber.nextDelayMillis(interval, 0.0)).isEqualTo(900);
    assertThat(EndpointProber.nextDelayMillis(interval, 0.5)).isEqualTo(1000);
    assertThat(EndpointProber.nextDelayMillis(interval, 0.999_999)).isEqualTo(1100);
  }

  private double probes(String result) {
    var c = registry.find(EndpointProber.PROBES_METER).tag("result", result).counter();
    return c == null ? 0 : c.count();
  }
}
