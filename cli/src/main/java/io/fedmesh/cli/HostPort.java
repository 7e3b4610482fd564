package io.fedmesh.cli;

/** A {@code host:port} option value; port 0 picks a free port. */
record HostPort(String host, int port) {
  static HostPort parse(String option, String value) {
    int colon = value == null ? -1 : value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new UsageException(
          option + ": '" + value + "' (expected: HOST:PORT, e.g. 127.0.0.1:15001)");
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 0 || port > 65535) {
      throw new UsageException(
          option + ": '" + value + "': port (expected: 0..65535; 0 picks a free port)");
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new HostPort(host, port);
  }

  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
