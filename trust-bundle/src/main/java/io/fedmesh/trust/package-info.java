/**
 * Identity for fedmesh: SPIFFE IDs, per-cluster certificate authorities, X.509-SVIDs, trust bundles
 * and their federation across trust domains, rotation, and mTLS options for Vert.x.
 *
 * <p>Sub-packages: {@code spiffe} (IDs and trust domains), {@code ca} (cluster CA, CSR signing,
 * rotation, bootstrap credentials), {@code svid} (SVIDs, verification, renewal), {@code bundle}
 * (SPIFFE bundle format and the live bundle set), {@code tls} (Vert.x TLS options on BoringSSL or
 * the JDK). Depends on BouncyCastle, Jackson, Vert.x core, netty-tcnative and Micrometer only; it
 * depends on no other fedmesh module.
 */
package io.fedmesh.trust;
