package io.fedmesh.proxy.model;

import java.util.Optional;

/**
 * Name rules shared by the model and the readers that build it: DNS-1123 labels, as Kubernetes
 * names them.
 */
public final class Names {
  static final int MAX_LABEL = 63;

  private Names() {}

  /**
   * What is wrong with {@code value} as a DNS-1123 label (lower-case alphanumerics and '-',
   * starting and ending alphanumeric, at most 63 characters), to follow the quoted value in a
   * message, such as {@code " (expected: a DNS label: ...)"}; empty when it is a label.
   */
  public static Optional<String> labelProblem(String value) {
    if (value == null || value.isEmpty()) {
      return Optional.of(" is empty (expected: a DNS label such as 'us-east')");
    }
    if (value.length() > MAX_LABEL) {
      return Optional.of(" is " + value.length() + " characters (expected: at most 63)");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok || (c == '-' && (i == 0 || i == value.length() - 1))) {
        return Optional.of(
            " (expected: a DNS label: lower-case letters, digits and '-', not at either end)");
      }
    }
    return Optional.empty();
  }

  /**
   * Checks a DNS-1123 label.
   *
   * @return {@code value}
   * @throws ModelException whose message starts with {@code field}, when it is not a label
   */
  public static String checkLabel(String field, String value) {
    if (value == null || value.isEmpty()) {
      throw new ModelException(field + ": missing (expected: a DNS label such as 'us-east')");
    }
    Optional<String> problem = labelProblem(value);
    if (problem.isPresent()) {
      throw new ModelException(field + ": '" + value + "'" + problem.get());
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
