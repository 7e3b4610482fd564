package io.fedmesh.trust.ca;

import io.fedmesh.trust.TrustException;

/** A CA that cannot be created, loaded or used; the message names the input and the fix. */
public final class CaException extends TrustException {
  private static final long serialVersionUID = 1L;

  public CaException(String message) {
    super(message);
  }

  public CaException(String message, Throwable cause) {
    super(message, cause);
  }
}
