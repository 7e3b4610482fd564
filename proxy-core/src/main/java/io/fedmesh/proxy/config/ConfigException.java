package io.fedmesh.proxy.config;

import io.fedmesh.trust.TrustException;

/**
 * A configuration file that cannot be used: the message is {@code file:line:col: path: what is
 * wrong (expected: what is allowed)}, ready to show an operator as it is. Extends the project's
 * base exception so that the CLI maps it to exit code 2 (a user's error, not a fault).
 *
 * <p>{@link #line()} and {@link #column()} are 1-based; both are 0 when the error is about the file
 * as a whole (it cannot be read, or is too large), and the message then starts with {@code file:}
 * alone.
 */
public final class ConfigException extends TrustException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final int line;
  private final int column;
  private final String path;
  private final String detail;

  ConfigException(String source, int line, int column, String path, String detail) {
    this(source, line, column, path, detail, null);
  }

  ConfigException(
      String source, int line, int column, String path, String detail, Throwable cause) {
    super(format(source, line, column, path, detail), cause);
    this.source = source;
    this.line = line;
    this.column = column;
    this.path = path;
    this.detail = detail;
  }

  private static String format(String source, int line, int column, String path, String detail) {
    StringBuilder b = new StringBuilder(source);
    if (line > 0) {
      b.append(':').append(line).append(':').append(column);
    }
    b.append(": ");
    if (!path.isEmpty()) {
      b.append(path).append(": ");
    }
    return b.append(detail).toString();
  }

  /** The file (or the name given to {@link ProxyConfigLoader#parse}). */
  public String source() {
    return source;
  }

  /** 1-based line of the offending node, or 0 for the file as a whole. */
  public int line() {
    return line;
  }

  /** 1-based column of the offending node, or 0 for the file as a whole. */
  public int column() {
    return column;
  }

  /**
   * The field path, such as {@code services[0].endpoints[1].port}; empty for the document as a
   * whole or a YAML syntax error.
   */
  public String path() {
    return path;
  }

  /** What is wrong, without the location: the message's last part. */
  public String detail() {
    return detail;
  }
}
