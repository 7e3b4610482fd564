package io.fedmesh.trust.spiffe;

import io.fedmesh.trust.TrustException;

/** A string that is not a valid SPIFFE ID or trust domain name; the message says why. */
public final class InvalidSpiffeIdException extends TrustException {
  private static final long serialVersionUID = 1L;

  InvalidSpiffeIdException(String input, String reason) {
    super("invalid SPIFFE ID or trust domain '" + SpiffeId.printable(input) + "': " + reason);
  }
}
