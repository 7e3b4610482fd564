package io.fedmesh.proxy.model;

/** Name rules shared by the model: DNS-1123 labels, as Kubernetes names them. */
final class Names {
  static final int MAX_LABEL = 63;

  private Names() {}

  /**
   * Checks a DNS-1123 label: lower-case alphanumerics and '-', starting and ending alphanumeric.
   */
  static String checkLabel(String field, String value) {
    if (value == null || value.isEmpty()) {
      throw new ModelException(field + ": missing (expected: a DNS label such as 'us-east')");
    }
    if (value.length() > MAX_LABEL) {
      throw new ModelException(
          field + ": '" + value + "' is " + value.length() + " characters (expected: at most 63)");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok || (c == '-' && (i == 0 || i == value.length() - 1))) {
        throw new ModelException(
            field
                + ": '"
                + value
                + "' (expected: a DNS label: lower-case letters, digits and '-', not at either end)");
      }
    }
    return value;
  }

  static int checkPort(String field, int port) {
    if (port < 1 || port > 65535) {
      throw new ModelException(field + ": " + port + " (expected: 1..65535)");
    }
    return port;
  }
}
