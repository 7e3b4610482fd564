/**
 * Trust bundles: the X.509 authorities of one trust domain in the SPIFFE bundle format (a JWKS
 * with {@code x5c}, {@code spiffe_sequence}, {@code spiffe_refresh_hint}), and the live {@link
 * io.fedmesh.trust.bundle.BundleSet} of the local and federated domains that verifiers read on
 * every handshake. Bundles of different domains are never merged (SPIFFE Federation section 4.2).
 * Depends on {@code io.fedmesh.trust.spiffe} and Jackson.
 */
package io.fedmesh.trust.bundle;
