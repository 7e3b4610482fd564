package io.fedmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fedmesh.cli.runner.StateDir;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's walk-through as a test, with real processes: {@code fedmesh up --detach} the
 * embedded default topology (one OS process per cluster), call reviews from frontend, scale
 * us-east's reviews to 0 and back, unlink, and {@code fedmesh down}, which must leave no process
 * behind.
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

  private static Map<String, Integer> servedClusters(int count) throws Exception {
    Cli.Result r =
        fedmesh(
            "call",
            "--cluster",
            "us-east",
            "--from",
            "frontend",
            REVIEWS,
            "--count",
            String.valueOf(count),
            "--concurrency",
            "4",
            "-o",
            "json");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    JsonNode report = JSON.readTree(r.out());
    assertThat(report.get("failed").asInt()).isZero();
    Map<String, Integer> clusters = new java.util.TreeMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = report.get("servedBy").fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      clusters.merge(e.getKey().split("/")[0], e.getValue().asInt(), Integer::sum);
    }
    return clusters;
  }

  @Test
  @Order(1)
  void reviewsFromFrontendIsServedInUsEast() throws Exception {
    assertThat(servedClusters(20)).containsOnlyKeys("us-east");
  }

  @Test
  @Order(2)
  void scaledToZeroInUsEastItIsServedFromUsWestWithoutFailures() throws Exception {
    Cli.Result r = fedmesh("scale", "--cluster", "us-east", "reviews=0");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
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
  void unlinkRemovesTheRemoteImport() throws Exception {
    Cli.Result r = fedmesh("unlink", "--from", "us-east", "--to", "us-west");
    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    Cli.Result services = fedmesh("services", "-o", "json");
    JsonNode rows = JSON.readTree(services.out());
    for (JsonNode row : rows) {
      if (row.get("cluster").asText().equals("us-east")) {
        assertThat(row.get("locality").asText()).startsWith("us-east/");
      }
    }
    Cli.Result call =
        fedmesh(
            "call",
            "--cluster",
            "us-east",
            "--from",
            "frontend",
            "http://reviews-us-west.default.svc.clusterset.local:9080/");
    assertThat(call.exitCode()).isEqualTo(Fedmesh.EXIT_NOT_READY);
    assertThat(call.out()).contains("failed: 1");
  }

  @Test
  @Order(5)
  void scaleOfAnUnknownServiceNamesTheServices() {
    Cli.Result r = fedmesh("scale", "--cluster", "us-east", "ratings=1");
    assertThat(r.exitCode()).isEqualTo(Fedmesh.EXIT_USAGE);
    assertThat(r.err())
        .contains("service 'default/ratings' does not run in cluster us-east")
        .contains("default/frontend, default/reviews");
  }

  @Test
  @Order(6)
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
