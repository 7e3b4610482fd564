package io.fedmesh.controller.peering;

/**
 * A peering request refused or failed, with a message for the operator. {@link #kind()} maps to a
 * gRPC status on the wire and an HTTP status on the admin API.
 */
public final class PeeringException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why: decides the gRPC and HTTP status. */
  public enum Kind {
    /** Malformed input (400, INVALID_ARGUMENT). */
    INVALID_ARGUMENT(400),
    /** A token that is unknown, used, expired or has a wrong secret (403, PERMISSION_DENIED). */
    PERMISSION_DENIED(403),
    /** Input that contradicts the state: wrong cluster, self-link, already linked (409). */
    FAILED_PRECONDITION(409),
    /** No such link (404, NOT_FOUND). */
    NOT_FOUND(404),
    /** The other cluster could not be reached (502, UNAVAILABLE). */
    UNAVAILABLE(502);

    private final int httpStatus;

    Kind(int httpStatus) {
      this.httpStatus = httpStatus;
    }

    /** The admin API's status for this kind. */
    public int httpStatus() {
      return httpStatus;
    }
  }

  private final Kind kind;

  public PeeringException(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public PeeringException(Kind kind, String message, Throwable cause) {
    super(message, cause, false, false);
    this.kind = kind;
  }

  static PeeringException invalid(String message) {
    return new PeeringException(Kind.INVALID_ARGUMENT, message);
  }

  static PeeringException denied(String message) {
    return new PeeringException(Kind.PERMISSION_DENIED, message);
  }

  static PeeringException precondition(String message) {
    return new PeeringException(Kind.FAILED_PRECONDITION, message);
  }

  /** What kind of refusal. */
  public Kind kind() {
    return kind;
  }
}
