package io.fedmesh.trust.ca;

/**
 * What a caller presents to prove who it is when asking for an SVID: a join token in local mode, a
 * Kubernetes service-account token in a cluster, its current SVID when renewing. An {@link
 * Attestor} turns one into an {@link Entitlement}. Implementations are plain values.
 */
public interface BootstrapCredential {
  /** A short name of the kind, for messages and metrics ({@code join_token}, {@code svid}). */
  String kind();
}
