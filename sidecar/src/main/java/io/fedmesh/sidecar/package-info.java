/**
 * The sidecar: the proxy beside each workload. {@code inbound} terminates mTLS from other
 * workloads' sidecars (and from linked clusters, through their gateways), authorizes the caller by
 * its verified SPIFFE ID and forwards to the local app, HTTP or raw TCP. {@code outbound} takes the
 * app's plain traffic (HTTP on one listener, raw TCP on one listener per TCP service port) and
 * sends it over mTLS, locality-first. This package holds what both share: {@link
 * io.fedmesh.sidecar.HttpRelay}, {@link io.fedmesh.sidecar.HttpErrors}, {@link
 * io.fedmesh.sidecar.ListenerGuards} (the stricter HTTP/1.x decoder and the HTTP/2 guard each
 * listener installs; they reach into Netty and Vert.x 5.0.7's request decoder) and {@link
 * io.fedmesh.sidecar.TcpMeters}. Depends on proxy-core, trust-bundle, Vert.x core and Micrometer;
 * never writes the controller's catalog. {@code admin} serves readiness, metrics and JSON views of
 * the config and routing state on loopback. {@code tracing} continues and exports traces
 * (OpenTelemetry), {@code metrics} holds the request meters both listeners share.
 */
package io.fedmesh.sidecar;
