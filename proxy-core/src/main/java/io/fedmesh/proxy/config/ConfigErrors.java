package io.fedmesh.proxy.config;

import io.fedmesh.trust.TrustException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Every error found in a file that is accepted whole or not at all, such as a file of {@link
 * FailoverPolicy} documents: each a {@link ConfigException} naming {@code file:line:col}, the
 * field, the value and what is allowed. The message has one error per line. Extends the project's
 * base exception so that the CLI maps it to exit code 2 (a user's error, not a fault).
 */
public final class ConfigErrors extends TrustException {
  private static final long serialVersionUID = 1L;

  private final transient List<ConfigException> errors;

  ConfigErrors(List<ConfigException> errors) {
    super(errors.stream().map(ConfigException::getMessage).collect(Collectors.joining("\n")));
    if (errors.isEmpty()) {
      throw new IllegalArgumentException("no errors");
    }
    this.errors = List.copyOf(errors);
  }

  /** The errors in file order (by line, then column); never empty. */
  public List<ConfigException> errors() {
    return errors;
  }
}
