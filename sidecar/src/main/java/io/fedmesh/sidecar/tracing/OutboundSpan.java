package io.fedmesh.sidecar.tracing;

import io.fedmesh.proxy.model.Endpoint;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.vertx.core.MultiMap;

/** The CLIENT span of one request from the app, across its tries. */
public final class OutboundSpan extends RequestSpan {
  OutboundSpan(SidecarTracing tracing, Span span) {
    super(tracing, span);
  }

  /**
   * Before try {@code retries} (0 for the first) to {@code endpoint}: records where it goes and
   * writes this span's context into the upstream request's {@code headers}, replacing what the app
   * sent.
   */
  public void beforeTry(MultiMap headers, Endpoint endpoint, int retries) {
    injectInto(headers);
    if (!span.isRecording()) {
      return; // export off or not sampled: attributes would be dropped, do not compute them
    }
    if (retries > 0) {
      span.setAttribute(SidecarTracing.RESEND_COUNT, retries);
      span.addEvent(
          "retry",
          Attributes.of(
              SidecarTracing.RESEND_COUNT,
              (long) retries,
              SidecarTracing.ENDPOINT,
              endpoint.id(),
              SidecarTracing.PEER_CLUSTER,
              endpoint.locality().cluster()));
    }
    span.setAttribute(SidecarTracing.ENDPOINT, endpoint.id());
    span.setAttribute(SidecarTracing.PEER_CLUSTER, endpoint.locality().cluster());
    span.setAttribute(SidecarTracing.PEER_REGION, endpoint.locality().region());
    span.setAttribute(SidecarTracing.PEER_ZONE, endpoint.locality().zone());
    span.setAttribute(SidecarTracing.PEER_ADDRESS, endpoint.host());
    span.setAttribute(SidecarTracing.PEER_PORT, endpoint.port());
    if (endpoint.isRemote()) {
      span.setAttribute(SidecarTracing.GATEWAY, endpoint.address());
    }
  }

  /**
   * Ends the span with the status the app got; {@code failure} describes why the proxy answered
   * itself (no route, no healthy upstream, upstream failed), null when the upstream's answer was
   * relayed. 5xx and failures set status ERROR.
   */
  public void end(int status, String failure) {
    if (!span.isRecording()) {
      return;
    }
    if (failure != null) {
      finish(status, status >= 500 ? String.valueOf(status) : "_OTHER", failure.strip());
    } else {
      finish(status, status >= 500 ? String.valueOf(status) : null, null);
    }
  }
}
