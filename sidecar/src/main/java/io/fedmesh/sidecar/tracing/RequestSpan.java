package io.fedmesh.sidecar.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.vertx.core.MultiMap;

/**
 * The span of one request through a listener. Used on the request's event loop; ending it more than
 * once is harmless, the first end counts.
 */
public abstract sealed class RequestSpan permits InboundSpan, OutboundSpan {
  final SidecarTracing tracing;
  final Span span;
  private boolean ended;

  RequestSpan(SidecarTracing tracing, Span span) {
    this.tracing = tracing;
    this.span = span;
  }

  /** The trace id, 32 lower-case hex digits. */
  public String traceId() {
    return span.getSpanContext().getTraceId();
  }

  /** The span's context (trace id, span id, sampled flag), e.g. for exemplars. */
  public SpanContext spanContext() {
    return span.getSpanContext();
  }

  /** Writes this span's context into {@code headers}, replacing the trace headers there. */
  void injectInto(MultiMap headers) {
    tracing.inject(span, headers);
  }

  /**
   * Ends the span with the HTTP status; an {@code errorType} (OpenTelemetry's {@code error.type})
   * sets status ERROR with {@code description}.
   */
  void finish(int status, String errorType, String description) {
    if (ended) {
      return;
    }
    ended = true;
    span.setAttribute(SidecarTracing.HTTP_STATUS, status);
    if (errorType != null) {
      span.setAttribute(SidecarTracing.ERROR_TYPE, errorType);
      if (description == null) {
        span.setStatus(StatusCode.ERROR);
      } else {
        span.setStatus(StatusCode.ERROR, description);
      }
    }
    span.end();
  }
}
