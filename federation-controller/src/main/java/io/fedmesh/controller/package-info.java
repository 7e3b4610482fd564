/**
 * One replica of a cluster's federation controller ({@link
 * io.fedmesh.controller.FederationController}) and the hooks other parts plug in by ({@link
 * io.fedmesh.controller.ControllerExtension}, {@link io.fedmesh.controller.ControllerContext}).
 *
 * <h2>Listeners</h2>
 *
 * <ul>
 *   <li><b>mTLS</b> (client certificate required, verified against the catalog's bundles): one
 *       Vert.x HTTP server; requests with {@code content-type: application/grpc*} go to the gRPC
 *       services (push, CA renewal, peering), the rest to the admin API router (operator identity
 *       only, see {@code io.fedmesh.controller.admin}).
 *   <li><b>bootstrap</b> (server-authenticated TLS only): gRPC for join-token signing and
 *       peering-token redemption; anything else is 404.
 * </ul>
 *
 * <p>May depend on every {@code io.fedmesh.controller.*} package, trust-bundle, proxy-core's model
 * and push identities, api, Vert.x (core, web, gRPC) and Hazelcast.
 */
package io.fedmesh.controller;
