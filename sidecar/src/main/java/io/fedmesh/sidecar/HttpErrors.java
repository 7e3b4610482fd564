package io.fedmesh.sidecar;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServerRequest;

/**
 * How the sidecar's listeners answer HTTP/1.x requests the decoder could not parse: a request line
 * over the limit gets {@code 414}, headers over the limit {@code 431}, anything else malformed
 * {@code 400}. The connection is closed after the answer, since the decoder's position in the
 * stream can no longer be trusted (RFC 9112 section 2.2). A head the sidecar's own decoder refused
 * (both Content-Length and Transfer-Encoding, obs-fold) gets a body naming what was wrong.
 */
public final class HttpErrors {
  private HttpErrors() {}

  /** The status for a request that failed to decode with {@code cause} (may be null). */
  public static int invalidRequestStatus(Throwable cause) {
    if (cause instanceof TooLongHttpLineException) {
      return 414;
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return 431;
    }
    return 400;
  }

  /** An {@code invalidRequestHandler} for Vert.x HTTP servers: answers and closes. */
  public static void handleInvalidRequest(HttpServerRequest req) {
    DecoderResult result = req.decoderResult();
    Throwable cause = result == null ? null : result.cause();
    int status = invalidRequestStatus(cause);
    String reason =
        switch (status) {
          case 414 -> "request line too long\n";
          case 431 -> "request header fields too large\n";
          default ->
              cause instanceof RejectedRequestException ? cause.getMessage() : "invalid request\n";
        };
    req.response()
        .setStatusCode(status)
        .putHeader("connection", "close")
        .putHeader("content-type", "text/plain; charset=utf-8")
        .end(reason)
        .onComplete(ar -> req.connection().close());
  }
}
