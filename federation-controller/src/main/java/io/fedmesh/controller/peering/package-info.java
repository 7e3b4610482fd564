/**
 * Peering: linking this cluster's controller with another cluster's, through the two clusters'
 * east-west gateways ({@link io.fedmesh.controller.peering.Peering}, admin routes in {@link
 * io.fedmesh.controller.peering.PeeringAdmin}).
 *
 * <h2>Linking</h2>
 *
 * <ol>
 *   <li>The accepting cluster issues a {@link io.fedmesh.controller.peering.PeeringToken} ({@code
 *       POST /v1/peering-tokens}): its name, trust domain, gateway address, its controller's port
 *       numbers, its trust bundle, a token id, a one-time secret and an expiry. Only a SHA-256 of
 *       the secret is kept, in the catalog state map {@code peering-tokens}.
 *   <li>The dialing cluster ({@code POST /v1/links {token}}) calls {@code Peering.Redeem} over TLS
 *       to the accepter's gateway with SNI {@code
 *       fedmesh-controller-bootstrap.fedmesh-system.15013.<accepter>.fedmesh}; the gateway passes
 *       the connection through to an accepter replica's bootstrap listener. The dialer trusts only
 *       the token's bundle and only the SPIFFE ID {@code spiffe://<accepter
 *       td>/ns/fedmesh-system/sa/controller}, and presents no certificate. It sends its cluster
 *       name and bundle. The accepter refuses, with a gRPC status and a message the admin API
 *       passes on: an unknown token or wrong secret, a used token, an expired token
 *       (PERMISSION_DENIED / 403); a token naming another cluster, a dialer naming this cluster or
 *       this trust domain, an existing link (FAILED_PRECONDITION / 409). The dialer itself refuses
 *       a token this cluster issued. On success both sides store the other's bundle and a {@code
 *       LinkEntry}; the dialer also a {@link io.fedmesh.controller.peering.PeerAddress} and a
 *       {@code GatewayEntry} (healthy until probed).
 *   <li>The leader replica of the dialing cluster opens {@code Peering.Exchange} over mTLS (its
 *       controller SVID; SNI {@code fedmesh-controller.fedmesh-system.15012.<accepter>.fedmesh},
 *       which the gateway passes to a replica's mTLS listener), and both sides stream the same
 *       protocol ({@code PeerSession}): hello (cluster, trust domain, gateway and gateway health
 *       addresses), the export set (exported services with ports, identities and per-locality
 *       healthy/total counts; re-sent when it changes, debounced), the trust bundle (whenever its
 *       sequence moves; the receiver stores it with {@code Catalog.putBundle}, which refuses a
 *       sequence that is not newer), and heartbeats. A stream silent for three heartbeat intervals
 *       is closed.
 * </ol>
 *
 * <p>The accepter accepts an Exchange only from the controller ID of a linked trust domain it does
 * not dial itself; any replica may accept (the gateway picks one).
 *
 * <h2>Loss, reconnect, leadership</h2>
 *
 * <p>When a stream breaks, the link's state becomes {@code lost} (with when and why); the dialer's
 * leader redials with jittered exponential backoff (100 ms doubling to 5 s, ±20 %). Only the leader
 * dials: every replica checks {@code leader} each dial interval, a replica that stops being leader
 * closes its dialed streams and the new leader dials. What the link state means for imports is the
 * service mirror's business (it marks them unreachable after a bound).
 *
 * <h2>Unlink</h2>
 *
 * <p>{@code DELETE /v1/links/{cluster}} removes the link, the received export set, the imports, the
 * peer's gateway entry and bundle. Any replica holding a stream to that cluster sends {@code
 * Goodbye} (the replica that served the request directly; others when they see the link vanish from
 * the catalog) and the other side removes its link the same way. When the other side is not
 * reachable it keeps its link as {@code lost} until its operator unlinks too; likewise an accepter
 * whose dialer unlinked before the stream ever connected keeps a {@code pending} link.
 *
 * <h2>Storage</h2>
 *
 * <p>Everything is in the catalog, so any replica can take over: links, gateways, bundles, imports
 * in the catalog's own maps; issued tokens, received export sets ({@link
 * io.fedmesh.controller.peering.RemoteExports}) and peer addresses in state maps. The service
 * mirror reads {@code RemoteExports}: peering never writes imports except to remove them on unlink.
 *
 * <h2>Running it</h2>
 *
 * <p>{@link io.fedmesh.controller.peering.PeeringExtension} installs it in a {@code
 * FederationController} replica: Exchange on the mTLS listener, Redeem on the bootstrap listener,
 * the admin routes on the operator-only admin router, leadership from the replica.
 *
 * <p>Depends on the controller's extension API, the catalog, trust-bundle (bundles, MeshTls), the
 * generated gRPC stubs in {@code api}, Vert.x core, gRPC and web (admin routes only) and
 * Micrometer.
 */
package io.fedmesh.controller.peering;
