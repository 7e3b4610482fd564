package io.fedmesh.trust;

/**
 * Base of every error this module raises. Unchecked, and its message always names the input and
 * what was expected, so that it can be shown to an operator as it is.
 */
public class TrustException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TrustException(String message) {
    super(message);
  }

  public TrustException(String message, Throwable cause) {
    super(message, cause);
  }
}
