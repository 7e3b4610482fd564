package io.fedmesh.sidecar.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fedmesh.sidecar.TwoClusters;
import io.fedmesh.sidecar.admin.SidecarAdmin;
import io.fedmesh.sidecar.tracing.SidecarTracing;
import io.fedmesh.testing.TestCalls;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The request meters after real calls across two clusters, scraped from the frontend sidecar's
 * admin port (and the far sidecar's registry) as Prometheus sees them.
 */
class RequestMetersIT {
  private static final String OUTBOUND_TO_WEST =
      "{decision=\"routed\",destination_cluster=\"us-west\",destination_region=\"us-west\","
          + "destination_service=\"default/reviews\",destination_zone=\"us-west-1a\","
          + "direction=\"outbound\",response_class=\"2xx\",source_cluster=\"us-east\","
          + "source_region=\"us-east\",source_trust_domain=\"us-east.fedmesh.local\","
          + "source_zone=\"us-east-1a\"";
  private static final String INBOUND_FROM_EAST =
      "{decision=\"allowed\",destination_cluster=\"us-west\",destination_region=\"us-west\","
          + "destination_service=\"default/reviews\",destination_zone=\"us-west-1a\","
          + "direction=\"inbound\",response_class=\"2xx\",source_cluster=\"unknown\","
          + "source_region=\"unknown\",source_trust_domain=\"us-east.fedmesh.local\","
          + "source_zone=\"unknown\"";

  private final PrometheusMeterRegistry east = RequestMeters.prometheusRegistry();
  private final PrometheusMeterRegistry west = RequestMeters.prometheusRegistry();
  private TwoClusters clusters;
  private HttpClient client;
  private int adminPort;

  @BeforeEach
  void start() throws Exception {
    clusters = TwoClusters.builder().eastRegistry(east).westRegistry(west).start();
    adminPort =
        TwoClusters.await(
            SidecarAdmin.builder(
                    clusters.vertx, clusters::frontendView, clusters.frontend(), east, () -> true)
                .listen("127.0.0.1", 0)
                .build()
                .start());
    client = clusters.vertx.createHttpClient(new HttpClientOptions());
  }

  @AfterEach
  void stop() throws Exception {
    clusters.close();
  }

  private String scrape(String accept) throws Exception {
    RequestOptions ro =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setServer(SocketAddress.inetSocketAddress(adminPort, "127.0.0.1"))
            .setHost("127.0.0.1")
            .setURI("/metrics")
            .putHeader("accept", accept);
    return TestCalls.call(
        clusters.vertx,
        ro,
        () ->
            client
                .request(ro)
                .compose(r -> r.send())
                .compose(
                    r -> {
                      assertThat(r.statusCode()).isEqualTo(200);
                      return r.body().map(Buffer::toString);
                    }));
  }

  /**
   * Waits until {@code n} requests of {@code direction} are recorded: a proxy records a request
   * once its answer has gone out, so the record may trail the client's view by a moment.
   */
  private static void awaitRecorded(PrometheusMeterRegistry r, String direction, long n) {
    await()
        .atMost(10, TimeUnit.SECONDS)
        .until(
            () ->
                r.find(RequestMeters.REQUESTS).tag("direction", direction).timers().stream()
                        .mapToLong(t -> t.count())
                        .sum()
                    >= n);
  }

  @Test
  void crossClusterCallIsOneRequestSeriesWithBothEndsOnEachSide() throws Exception {
    assertThat(clusters.get(TwoClusters.WEST_REVIEWS_HOST)).startsWith("200 us-west");
    awaitRecorded(east, "outbound", 1);
    awaitRecorded(west, "inbound", 1);

    String metrics = scrape("text/plain");
    assertThat(metrics)
        .contains("fedmesh_requests_seconds_count" + OUTBOUND_TO_WEST + "} 1")
        .contains("fedmesh_requests_seconds_bucket" + OUTBOUND_TO_WEST + ",le=\"0.001\"}")
        .contains("fedmesh_requests_seconds_bucket" + OUTBOUND_TO_WEST + ",le=\"30.0\"}")
        .contains("fedmesh_request_bytes_count" + OUTBOUND_TO_WEST + "} 1")
        .contains("fedmesh_response_bytes_count" + OUTBOUND_TO_WEST + "} 1")
        .containsPattern("fedmesh_connections_active\\{direction=\"outbound\"} [1-9]");
    // "us-west caller=spiffe://us-east.fedmesh.local/ns/default/sa/frontend": 68 bytes back.
    assertThat(metrics).contains("fedmesh_response_bytes_sum" + OUTBOUND_TO_WEST + "} 68.0");

    String far = west.scrape();
    assertThat(far)
        .contains("fedmesh_requests_seconds_count" + INBOUND_FROM_EAST + "} 1")
        .contains("fedmesh_response_bytes_sum" + INBOUND_FROM_EAST + "} 68.0")
        .containsPattern("fedmesh_connections_active\\{direction=\"inbound\"} [1-9]");
  }

  @Test
  void retriesAndEjectionsAreCountedWhenTheLocalReplicaIsDown() throws Exception {
    TwoClusters.await(clusters.eastReviews().close());
    for (int i = 0; i < 5; i++) {
      assertThat(clusters.get("reviews.default.svc.clusterset.local")).startsWith("200 us-west");
    }
    awaitRecorded(east, "outbound", 5);
    String metrics = scrape("text/plain");
    assertThat(metrics)
        .containsPattern(
            "fedmesh_outbound_retries_total\\{destination_service=\"default/reviews\","
                + "reason=\"connect_failure\"} [1-9]")
        .contains(
            "fedmesh_outbound_ejections_total{destination_cluster=\"us-east\","
                + "destination_service=\"default/reviews\",destination_zone=\"us-east-1a\"} 1.0")
        .contains("fedmesh_requests_seconds_count" + OUTBOUND_TO_WEST + "} 5");
  }

  @Test
  void proxyAnsweredFailureIsCountedWithItsDecisionAndUnknownDestination() throws Exception {
    TwoClusters.await(clusters.eastReviews().close());
    assertThat(clusters.get("reviews.default.svc.cluster.local")).startsWith("503");
    awaitRecorded(east, "outbound", 1);
    assertThat(scrape("text/plain"))
        .containsPattern(
            "fedmesh_requests_seconds_count\\{decision=\"(no_healthy_upstream|upstream_error)\","
                + "destination_cluster=\"(unknown|us-east)\",[^}]*direction=\"outbound\","
                + "response_class=\"5xx\"[^}]*} 1");
  }

  @Test
  void plaintextToTheInboundPortIsCountedAsATlsHandshakeFailureByReason() throws Exception {
    var net = clusters.vertx.createNetClient(new NetClientOptions());
    var socket = TwoClusters.await(net.connect(clusters.westInboundPort(), "127.0.0.1"));
    TwoClusters.await(socket.write("GET / HTTP/1.1\r\nhost: x\r\n\r\n"));
    await()
        .atMost(10, TimeUnit.SECONDS)
        .untilAsserted(
            () ->
                assertThat(west.scrape())
                    .contains(
                        "fedmesh_tls_handshake_failures_total{listener=\"inbound\","
                            + "reason=\"not_tls\"} 1.0"));
  }

  @Test
  void durationBucketsCarryTheTraceIdAsAnExemplarInOpenMetrics() throws Exception {
    TwoClusters.Answer answer = clusters.call(TwoClusters.WEST_REVIEWS_HOST, Map.of());
    String traceId = answer.headers().get(SidecarTracing.TRACE_ID_HEADER);
    assertThat(traceId).matches("[0-9a-f]{32}");
    awaitRecorded(east, "outbound", 1);

    String open = scrape("application/openmetrics-text; version=1.0.0");
    assertThat(open)
        .containsPattern(
            "fedmesh_requests_seconds_bucket\\{"
                + "[^}]*direction=\"outbound\"[^}]*} 1 # \\{span_id=\"[0-9a-f]{16}\",trace_id=\""
                + traceId
                + "\"}")
        .endsWith("# EOF\n");
    // The classic text format has no exemplars.
    assertThat(scrape("text/plain")).doesNotContain(traceId);
  }
}
