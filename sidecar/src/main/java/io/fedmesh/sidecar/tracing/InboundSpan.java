package io.fedmesh.sidecar.tracing;

import io.opentelemetry.api.trace.Span;
import io.vertx.core.MultiMap;

/** The SERVER span of one request another proxy sent in. */
public final class InboundSpan extends RequestSpan {
  InboundSpan(SidecarTracing tracing, Span span) {
    super(tracing, span);
  }

  /** Writes this span's context into the request to the app, replacing what the caller sent. */
  public void inject(MultiMap appHeaders) {
    injectInto(appHeaders);
  }

  /**
   * Ends the span with the status sent back and the inbound decision (allowed, denied, bad_path,
   * upstream_error); 5xx sets status ERROR.
   */
  public void end(int status, String decision) {
    if (!span.isRecording()) {
      return; // export off or not sampled: nothing would keep the attributes
    }
    span.setAttribute(SidecarTracing.AUTHZ_DECISION, decision);
    finish(status, status >= 500 ? String.valueOf(status) : null, decision);
  }
}
