/**
 * Active health checking. {@link io.fedmesh.sidecar.health.EndpointProber} (outbound side) probes
 * every endpoint of every service in the sidecar's snapshot over the data path's mTLS, on jittered
 * per-endpoint tickers with bounded concurrency, and feeds one {@link
 * io.fedmesh.proxy.routing.ActiveHealthChecker} per service to the outbound's load balancer. {@link
 * io.fedmesh.sidecar.health.AppHealth} (inbound side) answers those probes from a connect to the
 * local app, before authorization rules. Depends on proxy-core's model and routing, trust-bundle's
 * {@code MeshTls}, Vert.x core and Micrometer; nothing here is on the request path.
 */
package io.fedmesh.sidecar.health;
