package io.fedmesh.proxy.routing;

import java.util.Objects;

/**
 * Why one try failed, as {@link RetryDecision} and {@link OutlierDetector} need it.
 *
 * @param kind the kind of failure
 * @param status the HTTP status for {@link Kind#STATUS}, 0 otherwise
 */
public record UpstreamFailure(Kind kind, int status) {
  /** Kinds of failure. */
  public enum Kind {
    /** No connection could be made: the request was never sent. */
    CONNECT_FAILURE,
    /**
     * The peer refused the stream (HTTP/2 {@code REFUSED_STREAM}, or GOAWAY above its id): the
     * request was not processed.
     */
    REFUSED_STREAM,
    /** The connection was reset or closed before a full response: it may have been processed. */
    RESET,
    /** No response within the per-try timeout: it may have been processed. */
    PER_TRY_TIMEOUT,
    /** A response with a failing status. */
    STATUS
  }

  /** A connect failure. */
  public static final UpstreamFailure CONNECT_FAILURE =
      new UpstreamFailure(Kind.CONNECT_FAILURE, 0);

  /** A refused stream. */
  public static final UpstreamFailure REFUSED_STREAM = new UpstreamFailure(Kind.REFUSED_STREAM, 0);

  /** A reset. */
  public static final UpstreamFailure RESET = new UpstreamFailure(Kind.RESET, 0);

  /** A per-try timeout. */
  public static final UpstreamFailure PER_TRY_TIMEOUT =
      new UpstreamFailure(Kind.PER_TRY_TIMEOUT, 0);

  /** Checks that {@code status} is set exactly for {@link Kind#STATUS}. */
  public UpstreamFailure {
    Objects.requireNonNull(kind, "kind");
    if (kind == Kind.STATUS ? status < 100 || status > 599 : status != 0) {
      throw new IllegalArgumentException(
          "failure " + kind + ": status " + status + " (expected: 100..599 for STATUS, else 0)");
    }
  }

  /** A response with HTTP status {@code status}. */
  public static UpstreamFailure status(int status) {
    return new UpstreamFailure(Kind.STATUS, status);
  }

  /** Whether the request certainly never reached the application, so any method may be retried. */
  public boolean neverProcessed() {
    return kind == Kind.CONNECT_FAILURE || kind == Kind.REFUSED_STREAM;
  }

  /** How outlier detection counts this failure. */
  public Outcome outcome() {
    return kind == Kind.STATUS ? Outcome.ofStatus(status) : Outcome.GATEWAY_ERROR;
  }
}
