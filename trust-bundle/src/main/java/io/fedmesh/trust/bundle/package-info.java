/**
 * Trust bundles: the X.509 authorities of one trust domain ({@link
 * io.fedmesh.trust.bundle.TrustBundle}), read and written in the SPIFFE bundle format (a JWKS with
 * {@code x5c}, {@code spiffe_sequence}, {@code spiffe_refresh_hint}) by {@link
 * io.fedmesh.trust.bundle.BundleCodec}; the live {@link io.fedmesh.trust.bundle.BundleSet} of the
 * local and federated domains that verifiers read on every handshake; and the {@link
 * io.fedmesh.trust.bundle.BundleRefresher} that keeps a federated domain's bundle fresh from a
 * {@link io.fedmesh.trust.bundle.BundleSource}, following its refresh hint. Bundles of different
 * domains are never merged (SPIFFE Federation section 4.2), and a bundle only replaces one of a
 * lower sequence. Depends on {@code io.fedmesh.trust.spiffe} and Jackson.
 */
package io.fedmesh.trust.bundle;
