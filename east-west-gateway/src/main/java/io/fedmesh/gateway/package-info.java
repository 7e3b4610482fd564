/**
 * The east-west gateway: the one door of a cluster through which linked clusters reach its exported
 * services, routing mTLS connections by SNI without terminating them (passthrough), so identity is
 * end to end and the gateway never holds a workload's keys or sees plaintext.
 *
 * <h2>SNI format</h2>
 *
 * <p>A caller's sidecar connects to the owning cluster's gateway (default port {@value
 * io.fedmesh.gateway.EastWestGateway#DEFAULT_PORT}) and sends, in its ClientHello, the SNI {@code
 * <service>.<namespace>.<port>.<cluster>.fedmesh} ({@link io.fedmesh.proxy.model.SniName}), e.g.
 * {@code reviews.default.9080.us-west.fedmesh}, compared case-insensitively; a trailing dot is not
 * accepted. The gateway routes it only when all hold:
 *
 * <ol>
 *   <li>{@code cluster} is the gateway's own cluster;
 *   <li>the service exists in the current {@link io.fedmesh.proxy.model.ProxySnapshot} and is
 *       <em>exported</em> (an unexported service is unreachable through the gateway, unlike Istio's
 *       AUTO_PASSTHROUGH, istio#42304);
 *   <li>the service has {@code port};
 *   <li>it has a healthy endpoint in this cluster (a linked cluster's summary endpoint is never
 *       used: traffic does not bounce between gateways).
 * </ol>
 *
 * <p>The connection then goes to the endpoint the {@link io.fedmesh.gateway.EndpointPicker} chose
 * (by default: healthy, same zone first, round-robin), on the endpoint's address and port (its
 * inbound sidecar). When the SNI's port is one the service declares {@code protocol: tcp}, the
 * connection goes to the endpoint's {@code tcpPort} instead (its sidecar's mTLS TCP listener), and
 * endpoints without one are skipped. The gateway writes the buffered ClientHello there unchanged
 * and splices bytes both ways with back-pressure; the inbound sidecar terminates mTLS and reads the
 * same SNI to learn the port. If connecting fails the next endpoint is tried (nothing has been sent
 * yet), up to {@link io.fedmesh.gateway.EastWestGateway.Builder#connectAttempts}. A half-close (FIN
 * from one side) is passed on and the other direction keeps flowing ({@link
 * io.fedmesh.proxy.net.Splice}); when both directions have ended, or either side closes, both are
 * closed.
 *
 * <h2>Bad input</h2>
 *
 * <p>Every refused connection is closed and counted in {@code fedmesh.gateway.sni.failures} with a
 * {@link io.fedmesh.gateway.RejectReason} tag; the listener and other connections are unaffected.
 * Before closing, a connection that started like TLS gets a fatal plaintext TLS alert so the
 * caller's TLS stack reports something meaningful:
 *
 * <ul>
 *   <li>{@code unrecognized_name(112)} for {@code no_sni}, {@code malformed_sni}, {@code
 *       wrong_cluster}, {@code unknown_service} (an unknown service or a port it lacks) and {@code
 *       not_exported}: the same alert for all, so a caller cannot tell an unexported service from a
 *       missing one;
 *   <li>{@code decode_error(50)} for {@code malformed_hello} (a TLS handshake record that is not a
 *       well-formed ClientHello: lying lengths, a non-ClientHello message, interleaved records) and
 *       {@code hello_too_large};
 *   <li>{@code internal_error(80)} for {@code no_endpoint} and {@code connect_failed};
 *   <li>no alert, just a close, for {@code not_tls} (first byte is not a TLS handshake record,
 *       including SSLv2-style hellos), {@code hello_timeout}, {@code rate_limited} and {@code
 *       too_many_connections}.
 * </ul>
 *
 * <h2>Limits</h2>
 *
 * <ul>
 *   <li>ClientHello: at most {@code maxClientHelloBytes} (16 KiB) buffered, which must all arrive
 *       within {@code clientHelloTimeout} (5 s) of the accept: a hello trickled byte by byte is
 *       closed at the bound ({@code hello_timeout}). A header announcing more than the limit is
 *       refused at once ({@code hello_too_large}). The parser only runs when enough bytes for a new
 *       answer are buffered, so a trickle costs one parse per record, not one per byte.
 *   <li>Idle timeout per connection (1 h): no byte either way closes it.
 *   <li>Concurrent connections (10,000): beyond, new ones are closed on accept ({@code
 *       too_many_connections}).
 *   <li>New connections per second per source address (100, a token bucket with one second of
 *       burst): beyond, closed on accept ({@code rate_limited}).
 *   <li>Drain ({@link io.fedmesh.gateway.EastWestGateway#shutdown}): stop accepting and answer 503
 *       on {@code /ready}, let open connections run up to the bound, then close them.
 * </ul>
 *
 * <h2>Admin and health</h2>
 *
 * <p>The admin listener (loopback by default) serves {@code /ready} (200 when listening, 503 while
 * starting or draining), {@code /live} and {@code /metrics} (Prometheus text). With {@link
 * io.fedmesh.gateway.EastWestGateway.Builder#peerTls} an mTLS listener serves {@code GET /health}
 * to linked clusters' controllers: {@code {"cluster", "ready", "activeConnections",
 * "connectionsPerSecond", "routes"}}, status 200 when ready and 503 (same body) while starting or
 * draining, so a probe can act on the status alone; a client without a certificate from a federated
 * trust domain cannot complete the handshake.
 *
 * <h2>Metrics</h2>
 *
 * <p>Meter names and tags are listed on {@link io.fedmesh.gateway.EastWestGateway}.
 *
 * <h2>Threads</h2>
 *
 * <p>Each connection is handled on its event loop; nothing blocks. One gateway binds its listener
 * from one Vert.x context, so its connections share one event loop. Routes are read from an atomic
 * snapshot reference at ClientHello time, so {@link io.fedmesh.gateway.EastWestGateway#update}
 * takes effect on the next connection without a restart.
 *
 * <p>Depends on {@code io.fedmesh.proxy.model}, {@code io.fedmesh.trust.tls}, Vert.x core and
 * Micrometer.
 */
package io.fedmesh.gateway;
