/**
 * Tracing in the sidecar's data path: {@link io.fedmesh.sidecar.tracing.SidecarTracing} continues
 * W3C trace context and B3 from callers (or starts a trace), makes an outbound CLIENT and an
 * inbound SERVER span per request with the mesh's attributes (cluster, trust domain, locality, peer
 * cluster, gateway, retries), writes the context onward, and exports by OTLP/HTTP when configured
 * ({@link io.fedmesh.sidecar.tracing.TracingOptions}; off by default). The listeners call it
 * through {@link io.fedmesh.sidecar.tracing.OutboundSpan} and {@link
 * io.fedmesh.sidecar.tracing.InboundSpan}.
 *
 * <p>Depends on the OpenTelemetry API and SDK (trace only), the OTLP exporter with the JDK HTTP
 * sender, Vert.x core's HTTP types, proxy-core's model and trust-bundle's SPIFFE IDs; nothing in
 * the sidecar depends on the SDK outside this package.
 */
package io.fedmesh.sidecar.tracing;
