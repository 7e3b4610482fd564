package io.fedmesh.sidecar.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fedmesh.sidecar.TwoClusters;
import io.fedmesh.sidecar.tracing.OtlpReceiver.ReceivedSpan;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One trace across two clusters: app → sidecar (us-east) → us-west's gateway → sidecar (us-west) →
 * app, with both clusters exporting to a real OTLP/HTTP receiver.
 */
class TracingIT {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PARENT_ID = "00f067aa0ba902b7";
  private static final String EAST_DOMAIN = "us-east.fedmesh.local";
  private static final String FRONTEND = "spiffe://us-east.fedmesh.local/ns/default/sa/frontend";

  private Vertx receiverVertx;
  private OtlpReceiver receiver;
  private TwoClusters clusters;

  @BeforeEach
  void start() throws Exception {
    receiverVertx = Vertx.vertx();
    receiver = new OtlpReceiver(receiverVertx);
    int port = TwoClusters.await(receiver.listen("127.0.0.1", 0));
    TracingOptions exportToReceiver =
        TracingOptions.builder()
            .otlpEndpoint("http://127.0.0.1:" + port)
            .scheduleDelay(Duration.ofMillis(50))
            .build();
    clusters =
        TwoClusters.builder().eastTracing(exportToReceiver).westTracing(exportToReceiver).start();
  }

  @AfterEach
  void stop() throws Exception {
    try {
      clusters.close();
    } finally {
      TwoClusters.await(receiverVertx.close());
    }
  }

  /** The app-facing client span and the far server span of {@code traceId}, once both arrived. */
  private List<ReceivedSpan> clientAndServer(String traceId) {
    await()
        .atMost(15, TimeUnit.SECONDS)
        .until(
            () ->
                receiver.trace(traceId).stream()
                        .anyMatch(s -> s.kind() == SpanKind.SPAN_KIND_CLIENT)
                    && receiver.trace(traceId).stream()
                        .anyMatch(s -> s.kind() == SpanKind.SPAN_KIND_SERVER));
    ReceivedSpan client = only(traceId, SpanKind.SPAN_KIND_CLIENT);
    ReceivedSpan server = only(traceId, SpanKind.SPAN_KIND_SERVER);
    return List.of(client, server);
  }

  private ReceivedSpan only(String traceId, SpanKind kind) {
    List<ReceivedSpan> found =
        receiver.trace(traceId).stream().filter(s -> s.kind() == kind).toList();
    assertThat(found).as("%s spans of trace %s", kind, traceId).hasSize(1);
    return found.get(0);
  }

  /** The W3C traceparent the us-west app received with the last request. */
  private String westAppTraceparent() throws Exception {
    MultiMap h = clusters.westAppRequests.poll(10, TimeUnit.SECONDS);
    assertThat(h).as("a request reached the us-west app").isNotNull();
    return h.get("traceparent");
  }

