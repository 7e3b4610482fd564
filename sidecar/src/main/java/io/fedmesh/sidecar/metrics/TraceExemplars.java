package io.fedmesh.sidecar.metrics;

/**
 * Hands the trace id of the request being recorded to the Prometheus exemplar sampler: {@link
 * RequestMeters} sets it on the recording thread for the length of one {@code record} call, so a
 * duration bucket's exemplar names a sampled trace that fell into it. Exemplars appear in the
 * OpenMetrics exposition ({@code Accept: application/openmetrics-text}), which Prometheus asks for
 * when its exemplar storage is on.
 */
final class TraceExemplars implements io.prometheus.metrics.tracer.common.SpanContext {
  static final TraceExemplars INSTANCE = new TraceExemplars();

  private static final ThreadLocal<io.opentelemetry.api.trace.SpanContext> CURRENT =
      new ThreadLocal<>();

  private TraceExemplars() {}

  /** Runs {@code record} with {@code trace} as the current exemplar candidate. */
  static void with(io.opentelemetry.api.trace.SpanContext trace, Runnable record) {
    if (trace == null || !trace.isValid()) {
      record.run();
      return;
    }
    CURRENT.set(trace);
    try {
      record.run();
    } finally {
      CURRENT.set(null); // not remove(): the event loop's next request would make a new entry
    }
  }

  @Override
  public String getCurrentTraceId() {
    var c = CURRENT.get();
    return c == null ? null : c.getTraceId();
  }

  @Override
  public String getCurrentSpanId() {
    var c = CURRENT.get();
    return c == null ? null : c.getSpanId();
  }

  @Override
  public boolean isCurrentSpanSampled() {
    var c = CURRENT.get();
    return c != null && c.isSampled();
  }

  @Override
  public void markCurrentSpanAsExemplar() {
    // The span is already ended when its request is recorded; nothing to mark.
  }
}
