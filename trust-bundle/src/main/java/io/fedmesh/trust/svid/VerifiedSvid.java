package io.fedmesh.trust.svid;

import io.fedmesh.trust.spiffe.SpiffeId;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A peer chain that passed {@link SvidVerifier}: the SPIFFE ID to authorize on, the chain as
 * presented, and the bundle authority it chains to.
 */
public record VerifiedSvid(SpiffeId id, List<X509Certificate> chain, X509Certificate authority) {
  public VerifiedSvid {
    chain = List.copyOf(chain);
  }
}
