/**
 * X.509-SVIDs on the workload side: the {@link io.fedmesh.trust.svid.Svid} value (key, leaf and
 * intermediates), the CSR a workload sends (its key never leaves it), the {@link
 * io.fedmesh.trust.svid.SvidVerifier} that applies the SPIFFE X.509-SVID validation rules against
 * the bundle of the peer's own trust domain, and renewal at half-life. Depends on {@code spiffe},
 * {@code bundle} and BouncyCastle.
 */
package io.fedmesh.trust.svid;
