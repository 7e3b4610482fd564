package io.fedmesh.trust.ca;

import io.fedmesh.trust.ca.IssuanceException.Reason;
import io.fedmesh.trust.svid.SvidVerificationException;
import io.fedmesh.trust.svid.SvidVerifier;
import io.fedmesh.trust.svid.VerifiedSvid;
import java.util.Objects;

/** Renewal: a caller presenting a valid current SVID is entitled to a new SVID for the same ID. */
public final class SvidAttestor implements Attestor {
  private final SvidVerifier verifier;

  public SvidAttestor(SvidVerifier verifier) {
    this.verifier = Objects.requireNonNull(verifier, "verifier");
  }

  @Override
  public Entitlement attest(BootstrapCredential credential) {
    if (!(credential instanceof SvidCredential)) {
      throw new IssuanceException(Reason.UNAUTHENTICATED, "expected the current SVID");
    }
    try {
      VerifiedSvid v = verifier.verify(((SvidCredential) credential).chain());
      return Entitlement.exactly(v.id());
    } catch (SvidVerificationException e) {
      throw new IssuanceException(
          Reason.UNAUTHENTICATED, "current SVID is not valid: " + e.getMessage());
    }
  }
}
