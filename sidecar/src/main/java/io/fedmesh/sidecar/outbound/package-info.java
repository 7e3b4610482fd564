/**
 * Outbound: the app's plain traffic to mesh services. HTTP/1.1, h2c and gRPC go to one listener
 * ({@link io.fedmesh.sidecar.outbound.OutboundProxy}, default 127.0.0.1:15001), where {@link
 * io.fedmesh.sidecar.outbound.Destination} resolves {@code svc.ns.svc.cluster.local} (this
 * cluster), {@code svc.ns.svc.clusterset.local} (every cluster exporting it) and {@code
 * svc-<cluster>.ns.svc.clusterset.local} (one cluster). Raw TCP has no host name, so {@link
 * io.fedmesh.sidecar.outbound.TcpOutbound} opens one listener per TCP service port the snapshot
 * declares, on the outbound host at the service's port number unless moved, and follows the
 * snapshot as ports come and go. Both pick endpoints locality-first and speak mTLS with the
 * workload's SVID, straight to local endpoints or through the owner's east-west gateway by SNI.
 * Depends on proxy-core, trust-bundle, Vert.x core and Micrometer.
 */
package io.fedmesh.sidecar.outbound;
