package io.fedmesh.sidecar.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fedmesh.sidecar.TwoClusters;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Tracing off (the default): nothing is exported, but traces still continue to the apps. */
class TracingOffIT {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

  @Test
  void defaultTracingExportsNothing() {
    assertThat(SidecarTracing.propagationOnly().exporting()).isFalse();
    assertThat(TracingOptions.DEFAULT.otlpEndpoint()).isEmpty();
  }

  @Test
  void exporterOffOpensNoConnectionToTheStandardOtlpPortYetTheTraceReachesTheFarApp()
      throws Exception {
    Vertx receiverVertx = Vertx.vertx();
    try {
      OtlpReceiver receiver = new OtlpReceiver(receiverVertx);
      // A receiver where a collector usually listens: a default endpoint leaking in would hit it.
      boolean bound =
          receiver
              .listen("127.0.0.1", 4318)
              .toCompletionStage()
              .toCompletableFuture()
              .handle((port, err) -> err == null)
              .get(10, TimeUnit.SECONDS);
      assumeTrue(bound, "127.0.0.1:4318 is in use on this machine");
      try (TwoClusters clusters = TwoClusters.builder().start()) {
        TwoClusters.Answer answer =
            clusters.call(
                TwoClusters.WEST_REVIEWS_HOST,
                Map.of("traceparent", "00-" + TRACE_ID + "-00f067aa0ba902b7-01"));
        assertThat(answer.toString()).startsWith("200 ");
        assertThat(answer.headers().get(SidecarTracing.TRACE_ID_HEADER)).isEqualTo(TRACE_ID);
        MultiMap farApp = clusters.westAppRequests.poll(10, TimeUnit.SECONDS);
        // Continued: same trace id, a new parent (the sidecar's span), not the caller's span id.
        assertThat(farApp.get("traceparent"))
            .startsWith("00-" + TRACE_ID + "-")
            .doesNotContain("00f067aa0ba902b7");
        // No headers at all: a new trace id is made and reaches the app.
        TwoClusters.Answer fresh = clusters.call(TwoClusters.WEST_REVIEWS_HOST, Map.of());
        String fresher = clusters.westAppRequests.poll(10, TimeUnit.SECONDS).get("traceparent");
        assertThat(fresher)
            .matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")
            .startsWith("00-" + fresh.headers().get(SidecarTracing.TRACE_ID_HEADER) + "-");
      } // close() flushes and shuts down every sidecar's tracing before we look
      assertThat(receiver.connections.get()).isZero();
      assertThat(receiver.requests.get()).isZero();
    } finally {
      TwoClusters.await(receiverVertx.close());
    }
  }
}
