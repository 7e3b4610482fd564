package io.fedmesh.gateway;

import java.util.Locale;

/**
 * Why the gateway closed a connection without routing it: the {@code reason} tag of {@value
 * EastWestGateway#METRIC_SNI_FAILURES}. Each value's {@link #tag()} is its lower-case name.
 */
public enum RejectReason {
  /** A ClientHello with no {@code server_name} extension, or none of type {@code host_name}. */
  NO_SNI(Alert.UNRECOGNIZED_NAME),
  /** A {@code host_name} that is not {@code <service>.<namespace>.<port>.<cluster>.fedmesh}. */
  MALFORMED_SNI(Alert.UNRECOGNIZED_NAME),
  /** A TLS handshake record that does not hold a well-formed ClientHello. */
  MALFORMED_HELLO(Alert.DECODE_ERROR),
  /** The first bytes are not a TLS handshake record (plaintext, HTTP, an SSLv2-style hello). */
  NOT_TLS(Alert.NONE),
  /** The SNI names a service (or a port of it) that this cluster does not have. */
  UNKNOWN_SERVICE(Alert.UNRECOGNIZED_NAME),
  /** The SNI names a service this cluster has but does not export. */
  NOT_EXPORTED(Alert.UNRECOGNIZED_NAME),
  /** The SNI names another cluster. */
  WRONG_CLUSTER(Alert.UNRECOGNIZED_NAME),
  /** The service is exported but has no healthy local endpoint. */
  NO_ENDPOINT(Alert.INTERNAL_ERROR),
  /** The ClientHello did not arrive within the hello timeout (slowloris bound). */
  HELLO_TIMEOUT(Alert.NONE),
  /** The ClientHello is larger than the gateway buffers. */
  HELLO_TOO_LARGE(Alert.DECODE_ERROR),
  /** The source address opened connections faster than its per-source rate. */
  RATE_LIMITED(Alert.NONE),
  /** The gateway was at its maximum of concurrent connections. */
  TOO_MANY_CONNECTIONS(Alert.NONE),
  /** No chosen endpoint accepted the connection within the connect timeout. */
  CONNECT_FAILED(Alert.INTERNAL_ERROR);

  private final String tag;
  private final Alert alert;

  RejectReason(Alert alert) {
    this.tag = name().toLowerCase(Locale.ROOT);
    this.alert = alert;
  }

  /** The metric tag value. */
  public String tag() {
    return tag;
  }

  /** The TLS alert description sent before closing, or -1 when the connection is just closed. */
  public int alertDescription() {
    return alert.code;
  }

  private enum Alert {
    NONE(-1),
    /** unrecognized_name(112), RFC 6066. */
    UNRECOGNIZED_NAME(112),
    /** decode_error(50). */
    DECODE_ERROR(50),
    /** internal_error(80). */
    INTERNAL_ERROR(80);

    final int code;

    Alert(int code) {
      this.code = code;
    }
  }
}
