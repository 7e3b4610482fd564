/**
 * Benchmarks. Figures are measured side by side in one run and reported as medians and ratios,
 * never asserted. {@link io.fedmesh.bench.IdentityBench} measures SVID signing and mTLS handshake
 * rates (BoringSSL vs JDK). {@link io.fedmesh.bench.DataplaneBench} puts the fedmesh data plane
 * (sidecars and east-west gateway started as OS processes from {@code cli/target/fedmesh.jar})
 * beside a direct connection and nginx and HAProxy chains doing the same mTLS hops, with its own
 * upstream app ({@link io.fedmesh.bench.UpstreamApp}) and an open-loop load generator corrected for
 * coordinated omission; the nginx and HAProxy configuration templates live in the resources under
 * {@code io/fedmesh/bench/dataplane/}. Depends on trust-bundle, JMH, HdrHistogram and Vert.x; runs
 * fedmesh's proxies only as processes, never in-process.
 */
package io.fedmesh.bench;
