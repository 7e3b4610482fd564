package io.fedmesh.trust.ca;

import io.fedmesh.trust.spiffe.SpiffeId;
import io.fedmesh.trust.spiffe.TrustDomain;

/** Which SPIFFE IDs an authenticated caller may be issued an SVID for. */
public interface Entitlement {
  /** Whether an SVID for {@code id} may be issued. */
  boolean permits(SpiffeId id);

  /** What the caller is entitled to, for error messages. */
  String describe();

  /** Exactly one ID. */
  static Entitlement exactly(SpiffeId id) {
    return new Entitlement() {
      @Override
      public boolean permits(SpiffeId requested) {
        return requested.equals(id);
      }

      @Override
      public String describe() {
        return id.toString();
      }
    };
  }

  /** Any ID in one trust domain (an operator with the CA key). */
  static Entitlement anyIn(TrustDomain domain) {
    return new Entitlement() {
      @Override
      public boolean permits(SpiffeId requested) {
        return requested.memberOf(domain);
      }

      @Override
      public String describe() {
        return "any ID in " + domain.idString();
      }
    };
  }
}
