/**
 * The sidecar: the proxy beside each workload. {@code inbound} terminates mTLS from other
 * workloads' sidecars (and from linked clusters, through their gateways), authorizes the caller by
 * its verified SPIFFE ID and forwards to the local app. {@code outbound} (next) takes the app's
 * plain traffic and sends it over mTLS, locality-first. Depends on proxy-core, trust-bundle, Vert.x
 * core and Micrometer; never writes the controller's catalog. {@code admin} serves readiness,
 * metrics and JSON views of the config and routing state on loopback. {@code tracing} continues and
 * exports traces (OpenTelemetry), {@code metrics} holds the request meters both listeners share.
 */
package io.fedmesh.sidecar;
