package io.fedmesh.proxy.routing;

/**
 * How one try against an endpoint ended, as outlier detection counts it (Envoy's classes). A
 * gateway error counts toward both {@code consecutiveGatewayErrors} and {@code
 * consecutive5xxErrors}; any other 5xx toward the latter only and breaks a run of gateway errors; a
 * success resets both.
 */
public enum Outcome {
  /** Any response below 500. */
  SUCCESS,
  /** A 5xx response other than 502, 503 and 504. */
  SERVER_ERROR,
  /** A connect failure, a reset or refused stream, a per-try timeout, or a 502/503/504. */
  GATEWAY_ERROR;

  /** The outcome of a response with HTTP status {@code status}. */
  public static Outcome ofStatus(int status) {
    if (status < 500) {
      return SUCCESS;
    }
    return status >= 502 && status <= 504 ? GATEWAY_ERROR : SERVER_ERROR;
  }
}