  private static String traceIdOf(String traceparent) {
    // flags: sampled (01), and random trace id (02, W3C level 2) when the sidecar made it
    assertThat(traceparent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[0-3]");
    return traceparent.split("-")[1];
  }

  @Test
  void oneTraceSpansBothClustersWithClientAndServerSpansLinkedAndAttributed() throws Exception {
    TwoClusters.Answer answer = clusters.call(TwoClusters.WEST_REVIEWS_HOST, Map.of());
    assertThat(answer.toString()).startsWith("200 ");
    String traceId = answer.headers().get(SidecarTracing.TRACE_ID_HEADER);
    assertThat(traceId).matches("[0-9a-f]{32}");
    String appTraceparent = westAppTraceparent();

    List<ReceivedSpan> spans = clientAndServer(traceId);
    ReceivedSpan client = spans.get(0);
    ReceivedSpan server = spans.get(1);
    // No headers from the app: the client span is the trace's root; the far server span is its
    // child, and the far app's parent is that server span.
    assertThat(client.parentSpanId()).isEmpty();
    assertThat(server.parentSpanId()).isEqualTo(client.spanId());
    assertThat(appTraceparent).startsWith("00-" + traceId + "-" + server.spanId() + "-");
    assertThat(Integer.parseInt(appTraceparent.substring(53), 16) & 1).as("sampled").isEqualTo(1);

    assertThat(client.service()).isEqualTo("frontend.default");
    assertThat(client.name()).isEqualTo("GET default/reviews");
    assertThat(client.status()).isEqualTo(StatusCode.STATUS_CODE_UNSET);
    assertThat(client.attributes())
        .containsEntry("fedmesh.cluster", "us-east")
        .containsEntry("fedmesh.trust_domain", EAST_DOMAIN)
        .containsEntry("fedmesh.locality.region", "us-east")
        .containsEntry("fedmesh.locality.zone", "us-east-1a")
        .containsEntry("fedmesh.destination.service", "default/reviews")
        .containsEntry("fedmesh.peer.cluster", "us-west")
        .containsEntry("fedmesh.peer.locality.region", "us-west")
        .containsEntry("fedmesh.peer.locality.zone", "us-west-1a")
        .containsEntry("fedmesh.gateway", "127.0.0.1:" + clusters.gateway().port())
        .containsEntry("fedmesh.endpoint", "us-west/us-west-1a")
        .containsEntry("http.request.method", "GET")
        .containsEntry("url.path", "/")
        .containsEntry("server.address", TwoClusters.WEST_REVIEWS_HOST)
        .containsEntry("http.response.status_code", 200L)
        .doesNotContainKey("http.request.resend_count");

    assertThat(server.service()).isEqualTo("reviews.default");
    assertThat(server.status()).isEqualTo(StatusCode.STATUS_CODE_UNSET);
    assertThat(server.attributes())
        .containsEntry("fedmesh.cluster", "us-west")
        .containsEntry("fedmesh.trust_domain", "us-west.fedmesh.local")
        .containsEntry("fedmesh.locality.zone", "us-west-1a")
        .containsEntry("fedmesh.peer.spiffe_id", FRONTEND)
        .containsEntry("fedmesh.peer.trust_domain", EAST_DOMAIN)
        .containsEntry("fedmesh.authz.decision", "allowed")
        .containsEntry("http.request.method", "GET")
        .containsEntry("http.response.status_code", 200L);
  }

  @Test
  void incomingW3cTraceparentAndTracestateAreContinuedToTheFarApp() throws Exception {
    TwoClusters.Answer answer =
        clusters.call(
            TwoClusters.WEST_REVIEWS_HOST,
            Map.of(
                "traceparent",
                "00-" + TRACE_ID + "-" + PARENT_ID + "-01",
                "tracestate",
                "vendor=opaque"));
    assertThat(answer.toString()).startsWith("200 ");
    assertThat(answer.headers().get(SidecarTracing.TRACE_ID_HEADER)).isEqualTo(TRACE_ID);
    MultiMap farApp = clusters.westAppRequests.poll(10, TimeUnit.SECONDS);
    assertThat(traceIdOf(farApp.get("traceparent"))).isEqualTo(TRACE_ID);
    assertThat(farApp.get("tracestate")).isEqualTo("vendor=opaque");

    List<ReceivedSpan> spans = clientAndServer(TRACE_ID);
    assertThat(spans.get(0).parentSpanId()).isEqualTo(PARENT_ID);
    assertThat(spans.get(1).parentSpanId()).isEqualTo(spans.get(0).spanId());
  }

  @Test
  void incomingB3SingleHeaderIsContinued() throws Exception {
    TwoClusters.Answer answer =
        clusters.call(
            TwoClusters.WEST_REVIEWS_HOST, Map.of("b3", TRACE_ID + "-" + PARENT_ID + "-1"));
    assertThat(answer.toString()).startsWith("200 ");
    MultiMap farApp = clusters.westAppRequests.poll(10, TimeUnit.SECONDS);
    assertThat(traceIdOf(farApp.get("traceparent"))).isEqualTo(TRACE_ID);
    // B3 multi-header is written onward by default, for Zipkin-instrumented apps.
    assertThat(farApp.get("x-b3-traceid")).isEqualTo(TRACE_ID);
    assertThat(farApp.get("x-b3-sampled")).isEqualTo("1");

    List<ReceivedSpan> spans = clientAndServer(TRACE_ID);
    assertThat(spans.get(0).parentSpanId()).isEqualTo(PARENT_ID);
  }

  @Test
  void incomingB3MultiHeadersAreContinued() throws Exception {
    TwoClusters.Answer answer =
        clusters.call(
            TwoClusters.WEST_REVIEWS_HOST,
            Map.of("X-B3-TraceId", TRACE_ID, "X-B3-SpanId", PARENT_ID, "X-B3-Sampled", "1"));
    assertThat(answer.toString()).startsWith("200 ");
    MultiMap farApp = clusters.westAppRequests.poll(10, TimeUnit.SECONDS);
    assertThat(traceIdOf(farApp.get("traceparent"))).isEqualTo(TRACE_ID);
    assertThat(farApp.get("x-b3-spanid")).isNotEqualTo(PARENT_ID);

    List<ReceivedSpan> spans = clientAndServer(TRACE_ID);
    assertThat(spans.get(0).parentSpanId()).isEqualTo(PARENT_ID);
  }

  @Test
  void noTraceHeadersStartANewTraceEachTime() throws Exception {
    String first =
        clusters
            .call(TwoClusters.WEST_REVIEWS_HOST, Map.of())
            .headers()
            .get(SidecarTracing.TRACE_ID_HEADER);
    assertThat(traceIdOf(westAppTraceparent())).isEqualTo(first);
    String second =
        clusters
            .call(TwoClusters.WEST_REVIEWS_HOST, Map.of())
            .headers()
            .get(SidecarTracing.TRACE_ID_HEADER);
    assertThat(traceIdOf(westAppTraceparent())).isEqualTo(second);
    assertThat(first).matches("[0-9a-f]{32}").isNotEqualTo(second);
    assertThat(clientAndServer(first).get(0).parentSpanId()).isEmpty();
  }

  @Test
  void malformedTraceparentIsIgnoredAndANewTraceStarts() throws Exception {
    TwoClusters.Answer answer =
        clusters.call(TwoClusters.WEST_REVIEWS_HOST, Map.of("traceparent", "00-not-a-trace-id-01"));
    assertThat(answer.toString()).startsWith("200 ");
    String traceId = answer.headers().get(SidecarTracing.TRACE_ID_HEADER);
    assertThat(traceIdOf(westAppTraceparent())).isEqualTo(traceId);
    assertThat(clientAndServer(traceId).get(0).parentSpanId()).isEmpty();
  }

  @Test
  void allZeroTraceIdIsIgnoredAndANewTraceStarts() throws Exception {
    TwoClusters.Answer answer =
        clusters.call(
            TwoClusters.WEST_REVIEWS_HOST,
            Map.of("traceparent", "00-00000000000000000000000000000000-" + PARENT_ID + "-01"));
    assertThat(answer.toString()).startsWith("200 ");
    String traceId = answer.headers().get(SidecarTracing.TRACE_ID_HEADER);
    assertThat(traceId).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
    assertThat(traceIdOf(westAppTraceparent())).isEqualTo(traceId);
  }

  @Test
  void malformedB3IsIgnoredAndANewTraceStarts() throws Exception {
    TwoClusters.Answer answer =
        clusters.call(TwoClusters.WEST_REVIEWS_HOST, Map.of("b3", "zz-not-b3"));
    assertThat(answer.toString()).startsWith("200 ");
    String traceId = answer.headers().get(SidecarTracing.TRACE_ID_HEADER);
    assertThat(traceIdOf(westAppTraceparent())).isEqualTo(traceId);
    assertThat(clientAndServer(traceId).get(0).parentSpanId()).isEmpty();
  }

  @Test
  void retryAfterALocalConnectFailureIsAnAttributeAndAnEventOfOneClientSpan() throws Exception {
    TwoClusters.await(clusters.eastReviews().close());
    TwoClusters.Answer answer = clusters.call("reviews.default.svc.clusterset.local", Map.of());
    assertThat(answer.toString()).startsWith("200 ");
    assertThat(answer.body()).startsWith("us-west");
    String traceId = answer.headers().get(SidecarTracing.TRACE_ID_HEADER);

    ReceivedSpan client = clientAndServer(traceId).get(0);
    assertThat(client.attributes())
        .containsEntry("http.request.resend_count", 1L)
        .containsEntry("fedmesh.peer.cluster", "us-west")
        .containsEntry("fedmesh.gateway", "127.0.0.1:" + clusters.gateway().port());
    assertThat(client.events()).containsExactly("retry");
  }

  @Test
  void answerTheProxyGaveItselfMarksTheClientSpanAsError() throws Exception {
    TwoClusters.await(clusters.eastReviews().close());
    TwoClusters.Answer answer = clusters.call("reviews.default.svc.cluster.local", Map.of());
    assertThat(answer.toString()).startsWith("503 ");
    String traceId = answer.headers().get(SidecarTracing.TRACE_ID_HEADER);
    assertThat(traceId).matches("[0-9a-f]{32}");

    await().atMost(15, TimeUnit.SECONDS).until(() -> !receiver.trace(traceId).isEmpty());
    ReceivedSpan client = only(traceId, SpanKind.SPAN_KIND_CLIENT);
    assertThat(client.status()).isEqualTo(StatusCode.STATUS_CODE_ERROR);
    assertThat(client.attributes())
        .containsEntry("http.response.status_code", 503L)
        .containsEntry("error.type", "503");
  }
}
