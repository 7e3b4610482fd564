/**
 * Benchmarks. Figures are measured side by side in one run and reported as medians and ratios,
 * never asserted. {@link io.fedmesh.bench.IdentityBench} measures SVID signing and mTLS handshake
 * rates (BoringSSL vs JDK). Depends on trust-bundle, JMH and Vert.x.
 */
package io.fedmesh.bench;
