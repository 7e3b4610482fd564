package io.fedmesh.cli;

/** What was asked runs but is not ready or not healthy (a failed check or call): exit code 3. */
final class NotReadyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  NotReadyException(String message) {
    super(message, null, false, false);
  }
}
