package io.fedmesh.sidecar.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fedmesh.sidecar.tracing.TracingOptions.Propagation;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TracingOptionsTest {
  @Test
  void defaultsExportNothingSampleAllAndWriteW3cAndB3Multi() {
    TracingOptions o = TracingOptions.DEFAULT;
    assertThat(o.otlpEndpoint()).isEmpty();
    assertThat(o.sampleRatio()).isEqualTo(1.0);
    assertThat(o.propagation())
        .containsExactlyInAnyOrder(Propagation.TRACECONTEXT, Propagation.B3MULTI);
    assertThat(o.maxQueueSize()).isEqualTo(2048);
  }

  @Test
  void collectorBaseUrlGetsTheTracesPath() {
    assertThat(TracingOptions.otlpTracesUrl("http://jaeger:4318"))
        .hasToString("http://jaeger:4318/v1/traces");
    assertThat(TracingOptions.otlpTracesUrl("http://jaeger:4318/"))
        .hasToString("http://jaeger:4318/v1/traces");
  }

  @Test
  void urlWithAPathIsTakenAsItIs() {
    assertThat(TracingOptions.otlpTracesUrl("https://otel.example:443/custom/traces"))
        .hasToString("https://otel.example:443/custom/traces");
  }

  @Test
  void grpcSchemeIsRejected() {
    assertThatThrownBy(() -> TracingOptions.builder().otlpEndpoint("grpc://c:4317"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("otlpEndpoint: 'grpc://c:4317' (expected: an http:// or https:// URL")
        .hasMessageContaining("OTLP/gRPC is not supported");
  }

  @Test
  void endpointWithoutSchemeIsRejected() {
    assertThatThrownBy(() -> TracingOptions.builder().otlpEndpoint("collector:4318"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("otlpEndpoint: 'collector:4318' (expected: an http:// or https://");
  }

  @Test
  void endpointThatIsNoUrlIsRejected() {
    assertThatThrownBy(() -> TracingOptions.builder().otlpEndpoint("http://a b:4318"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("otlpEndpoint: 'http://a b:4318' is not a URL (expected: http://host:4318)");
  }

  @Test
  void endpointWithQueryIsRejected() {
    assertThatThrownBy(() -> TracingOptions.builder().otlpEndpoint("http://c:4318/v1/traces?x=1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no user info, query or fragment");
  }

  @Test
  void endpointWithUserInfoIsRejected() {
    assertThatThrownBy(() -> TracingOptions.builder().otlpEndpoint("http://u:p@c:4318"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no user info, query or fragment");
  }

  @Test
  void negativeSampleRatioIsRejected() {
    assertThatThrownBy(() -> TracingOptions.builder().sampleRatio(-0.1))
        .hasMessage("sampleRatio: -0.1 (expected: 0.0..1.0)");
  }

  @Test
  void nanSampleRatioIsRejected() {
    assertThatThrownBy(() -> TracingOptions.builder().sampleRatio(Double.NaN))
        .hasMessage("sampleRatio: NaN (expected: 0.0..1.0)");
  }

  @Test
  void emptyPropagationIsRejected() {
    assertThatThrownBy(() -> TracingOptions.builder().propagation(Set.of()))
        .hasMessage("propagation: empty (expected: one or more of tracecontext, b3, b3multi)");
  }

  @Test
  void unknownPropagationNameIsRejected() {
    assertThatThrownBy(() -> Propagation.parse("jaeger"))
        .hasMessage("propagation: 'jaeger' (expected: tracecontext, b3, b3multi)");
  }

  @Test
  void propagationNamesAreThoseOfOtelPropagators() {
    assertThat(Propagation.parse(" B3multi ")).isEqualTo(Propagation.B3MULTI);
    assertThat(Propagation.TRACECONTEXT.configName()).isEqualTo("tracecontext");
  }

  @Test
  void zeroQueueIsRejected() {
    assertThatThrownBy(() -> TracingOptions.builder().maxQueueSize(0))
        .hasMessage("maxQueueSize: 0 (expected: 1..1000000)");
  }

  @Test
  void scheduleDelayOfZeroIsRejected() {
    assertThatThrownBy(() -> TracingOptions.builder().scheduleDelay(Duration.ZERO))
        .hasMessage("scheduleDelay: PT0S (expected: PT0.001S..PT1M)");
  }

  @Test
  void batchIsNeverLargerThanTheQueue() {
    TracingOptions o = TracingOptions.builder().maxQueueSize(100).maxExportBatchSize(512).build();
    assertThat(o.maxExportBatchSize()).isEqualTo(100);
  }
}
