/**
 * Gateway health: the leader replica probes every linked cluster's east-west gateway ({@link
 * io.fedmesh.controller.gatewayhealth.GatewayProber}) and keeps the catalog's {@code GatewayEntry}
 * verdict; the push routes around an unhealthy gateway and the service mirror marks the imports
 * behind it unreachable after its bound. Coordination with both is by catalog data only.
 *
 * <h2>What a probe is</h2>
 *
 * <p>{@code GET /health} on the gateway's mTLS health listener ({@code EastWestGateway}'s port
 * 15444 by default; its address comes from the peer's {@code PeerHello}, kept in {@code
 * PeerAddress}), presenting the controller's SVID and accepting only the linked cluster's gateway
 * identity ({@code spiffe://<its td>/ns/fedmesh-system/sa/east-west-gateway}). 200 is a success and
 * its body gives the load ({@code load}, or {@code activeConnections} over the gateway's default
 * limit of 10,000); any other status, a TLS or connection failure, or no answer within one interval
 * is a failure. The alternative, a TLS connect through the gateway's data port to the remote
 * controller, was not chosen: it would also fail when only the remote controller is down, and take
 * a healthy data path out of routing (the "false gateway down after a controller restart" of
 * Linkerd #8022).
 *
 * <h2>Timing</h2>
 *
 * <p>Every gateway is probed each interval (default 250 ms, jittered ±20 %); three consecutive
 * failures mark it unhealthy (detection ≤ 1 s by default, for refused connections and black holes
 * alike: a probe still unanswered at the next tick counts as failed), two consecutive successes
 * mark it healthy again. A gateway not yet probed, or probed by the previous leader, keeps the
 * verdict the catalog holds: a new leader starts from it, never from "down". Entries are written on
 * a verdict change, after a gateway's first probe on this leader, or when the load moves by 0.05 or
 * more.
 *
 * <p>Depends on the catalog, peering's {@code PeerAddress}, trust-bundle's {@code MeshTls}, Vert.x
 * core and Micrometer.
 */
package io.fedmesh.controller.gatewayhealth;
