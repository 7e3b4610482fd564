/**
 * Outbound: the app's plain traffic to mesh hosts. {@link io.fedmesh.sidecar.outbound.Destination}
 * resolves {@code svc.ns.svc.cluster.local} (this cluster), {@code svc.ns.svc.clusterset.local}
 * (every cluster exporting it) and {@code svc-<cluster>.ns.svc.clusterset.local} (one cluster).
 */
package io.fedmesh.sidecar.outbound;
