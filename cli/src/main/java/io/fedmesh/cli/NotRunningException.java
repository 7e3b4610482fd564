package io.fedmesh.cli;

/** The topology (or the cluster asked for) is not running: exit code 4. */
final class NotRunningException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  NotRunningException(String message) {
    super(message, null, false, false);
  }
}
