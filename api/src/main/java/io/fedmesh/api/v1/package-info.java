/**
 * The wire contract of fedmesh, generated from {@code api/src/main/proto/fedmesh/v1/*.proto}:
 * protobuf messages and Vert.x gRPC stubs ({@code *GrpcService} for servers, {@code *GrpcClient}
 * for clients).
 *
 * <ul>
 *   <li>{@code discovery.proto}: {@code ProxyDiscovery.Stream}, the controller's push to proxies
 *       (full snapshot, then deltas; ACK/NACK per version). Resource bodies are JSON documents in
 *       the static ProxyConfig schema, so files and pushes share one validator.
 *   <li>{@code ca.proto}: {@code CertificateAuthority.Sign}, CSR to SVID, with a join token at
 *       bootstrap and the current SVID on renewal.
 *   <li>{@code peering.proto}: {@code Peering.Redeem} (a link's one-time token) and {@code
 *       Peering.Exchange} (exports, trust bundles, heartbeats between linked controllers).
 * </ul>
 *
 * <p>Depends on protobuf-java and vertx-grpc only. Change a message compatibly: new fields get new
 * numbers; never reuse or renumber one.
 */
package io.fedmesh.api.v1;
