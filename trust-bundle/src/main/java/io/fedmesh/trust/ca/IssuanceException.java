package io.fedmesh.trust.ca;

import io.fedmesh.trust.TrustException;
import java.util.Locale;

/**
 * An SVID request the CA refuses. {@link #reason()} is a stable code (for gRPC status mapping and
 * metrics); the message says what was wrong and what is expected.
 */
public final class IssuanceException extends TrustException {
  private static final long serialVersionUID = 1L;

  /** Why a request was refused. */
  public enum Reason {
    MALFORMED_CSR,
    BAD_CSR_SIGNATURE,
    NO_SPIFFE_ID,
    MULTIPLE_SPIFFE_IDS,
    MALFORMED_SPIFFE_ID,
    WRONG_TRUST_DOMAIN,
    WEAK_KEY,
    BAD_TTL,
    UNAUTHENTICATED,
    NOT_ENTITLED;

    /** Lower-case form for metric tags. */
    public String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Reason reason;

  public IssuanceException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  /** Whether the caller's credential, rather than the request, was at fault. */
  public boolean isAuthenticationFailure() {
    return reason == Reason.UNAUTHENTICATED || reason == Reason.NOT_ENTITLED;
  }
}
