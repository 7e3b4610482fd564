package io.fedmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedmesh.cli.runner.StateDir;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's walk-through as a test, with real processes: {@code fedmesh up --detach} the
 * embedded default topology (one OS process per cluster, each with two controller replicas; proxies
 * enrolled by join token and configured by push; the clusters linked by a peering token), call
 * reviews from frontend, scale us-east's reviews to 0 while calls run and back, apply a policy (a
 * bad one changes nothing), kill a controller replica, unlink, and {@code fedmesh down}, which must
 * leave no process behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UpDownIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REVIEWS = "http://reviews.default.svc.clusterset.local:9080/r/1";

  @TempDir static Path dir;
  private static String stateDir;
  private static final List<Long> pids = new ArrayList<>();

  private static Cli.Result fedmesh(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--state-dir");
    all.add(stateDir);
    return Cli.run(Fedmesh.commandLine(new Fedmesh()), all.toArray(String[]::new));
  }

  @BeforeAll
  static void up() {
    stateDir = dir.resolve("run").toString();
    Cli.Result r = fedmesh("up", "--detach", "--timeout", "90s");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("frontend-us-east-1").contains("reviews-us-west-2");
    StateDir state = new StateDir(Path.of(stateDir));
    pids.add(state.pid("us-east").orElseThrow());
    pids.add(state.pid("us-west").orElseThrow());
  }

  @AfterAll
  static void down() {
    Cli.Result r = fedmesh("down");
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
  }

  private static final Duration WAIT = Duration.ofSeconds(30);

  private static final String POLICY =
      """
      apiVersion: fedmesh.io/v1alpha1
      kind: FailoverPolicy
      metadata: {name: reviews, namespace: default}
      spec:
        service: reviews
        locality:
          failover: [{from: us-east, to: [us-west]}]
        retries: {attempts: 3, perTryTimeout: 500ms, retryOn: [5xx, reset, connect-failure]}
        timeout: 3s
      """;

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static String get(String url) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private static JsonNode status() throws Exception {
    Cli.Result r = fedmesh("status", "-o", "json");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    return JSON.readTree(r.out());
  }

  private static JsonNode workload(String cluster, String service) throws Exception {
    for (JsonNode c : status()) {
      if (c.get("platform").get("cluster").asText().equals(cluster)) {
        for (JsonNode w : c.get("platform").get("workloads")) {
          if (w.get("service").asText().equals(service)) {
            return w;
          }
        }
      }
    }
    throw new AssertionError("no " + service + " in " + cluster);
  }

  /** Requests a sidecar's metrics count as served by {@code cluster}'s reviews. */
  private static double servedFrom(String metricsUrl, String cluster) throws Exception {
    double n = 0;
    for (String line : get(metricsUrl).split("\n")) {
      if (line.startsWith("fedmesh_requests_seconds_count{")
          && line.contains("direction=\"outbound\"")
          && line.contains("destination_cluster=\"" + cluster + "\"")) {
        n += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return n;
  }

  private static Map<String, Integer> clusters(JsonNode report) {
    Map<String, Integer> clusters = new java.util.TreeMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = report.get("servedBy").fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      clusters.merge(e.getKey().split("/")[0], e.getValue().asInt(), Integer::sum);
    }
    return clusters;
  }

  /** {@code fedmesh call} of reviews from us-east's frontend, JSON report. */
  private static Cli.Result callReviews(int count, String... options) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "call",
                "--cluster",
                "us-east",
                "--from",
                "frontend",
                REVIEWS,
                "--count",
                String.valueOf(count),
                "-o",
                "json"));
    args.addAll(List.of(options));
    return fedmesh(args.toArray(String[]::new));
  }

  private static Map<String, Integer> servedClusters(int count) throws Exception {
    Cli.Result r = callReviews(count, "--concurrency", "4");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    JsonNode report = JSON.readTree(r.out());
    assertThat(report.get("failed").asInt()).isZero();
    // Each answer names its trace (W3C trace id, started by the calling sidecar).
    for (JsonNode result : report.get("results")) {
      assertThat(result.get("traceId").asText()).matches("[0-9a-f]{32}");
    }
    return clusters(report);
  }

  @Test
  @Order(1)
  void reviewsFromFrontendIsServedInUsEast() throws Exception {
    assertThat(servedClusters(20)).containsOnlyKeys("us-east");
  }

  @Test
  @Order(2)
  void scaledToZeroWhileCallsRunItIsServedFromUsWestWithoutFailures() throws Exception {
    String metrics = "http://" + workload("us-east", "frontend").get("admin").asText() + "/metrics";
    double before = servedFrom(metrics, "us-east");
    CompletableFuture<Cli.Result> calls =
        CompletableFuture.supplyAsync(() -> callReviews(250, "--rate", "50", "--concurrency", "2"));
    // Scale only once the loop is being served locally, so the change lands in its middle.
    await().atMost(WAIT).until(() -> servedFrom(metrics, "us-east") >= before + 10);
    Cli.Result r = fedmesh("scale", "--cluster", "us-east", "reviews=0");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    Cli.Result loop = calls.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(loop.exitCode()).as(loop.out() + loop.err()).isZero();
    JsonNode report = JSON.readTree(loop.out());
    assertThat(report.get("failed").asInt()).isZero();
    assertThat(clusters(report)).containsKeys("us-east", "us-west");
    assertThat(servedClusters(20)).containsOnlyKeys("us-west");
  }

  @Test
  @Order(3)
  void scaledBackItIsLocalAgain() throws Exception {
    Cli.Result r = fedmesh("scale", "--cluster", "us-east", "reviews=2");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(servedClusters(20)).containsOnlyKeys("us-east");
  }

  @Test
  @Order(4)
  void aBadPolicyChangesNothingAndAGoodOneReachesTheSidecars() throws Exception {
    String config = "http://" + workload("us-east", "frontend").get("admin").asText() + "/config";
    Path bad = dir.resolve("bad-policy.yaml");
    Files.writeString(bad, POLICY.replace("to: [us-west]", "to: [eu-west]"));
    Cli.Result refused = fedmesh("policy", "apply", "-f", bad.toString(), "--cluster", "us-east");
    assertThat(refused.exitCode()).isEqualTo(Fedmesh.EXIT_USAGE);
    assertThat(refused.err())
        .contains(bad + ":7:")
        .contains("spec.locality.failover[0].to[0]: 'eu-west' is not a known region")
        .contains("nothing applied");
    assertThat(JSON.readTree(get(config)).get("policies").size()).isZero();

    Path good = dir.resolve("policy.yaml");
    Files.writeString(good, POLICY);
    Cli.Result applied = fedmesh("policy", "apply", "-f", good.toString(), "--cluster", "us-east");
    assertThat(applied.exitCode()).as(applied.out() + applied.err()).isZero();
    await()
        .atMost(WAIT)
        .until(() -> JSON.readTree(get(config)).get("policies").has("default/reviews"));
    JsonNode policy = JSON.readTree(get(config)).get("policies").get("default/reviews");
    assertThat(policy.get("timeout").asText()).isEqualTo("3s");
    assertThat(policy.get("retries").get("attempts").asInt()).isEqualTo(3);
  }

  @Test
  @Order(5)
  void killingAControllerReplicaLosesNoStateAndProxiesReconnect() throws Exception {
    Cli.Result killed =
        fedmesh("chaos", "kill-controller", "--cluster", "us-east", "--replica", "0", "-o", "json");
    assertThat(killed.exitCode()).as(killed.out() + killed.err()).isZero();
    String dead = JSON.readTree(killed.out()).get("mtls").asText();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              JsonNode east = status().get(0);
              for (JsonNode w : east.get("platform").get("workloads")) {
                assertThat(w.get("push").get("connected").asBoolean()).as(w.toString()).isTrue();
                assertThat(w.get("push").get("replica").asText()).isNotEqualTo(dead);
              }
              JsonNode gw = east.get("platform").get("gateway").get("push");
              assertThat(gw.get("replica").asText()).isNotEqualTo(dead);
              // the survivor sees the member gone and leads (Hazelcast's member list may lag
              // the proxies' reconnection)
              JsonNode replicas = east.get("control").get("replicas");
              assertThat(replicas).hasSize(1);
              assertThat(replicas.get(0).get("leader").asBoolean()).isTrue();
            });
    JsonNode control = status().get(0).get("control");
    List<String> services = new ArrayList<>();
    control.get("services").forEach(n -> services.add(n.get("name").asText()));
    assertThat(services).contains("frontend", "reviews");
    assertThat(control.get("imports").toString()).contains("\"name\":\"reviews\"");
    String config = "http://" + workload("us-east", "frontend").get("admin").asText() + "/config";
    assertThat(JSON.readTree(get(config)).get("policies").has("default/reviews")).isTrue();
    assertThat(servedClusters(20)).containsOnlyKeys("us-east");
  }

  @Test
  @Order(6)
  void unlinkRemovesTheRemoteImport() throws Exception {
    Cli.Result r = fedmesh("unlink", "--from", "us-east", "--to", "us-west");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    Cli.Result services = fedmesh("services", "-o", "json");
    assertThat(services.exitCode()).as(services.out() + services.err()).isZero();
    List<JsonNode> east = new ArrayList<>();
    JSON.readTree(services.out())
        .forEach(
            row -> {
              if (row.get("cluster").asText().equals("us-east")) {
                east.add(row);
              }
            });
    // us-east still lists its own endpoints, and none of us-west's any more.
    assertThat(east).as(services.out()).isNotEmpty();
    assertThat(east)
        .as(services.out())
        .allSatisfy(row -> assertThat(row.get("locality").asText()).startsWith("us-east/"));
    // The import's route leaves the frontend's sidecar with the next push.
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Cli.Result call =
                  fedmesh(
                      "call",
                      "--cluster",
                      "us-east",
                      "--from",
                      "frontend",
                      "http://reviews-us-west.default.svc.clusterset.local:9080/");
              assertThat(call.exitCode())
                  .as(call.out() + call.err())
                  .isEqualTo(Fedmesh.EXIT_NOT_READY);
              assertThat(call.out()).contains("failed: 1");
            });
  }

  @Test
  @Order(7)
  void scaleOfAnUnknownServiceNamesTheServices() {
    Cli.Result r = fedmesh("scale", "--cluster", "us-east", "ratings=1");
    assertThat(r.exitCode()).isEqualTo(Fedmesh.EXIT_USAGE);
    assertThat(r.err())
        .contains("service 'default/ratings' does not run in cluster us-east")
        .contains("default/frontend, default/reviews");
  }

  @Test
  @Order(8)
  void downLeavesNoProcessBehind() {
    Cli.Result r = fedmesh("down");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    for (long pid : pids) {
      assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
    }
    assertThat(fedmesh("status").exitCode()).isEqualTo(Fedmesh.EXIT_NOT_RUNNING);
    // Bring it back for @AfterAll's down, which must then succeed too.
    assertThat(fedmesh("up", "--detach", "--timeout", "90s").exitCode()).isZero();
    StateDir state = new StateDir(Path.of(stateDir));
    pids.add(state.pid("us-east").orElseThrow());
    pids.add(state.pid("us-west").orElseThrow());
  }
}
