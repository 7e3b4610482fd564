/**
 * mTLS for Vert.x from an SVID and the live trust bundles: {@link io.fedmesh.trust.tls.MeshTls}
 * makes server and client options with mutual authentication required, TLS 1.3 preferred and 1.2
 * the floor, the SPIFFE verifier in place of PKIX, and the key, certificate and bundles read at
 * every handshake so that rotation needs no listener restart. Runs on netty-tcnative BoringSSL when
 * it loads, on the JDK engine otherwise, with the same behaviour. Depends on {@code svid}, {@code
 * bundle}, Vert.x core, Netty and Micrometer.
 */
package io.fedmesh.trust.tls;
