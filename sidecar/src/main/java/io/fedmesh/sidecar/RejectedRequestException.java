package io.fedmesh.sidecar;

/**
 * Why {@link StrictRequestDecoder} refused an HTTP/1.x request head that Netty alone would have
 * accepted; its message is the answer's body, naming what was wrong and what is allowed.
 */
final class RejectedRequestException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** Both framings at once: the request-smuggling shape (RFC 9112 section 6.1). */
  static final String LENGTH_AND_CHUNKED =
      "request has both Content-Length and Transfer-Encoding: chunked; send exactly one of them"
          + " (RFC 9112 section 6.1)\n";

  /** A header line continued on the next line (obs-fold, RFC 9112 section 5.2). */
  static final String OBS_FOLD =
      "header line starts with a space or tab (obs-fold line folding); send each header field on"
          + " one line (RFC 9112 section 5.2)\n";

  RejectedRequestException(String reason) {
    super(reason);
  }
}
