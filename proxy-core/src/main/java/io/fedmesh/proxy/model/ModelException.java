package io.fedmesh.proxy.model;

import io.fedmesh.trust.TrustException;

/**
 * A model value that breaks its rules; the message names the field, the value and what is expected.
 * (Extends the project's base exception so CLI maps it to exit code 2.)
 */
public final class ModelException extends TrustException {
  private static final long serialVersionUID = 1L;

  public ModelException(String message) {
    super(message);
  }
}
