package io.fedmesh.cli;

/**
 * The user's input is wrong in a way picocli cannot see: a bad option value, a missing file, a pair
 * of options given half. The message names the input, the value and what was expected; the command
 * exits with 2 and prints no stack trace.
 */
final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }

  UsageException(String message, Throwable cause) {
    super(message, cause);
  }
}
