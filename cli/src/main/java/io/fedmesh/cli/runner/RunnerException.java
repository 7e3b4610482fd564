package io.fedmesh.cli.runner;

/**
 * A request to a running cluster that cannot be done as asked; {@link #status()} is the HTTP status
 * the control endpoint answers with (400 bad input, 404 unknown name) and the message names the
 * input and what is allowed.
 */
public final class RunnerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;

  public RunnerException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  /** The HTTP status for this error. */
  public int status() {
    return status;
  }
}
