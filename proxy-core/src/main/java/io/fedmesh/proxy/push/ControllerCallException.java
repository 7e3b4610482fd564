package io.fedmesh.proxy.push;

/** A controller answered a call with a gRPC status other than OK. */
public final class ControllerCallException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String status;

  public ControllerCallException(String status, String message) {
    super(status + ": " + message, null, false, false);
    this.status = status;
  }

  /** The gRPC status name, e.g. {@code PERMISSION_DENIED}. */
  public String status() {
    return status;
  }
}
