/**
 * Inbound: mTLS in, authorization by SPIFFE ID, method and normalized path, identity headers
 * replaced (never trusted from the caller), forwarding to the local app with streaming bodies and
 * trailers preserved ({@link io.fedmesh.sidecar.inbound.InboundProxy}, default port 15006); and raw
 * TCP ({@link io.fedmesh.sidecar.inbound.TcpInbound}, default port 15008, an endpoint's {@code
 * tcpPort}): mTLS in, the service port read from the SNI, authorization by SPIFFE ID, trust domain
 * and namespace (a rule with methods or paths never matches TCP), bytes spliced to the app's port
 * for that service port. Depends on proxy-core (model, net), trust-bundle, Vert.x core and
 * Micrometer.
 */
package io.fedmesh.sidecar.inbound;
