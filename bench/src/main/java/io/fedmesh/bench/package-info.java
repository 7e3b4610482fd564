/**
 * Benchmarks. Figures are measured side by side in one run and reported as medians and ratios,
 * never asserted. {@link io.fedmesh.bench.IdentityBench} measures SVID signing and mTLS handshake
 * rates (BoringSSL vs JDK). {@link io.fedmesh.bench.DataplaneBench} puts the fedmesh data plane
 * (sidecars and east-west gateway started as OS processes through {@code bin/fedmesh}) beside a
 * direct connection and nginx and HAProxy chains doing the same mTLS hops, with its own upstream
 * app ({@link io.fedmesh.bench.UpstreamApp}) and a load generator (HTTP/1.1 keep-alive, HTTP/2 h2c,
 * gRPC unary, a new connection per request; open loop corrected for coordinated omission, and
 * closed loop); the nginx and HAProxy configuration templates live in the resources under {@code
 * io/fedmesh/bench/dataplane/}. Depends on trust-bundle, JMH, HdrHistogram and Vert.x (core, gRPC
 * server and client); runs fedmesh's proxies only as processes, never in-process.
 */
package io.fedmesh.bench;
