package io.fedmesh.trust.svid;

import io.fedmesh.trust.TrustException;
import java.util.Locale;

/**
 * A peer's certificate chain that is not a valid X.509-SVID for any trust domain we hold a bundle
 * for. {@link #reason()} is a stable, low-cardinality code for metrics and tests; the message names
 * the certificate and the rule it breaks.
 */
public final class SvidVerificationException extends TrustException {
  private static final long serialVersionUID = 1L;

  /** Why verification failed. */
  public enum Reason {
    EMPTY_CHAIN,
    NO_URI_SAN,
    MULTIPLE_URI_SANS,
    MALFORMED_SPIFFE_ID,
    LEAF_IS_CA,
    BAD_KEY_USAGE,
    BAD_EXTENDED_KEY_USAGE,
    UNSUPPORTED_CRITICAL_EXTENSION,
    EXPIRED,
    NOT_YET_VALID,
    UNKNOWN_TRUST_DOMAIN,
    UNTRUSTED_CHAIN,
    BAD_INTERMEDIATE,
    PATH_LENGTH_EXCEEDED,
    CHAIN_TOO_LONG,
    NOT_AUTHORIZED;

    /** Lower-case form for metric tags, e.g. {@code unknown_trust_domain}. */
    public String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Reason reason;

  public SvidVerificationException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  /** No stack trace: this is an expected failure on a hot path (a handshake). */
  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
