package io.fedmesh.trust.bundle;

import io.fedmesh.trust.TrustException;

/** A trust bundle document or value that breaks the SPIFFE bundle format; the message says how. */
public final class BundleFormatException extends TrustException {
  private static final long serialVersionUID = 1L;

  public BundleFormatException(String message) {
    super(message);
  }

  public BundleFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
