package io.fedmesh.trust.tls;

import io.fedmesh.trust.TrustException;
import io.netty.handler.ssl.OpenSsl;
import io.vertx.core.net.SSLEngineOptions;
import java.util.Locale;

/** Which TLS implementation runs the handshakes. */
public enum TlsEngine {
  /** BoringSSL through netty-tcnative when it loads on this machine, else the JDK. */
  AUTO,
  /** netty-tcnative BoringSSL; fails at start when the native library does not load. */
  OPENSSL,
  /** The JDK's own SSLEngine. */
  JDK;

  /** Parses {@code auto}, {@code openssl} or {@code jdk}. */
  public static TlsEngine parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new TrustException("tls engine '" + s + "' (expected: auto, openssl or jdk)");
    }
  }

  /** Whether BoringSSL loaded in this process. */
  public static boolean openSslAvailable() {
    return OpenSsl.isAvailable();
  }

  /** The concrete engine: {@link #OPENSSL} or {@link #JDK}. */
  public TlsEngine resolve() {
    switch (this) {
      case AUTO:
        return openSslAvailable() ? OPENSSL : JDK;
      case OPENSSL:
        if (!openSslAvailable()) {
          Throwable cause = OpenSsl.unavailabilityCause();
          throw new TrustException(
              "tls engine 'openssl' requested but netty-tcnative BoringSSL did not load ("
                  + (cause == null ? "unknown cause" : cause.getMessage())
                  + "); use 'auto' or 'jdk'",
              cause);
        }
        return OPENSSL;
      default:
        return JDK;
    }
  }

  /** Vert.x engine options whose contexts alert on non-TLS input and whose clients never resume. */
  SSLEngineOptions vertxOptions() {
    return AlertingSslContext.engineOptions(resolve() == OPENSSL);
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
